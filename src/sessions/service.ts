// The session service: creates, resolves and ends restgate sessions. Resolving goes through a bounded
// in-memory cache of validated sessions, so a request with a session cookie costs no store round trip;
// the sliding "last seen" time is kept in that cache and written to the store in batches, at most once per
// touch interval per session (a quarter of the idle timeout). Ending a session is published through the
// store, so every instance drops it from its cache within a second.
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import { LruTtlCache } from '../cache/lru.js'
import type { AuthMethod } from '../auth/types.js'
import type { InvalidationEvent, SessionRecord, Store } from '../store/types.js'
import type { TokenHasher } from '../tokens/hash.js'
import { auditSession } from './audit.js'
import { cacheTtlMs, sessionState, touchIntervalMs, type SessionTiming } from './expiry.js'
import { generateSessionId, isSessionId, sessionKeyOf } from './id.js'

interface CachedSession {
  readonly record: SessionRecord
  /** Latest use this instance knows of. */
  lastSeen: number
  /** Latest "last seen" written to (or read from) the store. */
  written: number
}

export type Resolved =
  | { readonly kind: 'valid'; readonly record: SessionRecord }
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'unknown' | 'idle' | 'absolute' }

export interface SessionServiceOptions {
  readonly store: Store
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
  /** Stores a new session and returns its id (the cookie value, shown only here). */
  create(user: string, method: AuthMethod, ip: string): Promise<{ id: string; record: SessionRecord }>
  /** What a cookie value stands for. Rejects with StoreUnavailableError when the store must be asked and cannot answer. */
  resolve(id: string, ip?: string): Promise<Resolved>
  /**
   * The record of a session by its store key, from the cache when this instance holds it (it does right
   * after `resolve`), else from the store; null when there is none. No expiry check: for a caller that
   * already resolved the session on this request (the token page's CSRF token and login method).
   */
  peek(key: string): Promise<SessionRecord | null>
  /** Ends a session everywhere; the ended record, or null when there was none. */
  end(key: string, ip: string): Promise<SessionRecord | null>
  /** Writes pending "last seen" updates now. */
  flush(): Promise<void>
  close(): Promise<void>
}

const MAX_PENDING = 100_000

export function createSessionService(options: SessionServiceOptions): SessionService {
  const { store, hasher, clock, logger } = options
  const cache = new LruTtlCache<string, CachedSession | null>(() => ({
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

  async function expire(key: string, reason: 'idle' | 'absolute', ip: string | undefined): Promise<void> {
    cache.delete(key)
    pending.delete(key)
    try {
      const gone = await store.deleteSession(key)
      if (gone === null) return // another request or instance expired it first
      await publish(key)
      auditSession(logger, 'session.expire', gone, { ip, reason })
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
    const entry = { record, lastSeen: seen, written: seen }
    if (epoch === started) cache.set(key, entry, now)
    return entry
  }

  return {
    async create(user, method, ip) {
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
      cache.set(record.key, { record, lastSeen: now, written: now }, now)
      auditSession(logger, 'session.create', record, { ip })
      return { id, record }
    },

    async resolve(id, ip) {
      if (!isSessionId(id)) return { kind: 'invalid', reason: 'malformed' }
      const key = sessionKeyOf(hasher, id)
      const now = clock.now()
      const { idleMs } = options.timing()
      let entry = cache.get(key, now)
      if (entry === undefined) entry = await load(key, now)
      if (entry === null) return { kind: 'invalid', reason: 'unknown' }
      let state = sessionState(entry.record.absoluteExpiresAt, entry.lastSeen, now, idleMs)
      if (state === 'idle') {
        // Another instance may have seen it in use since we cached it: the store has the last word.
        const fresh = await load(key, now)
        if (fresh === null) return { kind: 'invalid', reason: 'unknown' }
        fresh.lastSeen = Math.max(fresh.lastSeen, entry.lastSeen)
        entry = fresh
        state = sessionState(entry.record.absoluteExpiresAt, entry.lastSeen, now, idleMs)
      }
      if (state !== 'valid') {
        await expire(key, state, ip)
        return { kind: 'invalid', reason: state }
      }
      if (now > entry.lastSeen) entry.lastSeen = now
      if (now - entry.written >= touchIntervalMs(idleMs)) {
        entry.written = now
        if (pending.size < MAX_PENDING || pending.has(key)) pending.set(key, now)
      }
      return { kind: 'valid', record: entry.record }
    },

    async peek(key) {
      const now = clock.now()
      const entry = cache.get(key, now) ?? (await load(key, now))
      return entry === null ? null : entry.record
    },

    async end(key, ip) {
      cache.delete(key)
      pending.delete(key)
      const gone = await store.deleteSession(key)
      if (gone === null) return null
      await publish(key)
      auditSession(logger, 'session.end', gone, { ip, reason: 'logout' })
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
