// The Redis store (standalone, Sentinel or Cluster), for several restgate instances behind a balancer.
// Key layout in redis-keys.ts. Writes that span hash slots are ordered so that a crash half-way never
// leaves a usable secret without its record and indexes: a token becomes usable (its hash key is written)
// last and stops being usable (hash key deleted) first; listings skip and tidy dangling index entries.
// Every failure (refused, timed out, disconnected) rejects with StoreUnavailableError.
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { Cluster, type Redis } from 'ioredis'
import { redisKeys, type RedisKeys } from './redis-keys.js'
import { createRedisClient, whenReady, DEFAULT_TIMEOUTS, type RedisClient, type RedisConfig, type RedisTimeouts } from './redis-client.js'
import {
  StoreConflictError,
  StoreUnavailableError,
  type InvalidationEvent,
  type NewToken,
  type SessionRecord,
  type SnapshotMeta,
  type SnapshotRecord,
  type Store,
  type TokenRecord,
} from './types.js'
import type { AuthMethod, TokenScope } from '../model/identity.js'

export interface RedisStoreOptions {
  readonly config: RedisConfig
  readonly logger?: Logger
  readonly timeouts?: RedisTimeouts
}

/** Backend TTLs only tidy up after the fact: records outlive the times callers decide on by this much. */
const GRACE_MS = 60 * 60 * 1000

// Scripts: each touches one key, so it runs in one slot. Nullable numbers are stored as ''.
const SCRIPTS = {
  /** Sets fields on an existing hash only (never resurrects a deleted record); returns it flat, or nil. */
  rgUpdate: `
    if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
    redis.call('HSET', KEYS[1], unpack(ARGV))
    return redis.call('HGETALL', KEYS[1])`,
  /** ARGV: field, at, [field2, value2]: sets them when the record exists and `at` is later than stored. */
  rgLater: `
    if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
    local cur = redis.call('HGET', KEYS[1], ARGV[1])
    if cur and cur ~= '' and tonumber(cur) >= tonumber(ARGV[2]) then return 0 end
    redis.call('HSET', KEYS[1], unpack(ARGV))
    return 1`,
  /** Fixed window from the first hit. ARGV: windowMs, now, graceMs. Returns {count, resetAt}. */
  rgHit: `
    local r = redis.call('HMGET', KEYS[1], 'count', 'resetAt')
    local now = tonumber(ARGV[2])
    if r[1] and r[2] and tonumber(r[2]) > now then
      return {redis.call('HINCRBY', KEYS[1], 'count', 1), tonumber(r[2])}
    end
    local reset = now + tonumber(ARGV[1])
    redis.call('HSET', KEYS[1], 'count', 1, 'resetAt', reset)
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]))
    return {1, reset}`,
} as const

type Flat = Array<string>
interface ScriptCommands {
  rgUpdate(key: string, ...fieldValues: Array<string | number>): Promise<Flat | null>
  rgLater(key: string, ...fieldValues: Array<string | number>): Promise<number>
  rgHit(key: string, windowMs: number, now: number, graceMs: number): Promise<[number, number]>
}
type Client = RedisClient & ScriptCommands

const num = (v: string | undefined): number => Number(v)
const numOrNull = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v))
const strOrNull = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v)
const nullable = (v: number | string | null): string | number => (v === null ? '' : v)

function objectOf(flat: Flat): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!
  return out
}

function isEmpty(h: Record<string, string>): boolean {
  for (const _ in h) return false
  return true
}

function tokenOf(h: Record<string, string>): TokenRecord {
  return {
    id: num(h['id']),
    user: h['user']!,
    name: h['name'] ?? '',
    description: h['description'] ?? '',
    hash: h['hash']!,
    createdAt: num(h['createdAt']),
    expiresAt: numOrNull(h['expiresAt']),
    lifetimeDays: numOrNull(h['lifetimeDays']),
    scope: h['scope'] as TokenScope,
    paths: h['paths'] === undefined || h['paths'] === '' ? null : (JSON.parse(h['paths']) as string[]),
    lastUsedAt: numOrNull(h['lastUsedAt']),
    lastUsedIp: strOrNull(h['lastUsedIp']),
  }
}

