// The session service: creates, resolves and ends restgate sessions. Resolving goes through a bounded
// in-memory cache of validated sessions, so a request with a session cookie costs no store round trip;
// the sliding "last seen" time is kept in that cache and written to the store in batches, at most once per
// touch interval per session (a quarter of the idle timeout). Ending a session is published through the
// store, so every instance drops it from its cache within a second.
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import { LruTtlCache } from '../cache/lru.js'
import type { AuthMethod } from '../model/identity.js'
import type { InvalidationEvent, SessionRecord, Store } from '../store/types.js'
import { cacheKey, type TokenHasher } from '../tokens/hash.js'
import { auditSession } from './audit.js'
import { cacheTtlMs, sessionState, touchIntervalMs, type SessionTiming } from './expiry.js'
import { generateSessionId, isSessionId, sessionKeyOf } from './id.js'

interface CachedSession {
  readonly record: SessionRecord
  /** The answer for a live session, made once: a cache hit allocates nothing. */
  readonly valid: Resolved
  /** Latest use this instance knows of. */
  lastSeen: number
  /** Latest "last seen" written to (or read from) the store. */
  written: number
}

export type Resolved =
  | { readonly kind: 'valid'; readonly record: SessionRecord }
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'unknown' | 'idle' | 'absolute' }

/** The sessions' slice of the store: session records, and the invalidation events that end cached ones. */
export type SessionStore = Pick<Store, 'createSession' | 'getSession' | 'touchSessions' | 'deleteSession' | 'publish' | 'subscribe'>

export interface SessionServiceOptions {
  readonly store: SessionStore
  readonly hasher: TokenHasher
  readonly clock: Clock
  readonly logger: Logger
  /** Read on every call, so a reload applies at once. */
  readonly timing: () => SessionTiming
  readonly cacheEntries?: number
  /** How often pending "last seen" updates are written (ms). */
  readonly flushIntervalMs?: number
}

export interface SessionService {
  /** Stores a new session and returns its id (the cookie value, shown only here); `reqId` for the audit line. */
  create(user: string, method: AuthMethod, ip: string, reqId?: string): Promise<{ id: string; record: SessionRecord }>
  /**
   * What a cookie value stands for: answered synchronously from the cache (a live session or a remembered
   * unknown one), else a promise that rejects with StoreUnavailableError when the store cannot answer.
   */
  resolve(id: string, ip?: string, reqId?: string): Resolved | Promise<Resolved>
  /**
   * The record of a session by its store key, from the cache when this instance holds it (it does right
   * after `resolve`), else from the store; null when there is none. No expiry check: for a caller that
   * already resolved the session on this request (the token page's CSRF token and login method).
   */
  peek(key: string): Promise<SessionRecord | null>
  /** Ends a session everywhere; the ended record, or null when there was none. */
  end(key: string, ip: string, reqId?: string): Promise<SessionRecord | null>
  /** Writes pending "last seen" updates now. */
  flush(): Promise<void>
  close(): Promise<void>
}

const MAX_PENDING = 100_000
const MALFORMED: Resolved = { kind: 'invalid', reason: 'malformed' }
const UNKNOWN: Resolved = { kind: 'invalid', reason: 'unknown' }

