// The admission queue in front of the upstream pool, with a hand-moved clock: concurrency, order, limits,
// withdrawal, and never a start after the deadline even when the timer has not run yet.
import t from 'tap'
import { createUpstreamQueue, type Refusal, type Ticket } from '../../src/upstream/queue.js'

function tickets() {
  const log: string[] = []
  const make = (name: string): Ticket => ({
    start: () => void log.push(`start ${name}`),
    refuse: (why: Refusal) => void log.push(`refuse ${name} ${why}`),
  })
  return { log, make }
}

const LONG = { maxQueued: 10, timeoutMs: 60_000 }

t.test('starts up to the concurrency at once, then one waiting ticket per exchange that ends, in order', async (t) => {
  const clock = { at: 0 }
  const q = createUpstreamQueue(2, () => clock.at)
  const { log, make } = tickets()
  for (const n of ['a', 'b', 'c', 'd']) q.enter(make(n), LONG)
  t.same(log, ['start a', 'start b'])
  t.equal(q.running, 2)
  t.equal(q.waiting, 2)
  q.leave()
  t.same(log.slice(2), ['start c'])
  q.leave()
  q.leave()
  t.same(log.slice(3), ['start d'])
  q.leave()
  t.equal(q.running, 0)
  t.equal(q.waiting, 0)
})

t.test('a full queue refuses at once; maxQueued 0 means nothing waits', async (t) => {
  const q = createUpstreamQueue(1, () => 0)
  const { log, make } = tickets()
  q.enter(make('a'), { maxQueued: 1, timeoutMs: 60_000 })
  const withdraw = q.enter(make('b'), { maxQueued: 1, timeoutMs: 60_000 })
  q.enter(make('c'), { maxQueued: 1, timeoutMs: 60_000 })
  q.enter(make('d'), { maxQueued: 0, timeoutMs: 60_000 })
  t.same(log, ['start a', 'refuse c full', 'refuse d full'])
  withdraw()
  q.leave()
  t.same(log.slice(3), [], 'a withdrawn ticket is never started')
  t.equal(q.waiting, 0)
})

t.test('a ticket past its deadline is refused when its turn comes, even before its timer ran', async (t) => {
  const clock = { at: 0 }
  const q = createUpstreamQueue(1, () => clock.at)
  const { log, make } = tickets()
  q.enter(make('a'), LONG)
  q.enter(make('late'), { maxQueued: 10, timeoutMs: 60_000 })
  clock.at = 10_000
  q.enter(make('fresh'), LONG)
  clock.at = 60_001 // 'late' is past its deadline; its timer (real time) has not fired
  q.leave()
  t.same(log, ['start a', 'refuse late timeout', 'start fresh'])
  q.leave()
})

t.test('the timer refuses a ticket that waited too long; its place is free again', async (t) => {
  const q = createUpstreamQueue(1)
  const { log, make } = tickets()
  q.enter(make('a'), LONG)
  q.enter(make('b'), { maxQueued: 1, timeoutMs: 20 })
  await new Promise((resolve) => setTimeout(resolve, 60))
  t.same(log, ['start a', 'refuse b timeout'])
  t.equal(q.waiting, 0)
  q.enter(make('c'), { maxQueued: 1, timeoutMs: 60_000 })
  q.leave()
  t.same(log.slice(2), ['start c'])
  q.leave()
})

t.test('thousands of withdrawn tickets while nothing starts: the counts stay right through the compaction', async (t) => {
  const q = createUpstreamQueue(1, () => 0)
  const { make } = tickets()
  q.enter(make('busy'), LONG)
  for (let i = 0; i < 5000; i++) q.enter(make(`w${i}`), LONG)()
  t.equal(q.waiting, 0)
  const kept = q.enter(make('kept'), LONG)
  t.equal(q.waiting, 1)
  kept()
  q.leave()
  t.equal(q.running, 0)
})
