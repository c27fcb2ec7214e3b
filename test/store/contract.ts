// The Store contract, run unchanged against every backend: embedded (a temp SQLite file), a standalone
// redis-server, a 3-node Redis Cluster and Redis through Sentinel. Each test gets its own namespace (file
// or key prefix) from `namespace()`, which returns an opener for stores on that data: two stores opened
// from one opener are two instances sharing it, which is how cross-instance invalidation is tested.
import type { Test } from 'tap'
import {
  StoreConflictError,
  StoreUnavailableError,
  type InvalidationEvent,
  type NewToken,
  type SessionRecord,
  type SnapshotRecord,
  type Store,
} from '../../src/store/types.js'

export type OpenStore = () => Promise<Store>

const DAY = 86_400_000
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0)

function newToken(over: Partial<NewToken> = {}): NewToken {
  return {
    user: 'alice',
    name: 'ci',
    description: 'for the pipeline',
    hash: `h-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`,
    createdAt: T0,
    expiresAt: T0 + 30 * DAY,
    lifetimeDays: 30,
    scope: 'write',
    paths: null,
    ...over,
  }
}

function session(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key: `s-${Math.random().toString(36).slice(2)}`,
    user: 'alice',
    method: 'kerberos',
    createdAt: T0,
    lastSeenAt: T0,
    absoluteExpiresAt: T0 + 8 * 3_600_000,
    csrf: 'csrf-value',
    ...over,
  }
}

function snapshot(id: string, timeMillis: number, over: Partial<SnapshotRecord> = {}): SnapshotRecord {
  return { id, timeMillis, description: `d ${id}`, automatic: false, version: '0.1.0', text: `server:\n  port: 8000 # ${id}\n`, ...over }
}

