// "Last used" without a store write per request: merged in memory, one batch per flush, kept on failure.
import t from 'tap'
import { join } from 'node:path'
import { openEmbeddedStore } from '../../src/store/embedded.js'
import type { Store } from '../../src/store/types.js'
import { createUsageRecorder } from '../../src/tokens/usage.js'
import { tempDir } from '../helpers/tmp.js'

async function storeWithToken(t: Parameters<typeof tempDir>[0]) {
  const store = openEmbeddedStore({ path: join(tempDir(t), 'rg.db') })
  t.teardown(() => store.close())
  const a = await store.createToken({ user: 'alice', name: 'a', description: '', hash: 'ha', createdAt: 0, expiresAt: null, lifetimeDays: null, scope: 'write', paths: null })
  const b = await store.createToken({ user: 'bob', name: 'b', description: '', hash: 'hb', createdAt: 0, expiresAt: null, lifetimeDays: null, scope: 'write', paths: null })
  return { store, a, b }
}

/** Counts the batches the recorder writes. */
function counting(store: Store, fail = { now: false }) {
  const batches: number[] = []
  const wrapped = Object.create(store) as Store
  wrapped.recordTokenUse = async (uses) => {
    if (fail.now) throw new Error('down')
    batches.push(uses.length)
    return store.recordTokenUse(uses)
  }
  return { wrapped, batches }
}

t.test('a thousand uses of two tokens are one write of two rows, the latest use each', async (t) => {
  const { store, a, b } = await storeWithToken(t)
  const { wrapped, batches } = counting(store)
  const usage = createUsageRecorder(wrapped, { intervalMs: 60_000 })
  t.teardown(() => usage.close())
  for (let i = 1; i <= 1000; i++) usage.note(i % 2 === 0 ? a.id : b.id, i, `10.0.0.${i % 250}`)
  usage.note(a.id, 5, '192.0.2.1') // older than what is pending: ignored
  t.same(batches, [], 'nothing written before the flush')
  await usage.flush()
  t.same(batches, [2])
  t.match(await store.getToken(a.id), { lastUsedAt: 1000, lastUsedIp: '10.0.0.0' })
  t.match(await store.getToken(b.id), { lastUsedAt: 999, lastUsedIp: '10.0.0.249' })
  await usage.flush()
  t.same(batches, [2], 'an empty flush writes nothing')
})

t.test('a refused batch is kept for the next flush; close flushes', async (t) => {
  const { store, a } = await storeWithToken(t)
  const fail = { now: true }
  const { wrapped, batches } = counting(store, fail)
  const usage = createUsageRecorder(wrapped, { intervalMs: 60_000 })
  t.teardown(() => usage.close())
  usage.note(a.id, 10, '10.0.0.1')
  await usage.flush()
  t.equal((await store.getToken(a.id))?.lastUsedAt, null, 'not written while the store is down')
  fail.now = false
  await usage.close()
  t.same(batches, [1])
  t.match(await store.getToken(a.id), { lastUsedAt: 10, lastUsedIp: '10.0.0.1' })
})

t.test('the pending set is bounded', async (t) => {
  const { store } = await storeWithToken(t)
  const { wrapped, batches } = counting(store)
  const usage = createUsageRecorder(wrapped, { intervalMs: 60_000, maxPending: 3 })
  t.teardown(() => usage.close())
  for (let id = 1; id <= 10; id++) usage.note(id, 1, '10.0.0.1')
  await usage.flush()
  t.same(batches, [3])
})

t.test('the interval flushes by itself', async (t) => {
  const { store, a } = await storeWithToken(t)
  const { wrapped, batches } = counting(store)
  const usage = createUsageRecorder(wrapped, { intervalMs: 20 })
  t.teardown(() => usage.close())
  usage.note(a.id, 7, '10.0.0.7')
  const hold = setTimeout(() => undefined, 1000)
  t.teardown(() => clearTimeout(hold))
  while (batches.length === 0) await new Promise((r) => setTimeout(r, 10))
  t.same(batches, [1])
})
