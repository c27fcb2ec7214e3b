// The Store contract against a real redis-server started for this file; each test has its own key prefix.
// Also: what restgate's keys look like in Redis, and that none of them grows without bound.
import t from 'tap'
import { Redis } from 'ioredis'
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

t.test('every key restgate writes has a TTL or goes with its record: nothing grows with what clients make up', async (t) => {
  const keyPrefix = uniquePrefix('bounded')
  const store = createRedisStore({ config: { url: redis.url, keyPrefix } })
  t.teardown(() => store.close())
  t.ok(await store.connected)
  const now = Date.now()
  const tokens = await Promise.all(
    ['alice', 'bob', 'a}:x'].map((user, i) =>
      store.createToken({ user, name: 'n', description: '', hash: `h${i}`, createdAt: now, expiresAt: now + 1000, lifetimeDays: 1, scope: 'read', paths: null }),
    ),
  )
  await store.setTokenExpiry(tokens[0]!.id, now + 5000)
  await store.recordTokenUse(tokens.map((tok) => ({ id: tok.id, at: now, ip: '192.0.2.1' })))
  await store.createSession({ key: 's1', user: 'alice', method: 'token', createdAt: now, lastSeenAt: now, absoluteExpiresAt: now + 60_000, csrf: 'c' })
  await store.touchSessions([{ key: 's1', at: now + 1 }])
  for (let i = 0; i < 20; i++) await store.hit(`user:made-up-${i}`, 60_000, now)
  await store.resetCounter('user:made-up-0')
  await store.claimOnce('krb:abc', 60_000)
  await store.saveSnapshot({ id: 'snap-1', timeMillis: now, description: '', automatic: false, version: '1', text: 'x' })
  await store.setMeta('restgate version', '1')
  await store.ping()
  await store.publish({ kind: 'all' })

  const client = new Redis(redis.url)
  t.teardown(() => client.disconnect())
  const keys = async (): Promise<string[]> => (await client.keys(`${keyPrefix}*`)).map((k) => k.slice(keyPrefix.length))
  const expiring = [/^session:/, /^counter:/, /^claim:/, /^\{probe:[^}]*\}$/]
  // What has no TTL, and what bounds it: the live tokens, the snapshots kept (snapshots.keep), fixed names.
  const bounded = [/^\{tokens\}:(seq|owners)$/, /^\{u:[^}]*\}:(tokens|token:\d+)$/, /^token-hash:/, /^\{snapshots\}:(index|snapshot:.+)$/, /^meta$/]
  for (const key of await keys()) {
    const ttl = await client.pttl(`${keyPrefix}${key}`)
    if (expiring.some((re) => re.test(key))) t.ok(ttl > 0, `${key} expires (${ttl} ms)`)
    else t.ok(ttl === -1 && bounded.some((re) => re.test(key)), `${key} is one of the bounded kinds`)
  }
  t.ok((await keys()).some((k) => k.startsWith('counter:user%3Amade-up-')), 'the workload wrote counters')

  for (const tok of tokens) await store.deleteToken(tok.id)
  await store.deleteSnapshot('snap-1')
  const left = (await keys()).filter((k) => !expiring.some((re) => re.test(k)))
  t.same(left.sort(), ['meta', '{tokens}:seq'], 'once their records are gone, only the id counter and the named values stay')
})