export function createSessionService(options: SessionServiceOptions): SessionService {
  const { store, hasher, clock, logger } = options
  const cache = new LruTtlCache<string, CachedSession | null>(() => ({
    maxEntries: options.cacheEntries ?? 10_000,
    ttlMs: cacheTtlMs(options.timing().idleMs),
  }))
  // The store key of a cookie value is an HMAC (Node builds a context per call); this remembers it under a
  // one-shot SHA-256 of the value, as the token cache does, so a cache hit costs no HMAC. It only memoises a
  // deterministic function (an ended session's entry points at a key no longer in `cache`), and only live
  // sessions are entered, so guessed ids cannot churn it.
  const keys = new LruTtlCache<string, string>(() => ({
    maxEntries: options.cacheEntries ?? 10_000,
    ttlMs: cacheTtlMs(options.timing().idleMs),
  }))
  let pending = new Map<string, number>()
  let flushing: Promise<void> | undefined

  let epoch = 0
  const unsubscribe = store.subscribe((event: InvalidationEvent) => {
    epoch++
    if (event.kind === 'session') cache.delete(event.key)
    else if (event.kind === 'user') cache.deleteWhere((v) => v !== null && v.record.user === event.user)
    else if (event.kind === 'all') cache.clear()
  })

  async function writeTouches(): Promise<void> {
    if (pending.size === 0) return
    const batch = pending
    pending = new Map()
    try {
      await store.touchSessions([...batch].map(([key, at]) => ({ key, at })))
    } catch (err) {
      for (const [key, at] of batch) {
        const newer = pending.get(key)
        if ((newer === undefined && pending.size < MAX_PENDING) || (newer !== undefined && newer < at)) pending.set(key, at)
      }
      logger.warn({ err: (err as Error).message, pending: pending.size }, 'could not record session use; will retry')
    }
  }
  function flush(): Promise<void> {
    flushing ??= writeTouches().finally(() => {
      flushing = undefined
    })
    return flushing
  }
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1000)
  timer.unref()

  async function publish(key: string): Promise<void> {
    try {
      await store.publish({ kind: 'session', key })
    } catch (err) {
      // This instance dropped it already (publish delivers locally first); others fall back on the cache TTL.
      logger.warn({ err: (err as Error).message }, 'could not tell other instances that a session ended')
    }
  }

  async function expire(key: string, reason: 'idle' | 'absolute', ip: string | undefined, reqId: string | undefined): Promise<void> {
    cache.delete(key)
    pending.delete(key)
    try {
      const gone = await store.deleteSession(key)
      if (gone === null) return // another request or instance expired it first
      await publish(key)
      auditSession(logger, 'session.expire', gone, { ip, reason, reqId })
    } catch (err) {
      // The record stays, but every instance reaches the same verdict from its timestamps.
      logger.warn({ err: (err as Error).message }, 'could not delete an expired session')
    }
  }

  async function load(key: string, now: number): Promise<CachedSession | null> {
    const started = epoch
    const record = await store.getSession(key)
    if (record === null || !hasher.same(record.key, key)) {
      if (epoch === started) cache.set(key, null, now)
      return null
    }
    // A use this instance noted but has not written yet is as good as a written one.
    const seen = Math.max(record.lastSeenAt, pending.get(key) ?? 0)
    const entry: CachedSession = { record, valid: { kind: 'valid', record }, lastSeen: seen, written: seen }
    if (epoch === started) cache.set(key, entry, now)
    return entry
  }

  function touch(entry: CachedSession, key: string, now: number, idleMs: number): void {
    if (now > entry.lastSeen) entry.lastSeen = now
    if (now - entry.written >= touchIntervalMs(idleMs)) {
      entry.written = now
      if (pending.size < MAX_PENDING || pending.has(key)) pending.set(key, now)
    }
  }

  /** `resolve` when the cache cannot answer alone: not cached, or idle by this instance's knowledge. */
  async function resolveFromStore(
    idKey: string,
    key: string,
    cached: CachedSession | undefined,
    now: number,
    idleMs: number,
    ip: string | undefined,
    reqId: string | undefined,
  ): Promise<Resolved> {
    let entry = cached ?? (await load(key, now))
    if (entry === null) return UNKNOWN
    let state = sessionState(entry.record.absoluteExpiresAt, entry.lastSeen, now, idleMs)
    if (state === 'idle') {
      // Another instance may have seen it in use since we cached it: the store has the last word.
      const fresh = await load(key, now)
      if (fresh === null) return UNKNOWN
      fresh.lastSeen = Math.max(fresh.lastSeen, entry.lastSeen)
      entry = fresh
      state = sessionState(entry.record.absoluteExpiresAt, entry.lastSeen, now, idleMs)
    }
    if (state !== 'valid') {
      await expire(key, state, ip, reqId)
      return { kind: 'invalid', reason: state }
    }
    keys.set(idKey, key, now)
    touch(entry, key, now, idleMs)
    return entry.valid
  }

  return {
    async create(user, method, ip, reqId) {
      const now = clock.now()
      const id = generateSessionId()
      const record: SessionRecord = {
        key: sessionKeyOf(hasher, id),
        user,
        method,
        createdAt: now,
        lastSeenAt: now,
        absoluteExpiresAt: now + options.timing().absoluteMs,
        csrf: randomBytes(24).toString('base64url'),
      }
      await store.createSession(record)
      cache.set(record.key, { record, valid: { kind: 'valid', record }, lastSeen: now, written: now }, now)
      auditSession(logger, 'session.create', record, { ip, reqId })
      return { id, record }
    },

    resolve(id, ip, reqId) {
      if (!isSessionId(id)) return MALFORMED
      const now = clock.now()
      const idKey = cacheKey(id)
      const known = keys.get(idKey, now)
      const key = known ?? sessionKeyOf(hasher, id)
      const { idleMs } = options.timing()
      const entry = cache.get(key, now)
      if (entry === null) return UNKNOWN
      // The hot path: a cached session still valid by its timestamps (checked on every request) is
      // answered without a promise.
      if (entry !== undefined && sessionState(entry.record.absoluteExpiresAt, entry.lastSeen, now, idleMs) === 'valid') {
        if (known === undefined) keys.set(idKey, key, now)
        touch(entry, key, now, idleMs)
        return entry.valid
      }
      return resolveFromStore(idKey, key, entry, now, idleMs, ip, reqId)
    },

    async peek(key) {
      const now = clock.now()
      const entry = cache.get(key, now) ?? (await load(key, now))
      return entry === null ? null : entry.record
    },

    async end(key, ip, reqId) {
      cache.delete(key)
      pending.delete(key)
      const gone = await store.deleteSession(key)
      if (gone === null) return null
      await publish(key)
      auditSession(logger, 'session.end', gone, { ip, reason: 'logout', reqId })
      return gone
    },

    flush,

    async close() {
      clearInterval(timer)
      unsubscribe()
      await flushing
      await flush()
    },
  }
}
