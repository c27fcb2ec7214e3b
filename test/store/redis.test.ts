// The Store contract against a real redis-server started for this file; each test has its own key prefix.
import t from 'tap'
import { createRedisStore } from '../../src/store/redis.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { storeContract } from './contract.js'

const redis = await startRedis(t)

storeContract(t, async () => {
  const keyPrefix = uniquePrefix('standalone')
  return async () => {
    const store = createRedisStore({ config: { url: redis.url, keyPrefix } })
    await store.connected
    return store
  }
})

t.test('two prefixes on one server never see each other', async (t) => {
  const a = createRedisStore({ config: { url: redis.url, keyPrefix: uniquePrefix('a') } })
  t.teardown(() => a.close())
  const b = createRedisStore({ config: { url: redis.url, keyPrefix: uniquePrefix('b') } })
  t.teardown(() => b.close())
  t.ok(await a.connected)
  t.ok(await b.connected)
  const tok = await a.createToken({ user: 'alice', name: 'n', description: '', hash: 'shared-hash', createdAt: 1, expiresAt: null, lifetimeDays: null, scope: 'write', paths: null })
  t.equal(await b.findTokenByHash('shared-hash'), null)
  t.same(await b.listTokens(), [])
  await a.setMeta('x', '1')
  t.equal(await b.getMeta('x'), null)
  t.same(await a.findTokenByHash('shared-hash'), tok)
})
