// The embedded store: one SQLite file (better-sqlite3), WAL mode, for a single restgate instance plus the
// `restgate token` CLI working on the same file. Every commit is fsynced (synchronous=FULL), so a token is
// on disk before its 201 is sent, and a commit that fails (a full disk, a read-only file) throws, so it is
// never answered 2xx. Invalidation events go through a table that each process polls, so a revocation from
// the CLI reaches the running server within a second.
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Logger } from 'pino'
import Database, { type Statement } from 'better-sqlite3'
import { migrate } from './embedded-schema.js'
import { PROBE, createStoreHealth, type StoreHealth, type StoreMetrics } from './health.js'
import {
  StoreConflictError,
  StoreUnavailableError,
  type CounterState,
  type InvalidationEvent,
  type NewToken,
  type SessionRecord,
  type SnapshotMeta,
  type SnapshotRecord,
  type Store,
  type TokenRecord,
} from './types.js'
import type { AuthMethod, TokenScope } from '../model/identity.js'

export interface EmbeddedStoreOptions {
  readonly path: string
  /** How often other processes' invalidation events are read (ms). */
  readonly pollMs?: number
  readonly logger?: Logger | undefined
  readonly metrics?: StoreMetrics | undefined
}

interface TokenRow {
  id: number
  user: string
  name: string
  description: string
  hash: string
  created_at: number
  expires_at: number | null
  lifetime_days: number | null
  scope: string
  paths: string | null
  last_used_at: number | null
  last_used_ip: string | null
}

interface SessionRow {
  key: string
  user: string
  method: string
  created_at: number
  last_seen_at: number
  absolute_expires_at: number
  csrf: string
}

interface SnapshotRow {
  id: string
  time_millis: number
  description: string
  automatic: number
  version: string
  text?: string
}

/** Events older than this are pruned: a process that was away longer re-reads nothing it could still use. */
const EVENT_RETENTION_MS = 10 * 60 * 1000
const CLAIM_PRUNE_EVERY = 256
/** Sessions past their absolute expiry are never valid again; every so many new ones, they are deleted
 *  (Redis lets them expire by TTL). Scripts that log in on every run would otherwise grow the file forever. */
const SESSION_PRUNE_EVERY = 256
/** Lockout counters past their window count for nothing; every so many hits they are deleted, so user
 *  names an attacker makes up cost one row each only while their window lasts (Redis: a TTL per counter). */
const COUNTER_PRUNE_EVERY = 256
/** The meta row /readyz rewrites to prove the file still takes a committed write. */
const PROBE_META = 'store.probe'

function tokenOf(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    user: r.user,
    name: r.name,
    description: r.description,
    hash: r.hash,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lifetimeDays: r.lifetime_days,
    scope: r.scope as TokenScope,
    paths: r.paths === null ? null : (JSON.parse(r.paths) as string[]),
    lastUsedAt: r.last_used_at,
    lastUsedIp: r.last_used_ip,
  }
}

function sessionOf(r: SessionRow): SessionRecord {
  return {
    key: r.key,
    user: r.user,
    method: r.method as AuthMethod,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    absoluteExpiresAt: r.absolute_expires_at,
    csrf: r.csrf,
  }
}

function snapshotMetaOf(r: SnapshotRow): SnapshotMeta {
  return { id: r.id, timeMillis: r.time_millis, description: r.description, automatic: r.automatic === 1, version: r.version }
}

function unavailable(err: unknown): Error {
  if (err instanceof StoreConflictError || err instanceof StoreUnavailableError) return err
  return new StoreUnavailableError(`embedded store: ${(err as Error).message}`, { cause: err })
}

/** The failure's kind for metrics and the audit line, from SQLite's extended result code. */
export function classifySqliteError(err: unknown): string {
  const e = err instanceof StoreUnavailableError && err.cause !== undefined ? err.cause : err
  const code = (e as { code?: unknown }).code
  if (typeof code !== 'string') return (e as Error).message === 'The database connection is not open' ? 'closed' : 'error'
  if (code === 'SQLITE_FULL') return 'disk-full'
  if (code.startsWith('SQLITE_READONLY')) return 'read-only'
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy'
  if (code.startsWith('SQLITE_IOERR')) return 'io-error'
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt'
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot-open'
  return 'error'
}

