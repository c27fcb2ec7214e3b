// The session service on a real SQLite store with an injected clock: idle and absolute expiry without
// sleeping, the store touched at most once per touch interval, ends seen by another instance, restarts.
import t from 'tap'
import { join } from 'node:path'
import pino from 'pino'
import { openEmbeddedStore } from '../../src/store/embedded.js'
import { StoreUnavailableError, type Store } from '../../src/store/types.js'
import { createSessionService, type SessionService } from '../../src/sessions/service.js'
import { createTokenHasher } from '../../src/tokens/hash.js'
import { sessionKeyOf } from '../../src/sessions/id.js'
import { createLogSink, type LogSink } from '../helpers/log-sink.js'
import { manualClock, type ManualClock } from '../helpers/sessions.js'
import { tempDir } from '../helpers/tmp.js'

const IDLE = 30 * 60_000
const ABSOLUTE = 8 * 3600_000
const hasher = createTokenHasher(Buffer.alloc(32, 7))

interface Counting extends Store {
  calls: Record<string, number>
  failing: boolean
}

/** The store, counting calls and failing on demand like a backend that went away. */
function counting(store: Store): Counting {
  const calls: Record<string, number> = {}
  const wrapper = { calls, failing: false } as Counting
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'calls') return calls
      if (prop === 'failing') return wrapper.failing
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function' || prop === 'subscribe' || prop === 'close') return typeof v === 'function' ? v.bind(target) : v
      return (...args: unknown[]) => {
        calls[prop as string] = (calls[prop as string] ?? 0) + 1
        if (wrapper.failing) return Promise.reject(new StoreUnavailableError('down'))
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
    set(_target, prop, value) {
      if (prop === 'failing') wrapper.failing = value as boolean
      return true
    },
  }) as Counting
}

function setup(t: { teardown(fn: () => unknown): void }, file = join(tempDir(t), 'rg.db'), clock: ManualClock = manualClock(1_700_000_000_000)) {
  const store = counting(openEmbeddedStore({ path: file, pollMs: 20 }))
  t.teardown(() => store.close())
  const logs: LogSink = createLogSink()
  const service: SessionService = createSessionService({
    store,
    hasher,
    clock,
    logger: pino(logs.stream),
    timing: () => ({ idleMs: IDLE, absoluteMs: ABSOLUTE }),
    flushIntervalMs: 60_000,
  })
  t.teardown(() => service.close())
  return { store, service, clock, logs, file }
}

t.test('a new session resolves from memory; only its keyed hash is stored', async (t) => {
  const { store, service } = setup(t)
  const { id, record } = await service.create('alice', 'token', '192.0.2.1')
  t.equal(record.key, sessionKeyOf(hasher, id))
  const stored = await store.getSession(record.key)
  t.equal(stored?.user, 'alice')
  t.notOk(JSON.stringify(stored).includes(id.slice(4)), 'the cookie value is not in the store')
  const before = store.calls['getSession'] ?? 0
  for (let i = 0; i < 100; i++) t.equal((await service.resolve(id)).kind, 'valid')
  t.equal(store.calls['getSession'] ?? 0, before, 'a hundred requests, no store read')
})

t.test('idle expiry slides with use, without a store write per request', async (t) => {
  const { store, service, clock, logs } = setup(t)
  const { id, record } = await service.create('alice', 'token', 'ip')
  // Used every 5 minutes for 2 hours: never idle for 30.
  for (let i = 0; i < 24; i++) {
    clock.advance(5 * 60_000)
    t.equal((await service.resolve(id)).kind, 'valid', `use ${i}`)
  }
  await service.flush()
  t.ok((store.calls['touchSessions'] ?? 0) <= 1, 'one batched write at most')
  const stored = (await store.getSession(record.key))!.lastSeenAt
  t.ok(clock.now() - stored <= IDLE / 4, 'the store knows the session was seen within a quarter of the idle timeout')

  clock.advance(IDLE - 1)
  t.equal((await service.resolve(id)).kind, 'valid', 'one millisecond short of idle')
  clock.advance(IDLE)
  t.same(await service.resolve(id), { kind: 'invalid', reason: 'idle' })
  t.equal(await store.getSession(record.key), null, 'an expired session is removed from the store')
  t.ok(logs.lines.some((l) => l['event'] === 'session.expire' && l['reason'] === 'idle' && l['user'] === 'alice'))
  t.same(await service.resolve(id), { kind: 'invalid', reason: 'unknown' })
})