function tokenFields(id: number, t: NewToken): Array<string | number> {
  return [
    'id', id,
    'user', t.user,
    'name', t.name,
    'description', t.description,
    'hash', t.hash,
    'createdAt', t.createdAt,
    'expiresAt', nullable(t.expiresAt),
    'lifetimeDays', nullable(t.lifetimeDays),
    'scope', t.scope,
    'paths', t.paths === null ? '' : JSON.stringify(t.paths),
    'lastUsedAt', '',
    'lastUsedIp', '',
  ]
}

function sessionOf(h: Record<string, string>): SessionRecord {
  return {
    key: h['key']!,
    user: h['user']!,
    method: h['method'] as AuthMethod,
    createdAt: num(h['createdAt']),
    lastSeenAt: num(h['lastSeenAt']),
    absoluteExpiresAt: num(h['absoluteExpiresAt']),
    csrf: h['csrf']!,
  }
}

const SNAPSHOT_META_FIELDS = ['id', 'timeMillis', 'description', 'automatic', 'version'] as const

function snapshotMetaOf(v: ReadonlyArray<string | null>): SnapshotMeta {
  return { id: v[0]!, timeMillis: num(v[1]!), description: v[2] ?? '', automatic: v[3] === '1', version: v[4] ?? '' }
}

/** MULTI replies carry per-command errors instead of rejecting: surface the first one. */
async function exec(multi: { exec(): Promise<Array<[Error | null, unknown]> | null> }): Promise<unknown[]> {
  const replies = await multi.exec()
  if (replies === null) throw new Error('transaction aborted')
  return replies.map(([err, value]) => {
    if (err !== null) throw err
    return value
  })
}

/** `<id>:<user>`: the id is digits, so the first colon separates them. */
function parseRef(ref: string): { id: number; user: string } | null {
  const colon = ref.indexOf(':')
  if (colon < 1) return null
  return { id: Number(ref.slice(0, colon)), user: ref.slice(colon + 1) }
}

function unavailable(err: unknown): Error {
  if (err instanceof StoreConflictError || err instanceof StoreUnavailableError) return err
  return new StoreUnavailableError(`redis store: ${(err as Error).message}`, { cause: err })
}

/** Wraps an async method so any failure rejects with StoreUnavailableError. */
function guarded<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args)
    } catch (err) {
      throw unavailable(err)
    }
  }
}

