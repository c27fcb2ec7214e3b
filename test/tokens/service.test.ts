// The token service: cache hits cost no store round trip, every change reaches every instance's cache,
// refresh rules, and a store made with another hash key fails closed.
import t from 'tap'
import { join } from 'node:path'
import { openEmbeddedStore } from '../../src/store/embedded.js'
import { StoreUnavailableError, type Store } from '../../src/store/types.js'
import { createTokenService, type TokenService } from '../../src/tokens/service.js'
import { createTokenHasher } from '../../src/tokens/hash.js'
import { DAY_MS } from '../../src/tokens/lifetime.js'
import { createStaticDirectory } from '../../src/directory/static.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { compilePolicy, type Policy } from '../../src/policy/compile.js'
import { parseConfig } from '../../src/config/load.js'
import { tempDir } from '../helpers/tmp.js'

type T = Parameters<typeof tempDir>[0]

function policy(extra = ''): Policy {
  const r = parseConfig(`upstream: { url: "http://jira:8080" }\n${extra}`, { env: {} })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return compilePolicy(r.config)
}

function counted(store: Store) {
  const calls = { find: 0 }
  const wrapped = Object.create(store) as Store
  wrapped.findTokenByHash = (hash) => {
    calls.find++
    return store.findTokenByHash(hash)
  }
  return { wrapped, calls }
}

function makeService(t: T, store: Store, clock: { now(): number }, key = 1, ttlMs = 30_000): { service: TokenService; metrics: ReturnType<typeof createMetrics> } {
  const metrics = createMetrics({ defaultMetrics: false })
  const service = createTokenService({
    store,
    hasher: createTokenHasher(Buffer.alloc(32, key)),
    clock,
    directory: createStaticDirectory(),
    metrics,
    cacheLimits: () => ({ maxEntries: 100, ttlMs }),
  })
  t.teardown(() => service.close())
  return { service, metrics }
}

function openStore(t: T, file: string): Store {
  const store = openEmbeddedStore({ path: file })
  t.teardown(() => store.close())
  return store
}

t.test('a cache hit costs no store round trip; unknown secrets are remembered too', async (t) => {
  const clock = { now: () => 1_000_000 }
  const { wrapped, calls } = counted(openStore(t, join(tempDir(t), 'rg.db')))
  const { service, metrics } = makeService(t, wrapped, clock)
  const { record, secret } = await service.create('alice', { name: 'ci' }, policy())
  t.same((await service.lookup(secret))?.record, record)
  t.same((await service.lookup(secret))?.record, record)
  t.same((await service.lookup(secret))?.record, record)
  t.equal(calls.find, 1, 'one store lookup for three validations')
  t.equal(await service.lookup('rgt_unknown'), null)
  t.equal(await service.lookup('rgt_unknown'), null)
  t.equal(calls.find, 2, 'a miss is cached as well')
  const counts = (await metrics.registry.getSingleMetric('restgate_token_cache_total')!.get()).values
  t.same(Object.fromEntries(counts.map((v) => [v.labels['result'], v.value])), { hit: 3, miss: 2 })
})

t.test('the TTL bounds a cached entry', async (t) => {
  let now = 1_000_000
  const { wrapped, calls } = counted(openStore(t, join(tempDir(t), 'rg.db')))
  const { service } = makeService(t, wrapped, { now: () => now }, 1, 1000)
  const { secret } = await service.create('alice', {}, policy())
  await service.lookup(secret)
  now += 999
  await service.lookup(secret)
  t.equal(calls.find, 1)
  now += 1
  await service.lookup(secret)
  t.equal(calls.find, 2, 'looked up again after the TTL')
})

t.test('a revocation on one instance empties the other instance\'s cache within a second', async (t) => {
  const file = join(tempDir(t), 'rg.db')
  const clock = { now: () => Date.now() }
  const a = makeService(t, openStore(t, file), clock).service
  const b = makeService(t, openStore(t, file), clock).service
  const { record, secret } = await a.create('alice', {}, policy())
  t.ok(await b.lookup(secret), 'b has it cached')
  const started = Date.now()
  await a.remove(record.id)
  t.equal(await a.lookup(secret), null, 'gone at once where it was revoked')
  const hold = setTimeout(() => undefined, 2000)
  t.teardown(() => clearTimeout(hold))
  while ((await b.lookup(secret)) !== null) {
    if (Date.now() - started > 1000) break
    await new Promise((r) => setTimeout(r, 20))
  }
  const elapsed = Date.now() - started
  t.equal(await b.lookup(secret), null)
  t.ok(elapsed < 1000, `the other instance dropped it after ${elapsed} ms`)
})

