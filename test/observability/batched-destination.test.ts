// Log lines leave in batches: by size at once, by time within BATCH_MS, and everything on flush / exit.
import t from 'tap'
import { BatchedDestination, type Flushable } from '../../src/observability/batched-destination.js'

function recorder(): Flushable & { writes: string[]; flushed: number; syncFlushed: number } {
  const r = {
    writes: [] as string[],
    flushed: 0,
    syncFlushed: 0,
    write(s: string) {
      r.writes.push(s)
    },
    flush(cb?: (err?: Error | null) => void) {
      r.flushed++
      cb?.()
    },
    flushSync() {
      r.syncFlushed++
    },
  }
  return r
}

t.test('lines written within the batch time leave together, in order', async (t) => {
  const target = recorder()
  const d = new BatchedDestination(target, 5, 1 << 20)
  d.write('a\n')
  d.write('b\n')
  t.same(target.writes, [], 'nothing written synchronously')
  await new Promise((r) => setTimeout(r, 30))
  t.same(target.writes, ['a\nb\n'])
})

t.test('a batch reaching the byte limit is written at once', async (t) => {
  const target = recorder()
  const d = new BatchedDestination(target, 60_000, 8)
  d.write('123\n')
  t.same(target.writes, [])
  d.write('567\n')
  t.same(target.writes, ['123\n567\n'])
  d.flush()
})

t.test('a batch never grows past the limit: it ends at the line before', async (t) => {
  const target = recorder()
  const d = new BatchedDestination(target, 60_000, 10)
  d.write('aaaa\n')
  d.write('bbbbbb\n')
  t.same(target.writes, ['aaaa\n'], 'the first line left alone rather than split a batch over the limit')
  d.write('0123456789abc\n')
  t.same(target.writes, ['aaaa\n', 'bbbbbb\n', '0123456789abc\n'], 'a longer line is written whole, on its own')
})

t.test('flush writes what is pending and flushes the target; flushSync too', async (t) => {
  const target = recorder()
  const d = new BatchedDestination(target, 60_000, 1 << 20)
  d.write('x\n')
  let called = false
  d.flush(() => (called = true))
  t.same(target.writes, ['x\n'])
  t.equal(target.flushed, 1)
  t.ok(called, 'callback called')
  d.write('y\n')
  d.flushSync()
  t.same(target.writes, ['x\n', 'y\n'])
  t.equal(target.syncFlushed, 1)
  d.flush()
  t.equal(target.writes.length, 2, 'an empty batch writes nothing')
})