export interface RedisStore extends Store {
  /** Resolves once the first connection is ready, or after the connect timeout (it keeps trying). */
  readonly connected: Promise<boolean>
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS
  const config = options.config
  const log = options.logger?.child({ component: 'store' })
  const client = createRedisClient(config, timeouts) as Client
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua })
  const k: RedisKeys = redisKeys(config.keyPrefix)
  let closed = false

  // Connection state is logged on change only, so an outage is two lines, not one per retry.
  let up = false
  client.on('ready', () => {
    if (!up) log?.info('store connection ready')
    up = true
  })
  client.on('error', (err: Error) => {
    if (up || closed) return
    log?.debug({ err: err.message }, 'store connection error')
  })
  client.on('close', () => {
    if (up && !closed) log?.warn('store connection lost: requests that need the store get 503 until it is back')
    up = false
  })

  // Subscriber connection, opened when the first listener subscribes.
  const listeners = new Set<(event: InvalidationEvent) => void>()
  const instanceId = randomUUID()
  let subscriber: RedisClient | undefined
  const deliver = (event: InvalidationEvent): void => {
    for (const l of [...listeners]) l(event)
  }
  function openSubscriber(): void {
    const sub: RedisClient = client instanceof Cluster ? client.duplicate() : (client as Redis).duplicate()
    subscriber = sub
    let gap = false
    sub.on('error', () => undefined)
    sub.on('close', () => {
      gap = true
    })
    sub.on('ready', () => {
      // Subscribing on every ready (the first and each reconnect): with no offline queue, a SUBSCRIBE sent
      // before the connection is up is refused rather than queued. A repeat SUBSCRIBE is harmless.
      sub.subscribe(k.channel).catch((err: Error) => log?.warn({ err: err.message }, 'store subscription failed; retrying on reconnect'))
      // Events published while we were away are lost: everything cached may be stale.
      if (gap) deliver({ kind: 'all' })
      gap = false
    })
    sub.on('message', (channel: string, message: string) => {
      if (channel !== k.channel) return
      let parsed: { from?: string; event?: InvalidationEvent }
      try {
        parsed = JSON.parse(message) as typeof parsed
      } catch {
        return
      }
      // Our own events were delivered locally when published.
      if (parsed.from === instanceId || parsed.event === undefined) return
      deliver(parsed.event)
    })
  }

  async function loadToken(user: string, id: number): Promise<TokenRecord | null> {
    const h = await client.hgetall(k.token(user, id))
    return isEmpty(h) ? null : tokenOf(h)
  }

  async function ownerOf(id: number): Promise<string | null> {
    return client.hget(k.tokenOwners, String(id))
  }

  const store: RedisStore = {
    kind: 'redis',
    connected: whenReady(client, timeouts.connectTimeoutMs),

    ping: guarded(async () => {
      await client.ping()
    }),

    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      subscriber?.disconnect()
      client.disconnect()
    },

    createToken: guarded(async (t: NewToken) => {
      if ((await client.exists(k.tokenHash(t.hash))) === 1) throw new StoreConflictError('a token with this hash already exists')
      const id = await client.incr(k.tokenSeq)
      await exec(client.multi().hset(k.token(t.user, id), ...tokenFields(id, t)).zadd(k.userTokens(t.user), id, String(id)))
      await client.hset(k.tokenOwners, String(id), t.user)
      // Last: from here on the secret works.
      const set = await client.set(k.tokenHash(t.hash), `${id}:${t.user}`, 'NX')
      if (set === null) {
        await exec(client.multi().del(k.token(t.user, id)).zrem(k.userTokens(t.user), String(id)))
        await client.hdel(k.tokenOwners, String(id))
        throw new StoreConflictError('a token with this hash already exists')
      }
      return { ...t, id, lastUsedAt: null, lastUsedIp: null }
    }),

    findTokenByHash: guarded(async (hash) => {
      const ref = await client.get(k.tokenHash(hash))
      const parsed = ref === null ? null : parseRef(ref)
      if (parsed === null) return null
      const record = await loadToken(parsed.user, parsed.id)
      return record !== null && record.hash === hash ? record : null
    }),

    getToken: guarded(async (id) => {
      const user = await ownerOf(id)
      return user === null ? null : loadToken(user, id)
    }),

    listTokens: guarded(async (user) => {
      let refs: Array<{ id: number; user: string }>
      if (user !== undefined) {
        const ids = await client.zrevrange(k.userTokens(user), 0, -1)
        refs = ids.map((id) => ({ id: Number(id), user }))
      } else {
        const owners = await client.hgetall(k.tokenOwners)
        refs = Object.entries(owners).map(([id, u]) => ({ id: Number(id), user: u }))
        refs.sort((a, b) => b.id - a.id)
      }
      const records = await Promise.all(refs.map((r) => loadToken(r.user, r.id)))
      const out: TokenRecord[] = []
      const dangling: Array<{ id: number; user: string }> = []
      records.forEach((r, i) => (r === null ? dangling.push(refs[i]!) : out.push(r)))
      // Index entries left by a write that died half-way: tidy them, never show them.
      if (dangling.length > 0) {
        await Promise.all(
          dangling.map(async (d) => {
            await client.zrem(k.userTokens(d.user), String(d.id))
            await client.hdel(k.tokenOwners, String(d.id))
          }),
        )
      }
      return out
    }),

    setTokenExpiry: guarded(async (id, expiresAt) => {
      const user = await ownerOf(id)
      if (user === null) return null
      const flat = await client.rgUpdate(k.token(user, id), 'expiresAt', nullable(expiresAt))
      return flat === null ? null : tokenOf(objectOf(flat))
    }),

    deleteToken: guarded(async (id) => {
      const user = await ownerOf(id)
      if (user === null) return null
      const record = await loadToken(user, id)
      // First: the secret stops working.
      if (record !== null) await client.del(k.tokenHash(record.hash))
      const [removed] = await exec(client.multi().del(k.token(user, id)).zrem(k.userTokens(user), String(id)))
      await client.hdel(k.tokenOwners, String(id))
      const deleted = removed === 1
      return deleted ? record : null
    }),

    recordTokenUse: guarded(async (uses) => {
      if (uses.length === 0) return
      const owners = await client.hmget(k.tokenOwners, ...uses.map((u) => String(u.id)))
      await Promise.all(
        uses.map((u, i) => {
          const user = owners[i]
          if (user === null || user === undefined) return undefined
          return client.rgLater(k.token(user, u.id), 'lastUsedAt', u.at, 'lastUsedIp', u.ip)
        }),
      )
    }),

    createSession: guarded(async (s: SessionRecord) => {
      const key = k.session(s.key)
      const ttl = Math.max(1, s.absoluteExpiresAt - s.createdAt) + GRACE_MS
      await exec(
        client
          .multi()
          .del(key)
          .hset(key, 'key', s.key, 'user', s.user, 'method', s.method, 'createdAt', s.createdAt, 'lastSeenAt', s.lastSeenAt,
            'absoluteExpiresAt', s.absoluteExpiresAt, 'csrf', s.csrf)
          .pexpire(key, ttl),
      )
    }),

    getSession: guarded(async (key) => {
      const h = await client.hgetall(k.session(key))
      return isEmpty(h) ? null : sessionOf(h)
    }),

    touchSessions: guarded(async (touches) => {
      await Promise.all(touches.map((s) => client.rgLater(k.session(s.key), 'lastSeenAt', s.at)))
    }),

    deleteSession: guarded(async (key) => {
      const [h] = (await exec(client.multi().hgetall(k.session(key)).del(k.session(key)))) as [Record<string, string> | Flat]
      const obj = Array.isArray(h) ? objectOf(h) : h
      return isEmpty(obj) ? null : sessionOf(obj)
    }),

    hit: guarded(async (key, windowMs, now) => {
      const [count, resetAt] = await client.rgHit(k.counter(key), windowMs, now, GRACE_MS)
      return { count: Number(count), resetAt: Number(resetAt) }
    }),

    getCounter: guarded(async (key, now) => {
      const [count, resetAt] = await client.hmget(k.counter(key), 'count', 'resetAt')
      if (count === null || resetAt === null || Number(resetAt) <= now) return null
      return { count: Number(count), resetAt: Number(resetAt) }
    }),

    resetCounter: guarded(async (key) => {
      await client.del(k.counter(key))
    }),

    claimOnce: guarded(async (key, ttlMs) => {
      return (await client.set(k.claim(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK'
    }),

    saveSnapshot: guarded(async (s: SnapshotRecord) => {
      const key = k.snapshot(s.id)
      await exec(
        client
          .multi()
          .del(key)
          .hset(key, 'id', s.id, 'timeMillis', s.timeMillis, 'description', s.description, 'automatic', s.automatic ? '1' : '0',
            'version', s.version, 'text', s.text)
          .zadd(k.snapshotIndex, s.timeMillis, s.id),
      )
    }),

    listSnapshots: guarded(async () => {
      const ids = await client.zrevrange(k.snapshotIndex, 0, -1)
      const rows = await Promise.all(ids.map((id) => client.hmget(k.snapshot(id), ...SNAPSHOT_META_FIELDS)))
      return rows.filter((r) => r[0] !== null).map(snapshotMetaOf)
    }),

    getSnapshot: guarded(async (id) => {
      const h = await client.hgetall(k.snapshot(id))
      if (isEmpty(h)) return null
      return { ...snapshotMetaOf(SNAPSHOT_META_FIELDS.map((f) => h[f] ?? null)), text: h['text'] ?? '' }
    }),

    deleteSnapshot: guarded(async (id) => {
      const [removed] = await exec(client.multi().del(k.snapshot(id)).zrem(k.snapshotIndex, id))
      return removed === 1
    }),

    getMeta: guarded(async (key) => client.hget(k.meta, key)),

    setMeta: guarded(async (key, value) => {
      await client.hset(k.meta, key, value)
    }),

    publish: guarded(async (event) => {
      // Locally first: this instance's caches drop the entry even when Redis cannot be reached.
      deliver(event)
      await client.publish(k.channel, JSON.stringify({ from: instanceId, event }))
    }),

    subscribe(listener) {
      listeners.add(listener)
      if (subscriber === undefined && !closed) openSubscriber()
      return () => {
        listeners.delete(listener)
      }
    },
  }
  return store
}