/**
 * A write with RETURNING, run to its end. `.get()` would hand back the first row and reset the statement,
 * and the implicit commit that then fails (SQLITE_FULL on a full disk) is dropped by the reset: the caller
 * would see a row that was rolled back. `.all()` steps until SQLite is done, commit included, and throws.
 */
function written<R>(stmt: Statement, ...args: unknown[]): R | undefined {
  return stmt.all(...args)[0] as R | undefined
}

/** Creates the directory (0700) and the file (0600) before SQLite does, so neither is world-readable. An
 *  existing file is left as it is (a read-only one is opened, and every write to it refused). */
function prepareFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  try {
    closeSync(openSync(file, 'wx', 0o600))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
}

export function openEmbeddedStore(options: EmbeddedStoreOptions): Store {
  const file = resolve(options.path)
  prepareFile(file)
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 5000')
    migrate(db, file)
  } catch (err) {
    db.close()
    throw err
  }

  const health: StoreHealth = createStoreHealth({
    backend: 'embedded',
    logger: options.logger,
    metrics: options.metrics,
    classify: classifySqliteError,
  })
  /** Runs synchronous SQLite work, records how it went, and turns every failure into a rejected StoreUnavailableError. */
  function guard<T>(operation: string, write: boolean, fn: () => T): Promise<T> {
    try {
      const result = fn()
      health.succeeded(write)
      return Promise.resolve(result)
    } catch (err) {
      health.failed(operation, write, err)
      return Promise.reject(unavailable(err))
    }
  }

  const q = {
    insertToken: db.prepare(
      `INSERT INTO tokens (user, name, description, hash, created_at, expires_at, lifetime_days, scope, paths)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ),
    tokenByHash: db.prepare('SELECT * FROM tokens WHERE hash = ?'),
    tokenById: db.prepare('SELECT * FROM tokens WHERE id = ?'),
    tokensOfUser: db.prepare('SELECT * FROM tokens WHERE user = ? ORDER BY id DESC'),
    allTokens: db.prepare('SELECT * FROM tokens ORDER BY id DESC'),
    setExpiry: db.prepare('UPDATE tokens SET expires_at = ? WHERE id = ? RETURNING *'),
    deleteToken: db.prepare('DELETE FROM tokens WHERE id = ? RETURNING *'),
    useToken: db.prepare(
      'UPDATE tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
    ),
    insertSession: db.prepare(
      `INSERT INTO sessions (key, user, method, created_at, last_seen_at, absolute_expires_at, csrf)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET user = excluded.user, method = excluded.method, created_at = excluded.created_at,
         last_seen_at = excluded.last_seen_at, absolute_expires_at = excluded.absolute_expires_at, csrf = excluded.csrf`,
    ),
    session: db.prepare('SELECT * FROM sessions WHERE key = ?'),
    touchSession: db.prepare('UPDATE sessions SET last_seen_at = ? WHERE key = ? AND last_seen_at < ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE key = ? RETURNING *'),
    counter: db.prepare('SELECT count, reset_at FROM counters WHERE key = ?'),
    counterIncrement: db.prepare('UPDATE counters SET count = count + 1 WHERE key = ? RETURNING count, reset_at'),
    counterStart: db.prepare(
      `INSERT INTO counters (key, count, reset_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET count = 1, reset_at = excluded.reset_at RETURNING count, reset_at`,
    ),
    counterDelete: db.prepare('DELETE FROM counters WHERE key = ?'),
    pruneCounters: db.prepare('DELETE FROM counters WHERE reset_at <= ?'),
    claim: db.prepare(
      `INSERT INTO claims (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE claims.expires_at <= ?`,
    ),
    pruneClaims: db.prepare('DELETE FROM claims WHERE expires_at <= ?'),
    pruneSessions: db.prepare('DELETE FROM sessions WHERE absolute_expires_at <= ?'),
    saveSnapshot: db.prepare(
      `INSERT OR REPLACE INTO snapshots (id, time_millis, description, automatic, version, text) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    listSnapshots: db.prepare(
      'SELECT id, time_millis, description, automatic, version FROM snapshots ORDER BY time_millis DESC, id DESC',
    ),
    snapshot: db.prepare('SELECT * FROM snapshots WHERE id = ?'),
    deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE id = ?'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    publish: db.prepare('INSERT INTO events (at, payload) VALUES (?, ?)'),
    pruneEvents: db.prepare('DELETE FROM events WHERE at < ?'),
    eventsAfter: db.prepare('SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq'),
    lastEvent: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck(),
  }

  let hits = 0
  // Inside a transaction, so its COMMIT (which throws) decides; `written` anyway, so no `.get()` on a write.
  const hit = db.transaction((key: string, windowMs: number, now: number): CounterState => {
    if (++hits % COUNTER_PRUNE_EVERY === 0) q.pruneCounters.run(now)
    const row = q.counter.get(key) as { count: number; reset_at: number } | undefined
    const next = (
      row !== undefined && row.reset_at > now ? written(q.counterIncrement, key) : written(q.counterStart, key, now + windowMs)
    ) as { count: number; reset_at: number }
    return { count: next.count, resetAt: next.reset_at }
  })
  const recordUses = db.transaction((uses: ReadonlyArray<{ id: number; at: number; ip: string }>) => {
    for (const u of uses) q.useToken.run(u.at, u.ip, u.id, u.at)
  })
  const touch = db.transaction((touches: ReadonlyArray<{ key: string; at: number }>) => {
    for (const s of touches) q.touchSession.run(s.at, s.key, s.at)
  })

  // Invalidation: local listeners hear our own events at once; other processes' events by polling.
  const listeners = new Set<(event: InvalidationEvent) => void>()
  const ownSeqs = new Set<number>()
  let lastSeq = q.lastEvent.get() as number
  let poller: NodeJS.Timeout | undefined
  let claims = 0
  let sessionsCreated = 0
  let closed = false

  const readLastSeq = (): number => {
    try {
      return q.lastEvent.get() as number
    } catch {
      return lastSeq
    }
  }
  const deliver = (event: InvalidationEvent): void => {
    for (const l of [...listeners]) l(event)
  }
  const poll = (): void => {
    let rows: Array<{ seq: number; payload: string }>
    try {
      rows = q.eventsAfter.all(lastSeq) as Array<{ seq: number; payload: string }>
    } catch {
      // The file is momentarily locked or gone: try again on the next tick; the cache TTL bounds staleness.
      return
    }
    for (const row of rows) {
      lastSeq = row.seq
      if (ownSeqs.delete(row.seq)) continue
      deliver(JSON.parse(row.payload) as InvalidationEvent)
    }
  }

  const probe = (): Promise<void> =>
    guard(PROBE, true, () => void q.setMeta.run(PROBE_META, String(Date.now()))).catch((err: StoreUnavailableError) => {
      throw new StoreUnavailableError(`refuses writes (${classifySqliteError(err)}): ${err.message}`, { cause: err })
    })
  // Said once at start, loudly: a file that cannot take a write serves reads, and every write gets 503.
  probe().catch((err: Error) => options.logger?.error({ file, err: err.message }, 'embedded store opened, but it refuses writes'))

  const store: Store = {
    kind: 'embedded',

    // A committed write, not a SELECT: a full disk or a read-only file still answers reads.
    ping: () => probe(),

    async close() {
      if (closed) return
      closed = true
      if (poller !== undefined) clearInterval(poller)
      listeners.clear()
      db.close()
    },

    createToken: (t: NewToken) =>
      guard('createToken', true, () => {
        try {
          const row = written<TokenRow>(
            q.insertToken,
            t.user,
            t.name,
            t.description,
            t.hash,
            t.createdAt,
            t.expiresAt,
            t.lifetimeDays,
            t.scope,
            t.paths === null ? null : JSON.stringify(t.paths),
          )!
          return tokenOf(row)
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
            throw new StoreConflictError('a token with this hash already exists')
          }
          throw err
        }
      }),

    findTokenByHash: (hash) =>
      guard('findTokenByHash', false, () => {
        const row = q.tokenByHash.get(hash) as TokenRow | undefined
        return row === undefined ? null : tokenOf(row)
      }),

    getToken: (id) =>
      guard('getToken', false, () => {
        const row = q.tokenById.get(id) as TokenRow | undefined
        return row === undefined ? null : tokenOf(row)
      }),

    listTokens: (user) =>
      guard('listTokens', false, () => {
        const rows = (user === undefined ? q.allTokens.all() : q.tokensOfUser.all(user)) as TokenRow[]
        return rows.map(tokenOf)
      }),

    setTokenExpiry: (id, expiresAt) =>
      guard('setTokenExpiry', true, () => {
        const row = written<TokenRow>(q.setExpiry, expiresAt, id)
        return row === undefined ? null : tokenOf(row)
      }),

    deleteToken: (id) =>
      guard('deleteToken', true, () => {
        const row = written<TokenRow>(q.deleteToken, id)
        return row === undefined ? null : tokenOf(row)
      }),

    recordTokenUse: (uses) => guard('recordTokenUse', true, () => (uses.length === 0 ? undefined : recordUses(uses))),

    createSession: (s) =>
      guard('createSession', true, () => {
        if (++sessionsCreated % SESSION_PRUNE_EVERY === 0) q.pruneSessions.run(s.createdAt)
        q.insertSession.run(s.key, s.user, s.method, s.createdAt, s.lastSeenAt, s.absoluteExpiresAt, s.csrf)
      }),

    getSession: (key) =>
      guard('getSession', false, () => {
        const row = q.session.get(key) as SessionRow | undefined
        return row === undefined ? null : sessionOf(row)
      }),

    touchSessions: (touches) => guard('touchSessions', true, () => (touches.length === 0 ? undefined : touch(touches))),

    deleteSession: (key) =>
      guard('deleteSession', true, () => {
        const row = written<SessionRow>(q.deleteSession, key)
        return row === undefined ? null : sessionOf(row)
      }),

    hit: (key, windowMs, now) => guard('hit', true, () => hit.immediate(key, windowMs, now)),

    getCounter: (key, now) =>
      guard('getCounter', false, () => {
        const row = q.counter.get(key) as { count: number; reset_at: number } | undefined
        return row === undefined || row.reset_at <= now ? null : { count: row.count, resetAt: row.reset_at }
      }),

    resetCounter: (key) => guard('resetCounter', true, () => void q.counterDelete.run(key)),

    claimOnce: (key, ttlMs) =>
      guard('claimOnce', true, () => {
        // Replay windows are real time, not the caller's clock: a claim must outlive the ticket it guards.
        const now = Date.now()
        if (++claims % CLAIM_PRUNE_EVERY === 0) q.pruneClaims.run(now)
        return q.claim.run(key, now + ttlMs, now).changes === 1
      }),

    saveSnapshot: (s: SnapshotRecord) =>
      guard('saveSnapshot', true, () => void q.saveSnapshot.run(s.id, s.timeMillis, s.description, s.automatic ? 1 : 0, s.version, s.text)),

    listSnapshots: () => guard('listSnapshots', false, () => (q.listSnapshots.all() as SnapshotRow[]).map(snapshotMetaOf)),

    getSnapshot: (id) =>
      guard('getSnapshot', false, () => {
        const row = q.snapshot.get(id) as SnapshotRow | undefined
        return row === undefined ? null : { ...snapshotMetaOf(row), text: row.text! }
      }),

    deleteSnapshot: (id) => guard('deleteSnapshot', true, () => q.deleteSnapshot.run(id).changes === 1),

    getMeta: (key) => guard('getMeta', false, () => (q.getMeta.get(key) as string | undefined) ?? null),

    setMeta: (key, value) => guard('setMeta', true, () => void q.setMeta.run(key, value)),

    publish: (event) =>
      guard('publish', true, () => {
        // Locally first: this process's caches drop the entry even if the write fails.
        deliver(event)
        const now = Date.now()
        const seq = Number(q.publish.run(now, JSON.stringify(event)).lastInsertRowid)
        q.pruneEvents.run(now - EVENT_RETENTION_MS)
        if (poller !== undefined) ownSeqs.add(seq)
      }),

    subscribe(listener) {
      listeners.add(listener)
      if (poller === undefined && !closed) {
        // Only events published from now on: older ones predate anything this listener could have cached.
        lastSeq = Math.max(lastSeq, readLastSeq())
        poller = setInterval(poll, options.pollMs ?? 250)
        poller.unref()
      }
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && poller !== undefined) {
          clearInterval(poller)
          poller = undefined
          ownSeqs.clear()
        }
      }
    },
  }
  return store
}
