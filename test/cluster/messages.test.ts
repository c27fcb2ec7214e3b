// The primary's view of its workers' readiness, and the IPC message guards.
import t from 'tap'
import { combineChecks, isAnswer, isListening, isQuery } from '../../src/cluster/messages.js'

t.test('every worker ok: ok', async (t) => {
  const ok = { config: 'ok', store: 'ok' }
  t.same(combineChecks([{ slot: 1, checks: ok }, { slot: 2, checks: ok }], 2), { workers: 'ok', config: 'ok', store: 'ok' })
})

t.test('one worker not ready: its reason, with its slot; "stale" still leads', async (t) => {
  const out = combineChecks(
    [
      { slot: 1, checks: { config: 'ok', store: 'ok' } },
      { slot: 2, checks: { config: 'stale: bad file', store: 'error: down' } },
    ],
    2,
  )
  t.equal(out['store'], 'error: down (worker 2)')
  t.match(out['config'], /^stale: bad file \(worker 2\)$/)
  t.equal(out['workers'], 'ok')
})

t.test('a worker missing or silent: workers is not ok', async (t) => {
  t.equal(combineChecks([{ slot: 1, checks: { store: 'ok' } }], 2)['workers'], '1 of 2 workers answering')
  t.equal(combineChecks([{ slot: 1, checks: { store: 'ok' } }, { slot: 2, checks: undefined }], 2)['workers'], '1 of 2 workers answering (no answer from 2)')
})

t.test('guards accept only restgate messages', async (t) => {
  t.ok(isListening({ rg: 'listening', url: 'http://x' }))
  t.notOk(isListening({ cmd: 'NODE_CLUSTER', act: 'listening' }), "Node's own cluster messages are not ours")
  t.ok(isQuery({ rg: 'query', id: 1, what: 'metrics' }))
  t.notOk(isQuery({ rg: 'query', id: 1, what: 'shutdown' }))
  t.ok(isAnswer({ rg: 'answer', id: 3 }))
  t.notOk(isAnswer(null))
})