/** Resolves with the first event the store delivers that matches, or rejects after `ms`. */
function nextEvent(store: Store, match: (e: InvalidationEvent) => boolean, ms = 1000): Promise<{ event: InvalidationEvent; elapsed: number }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no matching event within ${ms} ms`))
    }, ms)
    const off = store.subscribe((event) => {
      if (!match(event)) return
      clearTimeout(timer)
      off()
      resolve({ event, elapsed: Date.now() - started })
    })
  })
}

export function storeContract(t: Test, namespace: (t: Test) => Promise<OpenStore>): void {
  async function fresh(t: Test): Promise<{ store: Store; open: OpenStore }> {
    const open = await namespace(t)
    const store = await open()
    t.teardown(() => store.close())
    return { store, open }
  }

  t.test('ping answers', async (t) => {
    const { store } = await fresh(t)
    await t.resolves(store.ping())
  })

  t.test('tokens: create, find by hash and id, never the same id twice', async (t) => {
    const { store } = await fresh(t)
    const input = newToken({ paths: ['/rest/api/2/**'], name: 'ünïcødé 名前', description: 'a "quoted" \n line' })
    const a = await store.createToken(input)
    t.ok(Number.isInteger(a.id) && a.id > 0, 'positive integer id')
    t.same(a, { ...input, id: a.id, lastUsedAt: null, lastUsedIp: null })
    t.same(await store.findTokenByHash(input.hash), a)
    t.same(await store.getToken(a.id), a)
    t.equal(await store.findTokenByHash('no-such-hash'), null)
    t.equal(await store.getToken(a.id + 1000), null)

    const b = await store.createToken(newToken())
    t.ok(b.id > a.id, 'ids increase')
    await store.deleteToken(b.id)
    const c = await store.createToken(newToken())
    t.ok(c.id > b.id, 'a deleted id is not reused')
  })

  t.test('tokens: scope and own paths survive the round trip', async (t) => {
    const { store } = await fresh(t)
    const read = await store.createToken(newToken({ scope: 'read', paths: ['/rest/api/2/search', '/rest/api/2/issue/*'] }))
    const write = await store.createToken(newToken({ scope: 'write', paths: null }))
    for (const got of [await store.getToken(read.id), await store.findTokenByHash(read.hash), (await store.listTokens('alice')).find((r) => r.id === read.id)]) {
      t.equal(got?.scope, 'read')
      t.same(got?.paths, ['/rest/api/2/search', '/rest/api/2/issue/*'])
    }
    const w = await store.getToken(write.id)
    t.equal(w?.scope, 'write')
    t.equal(w?.paths, null)
  })

  t.test('tokens: a duplicate hash is a conflict, and nothing changes', async (t) => {
    const { store } = await fresh(t)
    const a = await store.createToken(newToken({ hash: 'same' }))
    const err = await store.createToken(newToken({ hash: 'same', user: 'bob' })).catch((e: unknown) => e)
    t.type(err, StoreConflictError)
    t.same(await store.findTokenByHash('same'), a)
    t.same((await store.listTokens('bob')).length, 0)
    t.same((await store.listTokens()).map((r) => r.id), [a.id])
  })

  t.test('tokens: lists are newest first, per user or everyone', async (t) => {
    const { store } = await fresh(t)
    const a1 = await store.createToken(newToken({ user: 'alice' }))
    const b1 = await store.createToken(newToken({ user: 'bob' }))
    const a2 = await store.createToken(newToken({ user: 'alice', expiresAt: null, lifetimeDays: null }))
    t.same((await store.listTokens('alice')).map((r) => r.id), [a2.id, a1.id])
    t.same((await store.listTokens('bob')).map((r) => r.id), [b1.id])
    t.same(await store.listTokens('carol'), [])
    t.same((await store.listTokens()).map((r) => r.id), [a2.id, b1.id, a1.id])
    const listed = (await store.listTokens('alice'))[0]!
    t.equal(listed.expiresAt, null, 'non-expiring survives the round trip')
    t.equal(listed.lifetimeDays, null)
  })

  t.test('tokens: users whose names look like keys stay apart', async (t) => {
    const { store } = await fresh(t)
    const odd = await store.createToken(newToken({ user: 'a}:tokens' }))
    const plain = await store.createToken(newToken({ user: 'a' }))
    const spaced = await store.createToken(newToken({ user: 'DOMAIN\\ä b@x' }))
    t.same((await store.listTokens('a')).map((r) => r.id), [plain.id])
    t.same((await store.listTokens('a}:tokens')).map((r) => r.id), [odd.id])
    t.same((await store.listTokens('DOMAIN\\ä b@x')).map((r) => r.user), ['DOMAIN\\ä b@x'])
    t.equal((await store.getToken(spaced.id))?.user, 'DOMAIN\\ä b@x')
  })

  t.test('tokens: expiry changes, never resurrects a deleted token', async (t) => {
    const { store } = await fresh(t)
    const a = await store.createToken(newToken())
    const later = await store.setTokenExpiry(a.id, T0 + 90 * DAY)
    t.equal(later?.expiresAt, T0 + 90 * DAY)
    t.equal(later?.hash, a.hash, 'same secret')
    t.equal((await store.findTokenByHash(a.hash))?.expiresAt, T0 + 90 * DAY)
    t.equal((await store.setTokenExpiry(a.id, null))?.expiresAt, null)
    t.equal(await store.setTokenExpiry(a.id + 1000, T0), null, 'unknown id')
    await store.deleteToken(a.id)
    t.equal(await store.setTokenExpiry(a.id, T0), null, 'deleted id')
    t.equal(await store.getToken(a.id), null)
    t.same(await store.listTokens('alice'), [])
  })

  t.test('tokens: delete returns the record once, and the secret stops working', async (t) => {
    const { store } = await fresh(t)
    const a = await store.createToken(newToken())
    const keep = await store.createToken(newToken())
    t.same(await store.deleteToken(a.id), a)
    t.equal(await store.deleteToken(a.id), null)
    t.equal(await store.findTokenByHash(a.hash), null)
    t.equal(await store.getToken(a.id), null)
    t.same((await store.listTokens('alice')).map((r) => r.id), [keep.id])
    t.same((await store.listTokens()).map((r) => r.id), [keep.id])
    t.equal(await store.deleteToken(999_999), null)
  })

  t.test('tokens: last use is batched; a later time wins; unknown ids are ignored', async (t) => {
    const { store } = await fresh(t)
    const a = await store.createToken(newToken())
    const b = await store.createToken(newToken())
    await store.recordTokenUse([])
    await store.recordTokenUse([
      { id: a.id, at: T0 + 1000, ip: '10.0.0.1' },
      { id: b.id, at: T0 + 500, ip: '2001:db8::1' },
      { id: 999_999, at: T0, ip: '10.0.0.9' },
    ])
    t.match(await store.getToken(a.id), { lastUsedAt: T0 + 1000, lastUsedIp: '10.0.0.1' })
    t.match(await store.getToken(b.id), { lastUsedAt: T0 + 500, lastUsedIp: '2001:db8::1' })
    await store.recordTokenUse([{ id: a.id, at: T0 + 10, ip: '10.0.0.2' }])
    t.match(await store.getToken(a.id), { lastUsedAt: T0 + 1000, lastUsedIp: '10.0.0.1' }, 'an older use does not win')
    await store.recordTokenUse([{ id: a.id, at: T0 + 2000, ip: '10.0.0.3' }])
    t.match(await store.findTokenByHash(a.hash), { lastUsedAt: T0 + 2000, lastUsedIp: '10.0.0.3' })
    t.equal(await store.getToken(999_999), null, 'a use never creates a token')
    await store.deleteToken(b.id)
    await store.recordTokenUse([{ id: b.id, at: T0 + 3000, ip: '10.0.0.4' }])
    t.equal(await store.getToken(b.id), null, 'nor resurrects one')
  })

  t.test('sessions: create, get, touch (later wins), delete once', async (t) => {
    const { store } = await fresh(t)
    const s = session()
    await store.createSession(s)
    t.same(await store.getSession(s.key), s)
    t.equal(await store.getSession('nope'), null)
    await store.touchSessions([{ key: s.key, at: T0 + 5000 }, { key: 'nope', at: T0 }])
    t.equal((await store.getSession(s.key))?.lastSeenAt, T0 + 5000)
    await store.touchSessions([{ key: s.key, at: T0 + 10 }])
    t.equal((await store.getSession(s.key))?.lastSeenAt, T0 + 5000, 'an older touch does not win')
    await store.touchSessions([])
    t.same(await store.deleteSession(s.key), { ...s, lastSeenAt: T0 + 5000 })
    t.equal(await store.deleteSession(s.key), null)
    t.equal(await store.getSession(s.key), null)
    await store.touchSessions([{ key: s.key, at: T0 + 9000 }])
    t.equal(await store.getSession(s.key), null, 'a touch never creates a session')
  })

  t.test('counters: a fixed window from the first hit', async (t) => {
    const { store } = await fresh(t)
    t.same(await store.hit('login:alice', 60_000, T0), { count: 1, resetAt: T0 + 60_000 })
    t.same(await store.hit('login:alice', 60_000, T0 + 10_000), { count: 2, resetAt: T0 + 60_000 })
    t.same(await store.hit('login:bob', 60_000, T0 + 10_000), { count: 1, resetAt: T0 + 70_000 })
    t.same(await store.getCounter('login:alice', T0 + 59_999), { count: 2, resetAt: T0 + 60_000 })
    t.equal(await store.getCounter('login:alice', T0 + 60_000), null, 'the window is over')
    t.same(await store.hit('login:alice', 60_000, T0 + 60_000), { count: 1, resetAt: T0 + 120_000 }, 'a new window')
    await store.resetCounter('login:alice')
    t.equal(await store.getCounter('login:alice', T0 + 60_001), null)
    t.equal(await store.getCounter('never', T0), null)
    await store.resetCounter('never')
    t.same(await store.getCounter('login:bob', T0 + 10_000), { count: 1, resetAt: T0 + 70_000 }, 'other keys untouched')
  })

  t.test('claimOnce: first claim wins until the ttl passes', async (t) => {
    const { store } = await fresh(t)
    t.equal(await store.claimOnce('ticket-1', 60_000), true)
    t.equal(await store.claimOnce('ticket-1', 60_000), false)
    t.equal(await store.claimOnce('ticket-2', 60_000), true)
    const all = await Promise.all(Array.from({ length: 10 }, () => store.claimOnce('race', 60_000)))
    t.equal(all.filter(Boolean).length, 1, 'exactly one of ten concurrent claims wins')
    t.equal(await store.claimOnce('short', 40), true)
    await new Promise((r) => setTimeout(r, 80))
    t.equal(await store.claimOnce('short', 40), true, 'claimable again after the ttl')
  })

  t.test('snapshots: save, list newest first without text, get, delete', async (t) => {
    const { store } = await fresh(t)
    await store.saveSnapshot(snapshot('sso-snapshot-2026-11-23-09_00_00', T0))
    await store.saveSnapshot(snapshot('sso-snapshot-2026-11-23-10_00_00', T0 + 3_600_000, { automatic: true, description: 'Backup before restore' }))
    await store.saveSnapshot(snapshot('sso-snapshot-2026-11-23-09_30_00', T0 + 1_800_000))
    const list = await store.listSnapshots()
    t.same(list.map((s) => s.id), ['sso-snapshot-2026-11-23-10_00_00', 'sso-snapshot-2026-11-23-09_30_00', 'sso-snapshot-2026-11-23-09_00_00'])
    t.same(list[0], { id: 'sso-snapshot-2026-11-23-10_00_00', timeMillis: T0 + 3_600_000, description: 'Backup before restore', automatic: true, version: '0.1.0' })
    t.notOk('text' in list[0]!, 'no text in the list')
    t.same(await store.getSnapshot('sso-snapshot-2026-11-23-09_00_00'), snapshot('sso-snapshot-2026-11-23-09_00_00', T0))
    t.equal(await store.getSnapshot('nope'), null)
    t.equal(await store.deleteSnapshot('sso-snapshot-2026-11-23-09_30_00'), true)
    t.equal(await store.deleteSnapshot('sso-snapshot-2026-11-23-09_30_00'), false)
    t.same((await store.listSnapshots()).map((s) => s.id), ['sso-snapshot-2026-11-23-10_00_00', 'sso-snapshot-2026-11-23-09_00_00'])
  })

  t.test('meta: named values', async (t) => {
    const { store } = await fresh(t)
    t.equal(await store.getMeta('version'), null)
    await store.setMeta('version', '0.1.0')
    await store.setMeta('other', 'x')
    await store.setMeta('version', '0.2.0')
    t.equal(await store.getMeta('version'), '0.2.0')
    t.equal(await store.getMeta('other'), 'x')
  })

  t.test('publish/subscribe: this instance and another one hear each event within a second', async (t) => {
    const { store, open } = await fresh(t)
    const other = await open()
    t.teardown(() => other.close())
    const event: InvalidationEvent = { kind: 'token', id: 7, hash: 'abc' }
    // The other instance subscribes asynchronously: repeat a warm-up event until it hears one.
    const warm = nextEvent(other, (e) => e.kind === 'user' && e.user === 'warm-up', 5000)
    const repeat = setInterval(() => void store.publish({ kind: 'user', user: 'warm-up' }), 50)
    await store.publish({ kind: 'user', user: 'warm-up' })
    await warm.finally(() => clearInterval(repeat))
    const here = nextEvent(store, (e) => e.kind === 'token')
    const there = nextEvent(other, (e) => e.kind === 'token')
    await store.publish(event)
    const [a, b] = await Promise.all([here, there])
    t.same(a.event, event)
    t.same(b.event, event)
    t.ok(b.elapsed < 1000, `the other instance heard it in ${b.elapsed} ms`)

    const seen: InvalidationEvent[] = []
    const off = other.subscribe((e) => seen.push(e))
    off()
    const after = nextEvent(other, (e) => e.kind === 'session')
    await store.publish({ kind: 'session', key: 'k' })
    await after
    t.same(seen, [], 'an unsubscribed listener hears nothing')
  })

  t.test('a closed store rejects with StoreUnavailableError', async (t) => {
    const open = await namespace(t)
    const store = await open()
    t.teardown(() => store.close())
    await store.close()
    for (const op of [() => store.ping(), () => store.getToken(1), () => store.listTokens(), () => store.hit('k', 1000, T0)]) {
      const err = await op().catch((e: unknown) => e)
      t.type(err, StoreUnavailableError)
    }
    await t.resolves(store.close(), 'closing twice is fine')
  })
}