t.test('refresh: by the original lifetime from now, within today\'s maximum; never an expired token', async (t) => {
  let now = 1_000_000_000
  const { service } = makeService(t, openStore(t, join(tempDir(t), 'rg.db')), { now: () => now })
  const p = policy('apiTokens: { maxLifetimeDays: 60, allowNonExpiring: true }')
  const { record } = await service.create('alice', { validForDays: 10 }, p)
  now += 5 * DAY_MS
  const refreshed = await service.refresh(record, p)
  t.equal(refreshed.expiresAt, now + 10 * DAY_MS)
  t.equal(refreshed.hash, record.hash, 'same secret')
  const tighter = policy('apiTokens: { maxLifetimeDays: 3, defaultLifetimeDays: 3 }')
  t.equal((await service.refresh(refreshed, tighter)).expiresAt, now + 3 * DAY_MS)
  const forever = (await service.create('alice', { isValidForever: true }, p)).record
  t.same(await service.refresh(forever, p), forever, 'a token that never expires stays as it is')
  now += 4 * DAY_MS
  const stale = (await service.get(record.id))!
  const err = await service.refresh(stale, p).catch((e: unknown) => e)
  t.match(err, { code: 'RG_ERR_TOKEN_EXPIRED' })
  t.equal((await service.get(record.id))?.expiresAt, stale.expiresAt, 'nothing changed')
})

t.test('a store whose tokens were made with another key fails closed', async (t) => {
  const file = join(tempDir(t), 'rg.db')
  const clock = { now: () => 1 }
  const first = makeService(t, openStore(t, file), clock, 1).service
  await first.checkKey()
  const { secret } = await first.create('alice', {}, policy())
  const other = makeService(t, openStore(t, file), clock, 2).service
  await t.rejects(other.checkKey(), /same apiTokens\.hashKeyFile/)
  const err = await other.lookup(secret).catch((e: unknown) => e)
  t.type(err, StoreUnavailableError, 'lookups answer 503, never a wrong 401')
  await t.rejects(other.create('bob', {}, policy()), StoreUnavailableError)
  t.same((await first.list()).map((r) => r.user), ['alice'], 'nothing was written')
})

t.test('active: recomputed when the policy changes', async (t) => {
  const { service } = makeService(t, openStore(t, join(tempDir(t), 'rg.db')), { now: () => 1 })
  const open = policy()
  const { secret } = await service.create('alice', {}, open)
  const token = (await service.lookup(secret))!
  t.equal(service.knownActive(token, open), undefined, 'not known before the first check')
  t.equal(await service.isActive(token, open), true)
  t.equal(service.knownActive(token, open), true, 'known afterwards, without waiting (the synchronous cache hit)')
  const closed = policy('apiTokens: { creators: { groups: [api-users] } }\ndirectory: { groups: { api-users: [bob] } }')
  t.equal(service.knownActive(token, closed), undefined, 'a new policy is asked again')
  t.equal(await service.isActive(token, closed), false, 'alice is not in api-users')
  t.equal(service.knownActive(token, closed), false)
  const adminOnly = policy('apiTokens: { creators: { groups: [api-users] } }\ndirectory: { admins: { users: [alice] } }')
  t.equal(await service.isActive(token, adminOnly), true, 'admins always may')
})

t.test('peek() answers from the cache alone, keyed like lookup', async (t) => {
  const clock = { now: () => 1_000_000 }
  const { wrapped, calls } = counted(openStore(t, join(tempDir(t), 'rg.db')))
  const { service } = makeService(t, wrapped, clock)
  const { record, secret } = await service.create('alice', { name: 'ci' }, policy())
  t.equal(service.peek(secret), undefined, 'not looked up yet: the cache does not know')
  await service.lookup(secret)
  await service.lookup('rgt_unknown')
  t.same(service.peek(secret)?.record, record)
  t.equal(service.peek('rgt_unknown'), null, 'a remembered unknown secret')
  t.equal(calls.find, 2, 'peek() never asks the store')
  await service.remove(record.id)
  t.equal(service.peek(secret), undefined, 'a deleted token leaves the cache at once (found by id)')
})
