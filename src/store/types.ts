// The Store contract: everything restgate keeps beyond one request. Two backends implement it (embedded
// SQLite, Redis standalone/Sentinel/Cluster) and both pass one contract suite (test/store/contract.ts).
// Time-dependent operations take `now` from the caller's injected clock, so expiry is tested without
// sleeping; backend TTLs only clean up after the fact. Any backend failure rejects with
// StoreUnavailableError so callers can fail closed (503 RG_ERR_STORE_UNAVAILABLE).
import type { AuthMethod, TokenScope } from '../model/identity.js'

export interface TokenRecord {
  readonly id: number
  readonly user: string
  readonly name: string
  readonly description: string
  /** Keyed hash (HMAC-SHA-256, hex) of the secret; the secret itself is never stored. */
  readonly hash: string
  readonly createdAt: number
  /** Epoch ms, or null for a token that never expires. */
  readonly expiresAt: number | null
  /** The lifetime it was created with (a refresh extends by it), or null for "Forever". */
  readonly lifetimeDays: number | null
  readonly scope: TokenScope
  /** Globs on the canonical path the token may reach, or null for every path tokens apply to. */
  readonly paths: readonly string[] | null
  readonly lastUsedAt: number | null
  readonly lastUsedIp: string | null
}

export type NewToken = Omit<TokenRecord, 'id' | 'lastUsedAt' | 'lastUsedIp'>

export interface SessionRecord {
  /** Keyed hash of the cookie value; the cookie value itself is never stored. */
  readonly key: string
  readonly user: string
  /** How the session was established. */
  readonly method: AuthMethod
  readonly createdAt: number
  readonly lastSeenAt: number
  readonly absoluteExpiresAt: number
  /** Per-session CSRF token for cookie-authenticated changes. */
  readonly csrf: string
}

export interface SnapshotRecord {
  /** `sso-snapshot-YYYY-MM-DD-HH_mm_ss`, unique even within one second. */
  readonly id: string
  readonly timeMillis: number
  readonly description: string
  /** Taken by restgate itself (before restore, before upgrade): first to go under the retention limit. */
  readonly automatic: boolean
  /** restgate version that saved it. */
  readonly version: string
  /** The policy file text, byte for byte. */
  readonly text: string
}

export type SnapshotMeta = Omit<SnapshotRecord, 'text'>

export interface CounterState {
  readonly count: number
  /** When the window that started with the first hit ends (epoch ms). */
  readonly resetAt: number
}

/**
 * Published so every instance drops what it cached (token revoked, session ended, user changed). `all` is
 * also raised locally by a backend whose subscription had a gap (a reconnect): events may have been missed.
 */
export type InvalidationEvent =
  | { readonly kind: 'token'; readonly id: number; readonly hash: string }
  | { readonly kind: 'session'; readonly key: string }
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'all' }

export interface Store {
  readonly kind: 'embedded' | 'redis'

  /** Resolves when the backend answers. */
  ping(): Promise<void>
  close(): Promise<void>

  // API tokens
  /** Ids come from a counter and are never reused. Rejects with StoreConflictError on a duplicate hash. */
  createToken(token: NewToken): Promise<TokenRecord>
  findTokenByHash(hash: string): Promise<TokenRecord | null>
  getToken(id: number): Promise<TokenRecord | null>
  /** Newest first; every user's when `user` is undefined. */
  listTokens(user?: string): Promise<TokenRecord[]>
  setTokenExpiry(id: number, expiresAt: number | null): Promise<TokenRecord | null>
  /** Returns the deleted record, or null when there was none. */
  deleteToken(id: number): Promise<TokenRecord | null>
  /** Batched "last used" updates; a later `at` wins, unknown ids are ignored. */
  recordTokenUse(uses: ReadonlyArray<{ readonly id: number; readonly at: number; readonly ip: string }>): Promise<void>

  // Sessions
  createSession(session: SessionRecord): Promise<void>
  getSession(key: string): Promise<SessionRecord | null>
  /** Batched sliding-expiry updates; a later `at` wins. */
  touchSessions(touches: ReadonlyArray<{ readonly key: string; readonly at: number }>): Promise<void>
  deleteSession(key: string): Promise<SessionRecord | null>

  // Counters (lockout): fixed windows that start at the first hit
  hit(key: string, windowMs: number, now: number): Promise<CounterState>
  getCounter(key: string, now: number): Promise<CounterState | null>
  resetCounter(key: string): Promise<void>

  /** True the first time `key` is claimed within `ttlMs`, false for every later claim (replay detection). */
  claimOnce(key: string, ttlMs: number): Promise<boolean>

  // Policy snapshots
  saveSnapshot(snapshot: SnapshotRecord): Promise<void>
  /** Newest first. */
  listSnapshots(): Promise<SnapshotMeta[]>
  getSnapshot(id: string): Promise<SnapshotRecord | null>
  deleteSnapshot(id: string): Promise<boolean>

  // Small named values (stored restgate version, key material ids)
  getMeta(key: string): Promise<string | null>
  setMeta(key: string, value: string): Promise<void>

  // Cache invalidation across instances: every listener of every store open on the same data (this one
  // included) receives each published event, within a second (Redis pub/sub; embedded: an event table
  // polled by each process, so `restgate token revoke` reaches a running server).
  publish(event: InvalidationEvent): Promise<void>
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: InvalidationEvent) => void): () => void
}

/** The backend did not answer (connection refused, timeout, I/O error). Callers fail closed. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}

/** A write that contradicts what is stored (a token hash that already exists). Not a backend failure. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreConflictError'
  }
}