t.test('absolute expiry ends a session in constant use', async (t) => {
  const { service, clock, logs } = setup(t)
  const { id } = await service.create('alice', 'kerberos', 'ip')
  let last = await service.resolve(id)
  let uses = 0
  while (last.kind === 'valid') {
    clock.advance(10 * 60_000)
    last = await service.resolve(id)
    uses++
  }
  t.same(last, { kind: 'invalid', reason: 'absolute' })
  t.equal(uses, ABSOLUTE / (10 * 60_000), 'valid until exactly the absolute timeout')
  t.ok(logs.lines.some((l) => l['event'] === 'session.expire' && l['reason'] === 'absolute'))
})

t.test('forged, truncated and unknown ids are refused; malformed ones without a store read', async (t) => {
  const { store, service } = setup(t)
  const { id } = await service.create('alice', 'token', 'ip')
  const reads = store.calls['getSession'] ?? 0
  for (const bad of ['', 'x', id.slice(0, -1), id + 'x', id.replace('rgs_', 'rgt_'), 'rgs_' + '!'.repeat(43)]) {
    t.same(await service.resolve(bad), { kind: 'invalid', reason: 'malformed' }, JSON.stringify(bad.slice(0, 8)))
  }
  t.equal(store.calls['getSession'] ?? 0, reads, 'no store read for a malformed id')
  const forged = 'rgs_' + 'A'.repeat(43)
  t.same(await service.resolve(forged), { kind: 'invalid', reason: 'unknown' })
  t.same(await service.resolve(forged), { kind: 'invalid', reason: 'unknown' })
  t.equal(store.calls['getSession'], reads + 1, 'an unknown id is remembered briefly')
})

t.test('ended on one instance, refused by another sharing the store; restart keeps live sessions', async (t) => {
  const a = setup(t)
  const b = setup(t, a.file, a.clock)
  const { id, record } = await a.service.create('alice', 'token', 'ip')
  t.equal((await b.service.resolve(id)).kind, 'valid', 'B reads it from the store and caches it')
  t.equal((await b.service.resolve(id)).kind, 'valid')
  // The store's poller is unref'd; the timer keeps this test process alive until the event arrives.
  const ended = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the end was not heard within 3 s')), 3000)
    const off = b.store.subscribe((e) => {
      if (e.kind === 'session' && e.key === record.key) {
        off()
        clearTimeout(timer)
        resolve()
      }
    })
  })
  t.equal((await a.service.end(record.key, 'ip'))?.user, 'alice')
  await ended
  t.same(await b.service.resolve(id), { kind: 'invalid', reason: 'unknown' }, 'B dropped its cached copy')
  t.equal(await a.service.end(record.key, 'ip'), null, 'ending twice finds nothing')

  const { id: kept } = await a.service.create('bob', 'token', 'ip')
  a.clock.advance(20 * 60_000)
  t.equal((await a.service.resolve(kept)).kind, 'valid')
  await a.service.close()
  await a.store.close()
  const c = setup(t, a.file, a.clock)
  a.clock.advance(20 * 60_000)
  t.equal((await c.service.resolve(kept)).kind, 'valid', 'after a restart, idle counts from the last use written at close')
})

t.test('store down: a cached session stays valid, an uncached one fails closed', async (t) => {
  const { store, service } = setup(t)
  const { id } = await service.create('alice', 'token', 'ip')
  const other = await service.create('bob', 'token', 'ip')
  const fresh = setup(t, undefined, undefined)
  store.failing = true
  const hit = service.resolve(id)
  t.notOk(hit instanceof Promise, 'cached: answered synchronously')
  t.equal((await hit).kind, 'valid', 'cached: no store needed')
  fresh.store.failing = true
  await t.rejects(async () => fresh.service.resolve(other.id), StoreUnavailableError)
  await t.rejects(service.create('carol', 'token', 'ip'), StoreUnavailableError)
})

t.test('peek: the record (CSRF token, login method) from the cache after resolve, from the store otherwise', async (t) => {
  const { store, service, file, clock } = setup(t)
  const { id, record } = await service.create('alice', 'password', '10.0.0.1')
  t.equal((await service.resolve(id)).kind, 'valid')
  const reads = store.calls['getSession'] ?? 0
  t.match(await service.peek(record.key), { user: 'alice', method: 'password', csrf: record.csrf })
  t.equal(store.calls['getSession'] ?? 0, reads, 'no store round trip for a session this instance holds')
  t.match(record.csrf, /^[A-Za-z0-9_-]{32}$/, '192 random bits per session')

  const other = setup(t, file, clock)
  t.match(await other.service.peek(record.key), { method: 'password', csrf: record.csrf }, 'another instance reads it from the store')
  t.equal(await service.peek('no-such-key'), null)
  await service.end(record.key, '10.0.0.1')
  t.equal(await service.peek(record.key), null, 'an ended session has none')
})
