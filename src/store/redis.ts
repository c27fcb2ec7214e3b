// The Redis store (standalone, Sentinel or Cluster), for several restgate instances behind a balancer.
// Key layout in redis-keys.ts. Writes that span hash slots are ordered so that a crash half-way never
// leaves a usable secret without its record and indexes: a token becomes usable (its hash key is written)
// last and stops being usable (hash key deleted) first; listings skip and tidy dangling index entries.
// Every step of a write that a client is told about is on `minReplicas` replicas before it counts
// (redis-durable.ts); what is only bookkeeping (last use, sliding expiry, lockout hits, replay claims,
// cache invalidation) is not waited for. Every failure (refused, timed out, disconnected, too few
// replicas) rejects with StoreUnavailableError.
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import type { Logger } from 'pino'
import { Cluster, type Redis } from 'ioredis'
import { redisKeys, type RedisKeys } from './redis-keys.js'
import {
  backoff,
  createRedisClient,
  durabilityOf,
  keepConnecting,
  tlsOptions,
  whenReady,
  DEFAULT_TIMEOUTS,
  type RedisClient,
  type RedisConfig,
  type RedisTimeouts,
} from './redis-client.js'
import { createDurableWriter, type Step } from './redis-durable.js'
import { followSentinels, type SentinelFollower } from './redis-sentinel-follow.js'
import { classifyRedisError, needsSlotRefresh, unavailable } from './redis-errors.js'
import { PROBE, createStoreHealth, type StoreMetrics } from './health.js'
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
  readonly logger?: Logger | undefined
  readonly metrics?: StoreMetrics | undefined
  readonly timeouts?: RedisTimeouts
}

/** Backend TTLs only tidy up after the fact: records outlive the times callers decide on by this much. */
const GRACE_MS = 60 * 60 * 1000
/** Lockout counters are keyed by names anyone can make up: each lives its window and a minute more, so a
 *  flood of made-up names costs memory for that long (a minute covers clocks that disagree by as much). */
const COUNTER_GRACE_MS = 60 * 1000
/** The readiness probe's keys expire on their own. */
const PROBE_TTL_MS = 60 * 1000
const SLOT_REFRESH_GAP_MS = 200
const SLOTS_REFRESH_MS = 5000

// The hash slot of a key, as ioredis computes it (its own dependency), to find a probe key per Cluster master.
const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number

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

/** `<id>:<user>`: the id is digits, so the first colon separates them. */
function parseRef(ref: string): { id: number; user: string } | null {
  const colon = ref.indexOf(':')
  if (colon < 1) return null
  return { id: Number(ref.slice(0, colon)), user: ref.slice(colon + 1) }
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
  const writer = createDurableWriter(client, durabilityOf(config), timeouts.commandTimeoutMs)
  const health = createStoreHealth({ backend: 'redis', logger: options.logger, metrics: options.metrics, classify: classifyRedisError })
  // Down until the first connection is ready.
  health.disconnected()
  let closed = false
  keepConnecting(client, timeouts.maxBackoffMs, () => closed)

  /** Wraps a method: its outcome is recorded, and any failure rejects with StoreUnavailableError. */
  function guarded<A extends unknown[], R>(operation: string, write: boolean, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      try {
        const result = await fn(...args)
        health.succeeded(write)
        return result
      } catch (err) {
        health.failed(operation, write, err)
        if (needsSlotRefresh(err)) refreshSlots()
        throw unavailable(err)
      }
    }
  }
  // ioredis looks at the slot map again when told a slot moved; a master that died tells nothing. So the
  // map is refreshed after a failure and every SLOTS_REFRESH_MS. Each refresh opens a connection, so a
  // burst of failures asks once per SLOT_REFRESH_GAP_MS. (Not ioredis' slotsRefreshInterval: its timer is
  // armed when the client gets ready, even after a close, and then holds the process open for good.)
  let lastRefresh = 0
  function refreshSlots(): void {
    if (closed || !(client instanceof Cluster) || Date.now() - lastRefresh < SLOT_REFRESH_GAP_MS) return
    lastRefresh = Date.now()
    client.refreshSlotsCache()
  }
  const slotsTimer = client instanceof Cluster ? setInterval(refreshSlots, SLOTS_REFRESH_MS) : undefined
  slotsTimer?.unref()
  /** One confirmed step: MULTI/EXEC on one slot, then WAIT. */
  const step = (commands: Step): Promise<unknown[]> => writer.step(commands)

  // Connection state is logged on change only, so an outage is two lines, not one per retry.
  let up = false
  client.on('ready', () => {
    if (!up) log?.info('store connection ready')
    up = true
    health.succeeded(false)
  })
  client.on('error', (err: Error) => {
    if (up || closed) return
    log?.debug({ err: err.message }, 'store connection error')
  })
  client.on('close', () => {
    if (up && !closed) {
      log?.warn('store connection lost: requests that need the store get 503 until it is back')
      health.disconnected()
    }
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
    keepConnecting(sub, timeouts.maxBackoffMs, () => closed)
    let gap = false
    sub.on('error', () => undefined)
    sub.on('close', () => {
      gap = true
    })
    sub.on('ready', () => {
      // Subscribing on every ready (the first and each reconnect): with no offline queue, a SUBSCRIBE sent
      // before the connection is up is refused rather than queued. A repeat SUBSCRIBE is harmless.
      sub.subscribe(k.channel).catch((err: Error) => log?.warn({ err: err.message }, 'store subscription failed; retrying on reconnect'))
      // Events published while we were away are lost: everything cached may be stale. This includes a move
      // to a new master, where the other instances publish now.
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

  // Following failovers: Sentinel announces them; in Cluster a promoted replica shows up in the slot map.
  let follower: SentinelFollower | undefined
  if (config.sentinels !== undefined) {
    follower = followSentinels({
      sentinels: config.sentinels,
      name: config.name!,
      clients: () => [client, subscriber].filter((c): c is Redis => c !== undefined) as Redis[],
      tls: tlsOptions(config),
      connectTimeoutMs: timeouts.connectTimeoutMs,
      retryStrategy: backoff(timeouts.maxBackoffMs),
      onSwitch: (from, to) => health.failover('sentinel', { from, to }),
      logger: options.logger,
    })
  }
  let masters: ReadonlySet<string> = new Set()
  const mastersOf = (c: Cluster): Set<string> => {
    const out = new Set<string>()
    for (const owners of c.slots) if (owners?.[0] !== undefined) out.add(owners[0])
    return out
  }
  if (client instanceof Cluster) {
    client.on('refresh', () => {
      const now = mastersOf(client)
      if (masters.size > 0) for (const m of now) if (!masters.has(m)) health.failover('cluster', { to: m })
      masters = now
    })
  }

  /** Keys whose writes prove the store takes writes: one per Cluster master (each serves its own slots). */
  function probeKeys(): string[] {
    if (!(client instanceof Cluster)) return [k.probe('0')]
    const wanted = mastersOf(client)
    const found = new Map<string, string>()
    for (let i = 0; found.size < wanted.size && i < 100_000; i++) {
      const key = k.probe(String(i))
      const owner = client.slots[calculateSlot(key)]?.[0]
      if (owner !== undefined && !found.has(owner)) found.set(owner, key)
    }
    return found.size > 0 ? [...found.values()] : [k.probe('0')]
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

    // A confirmed write per master, not a PING: a replica, a master that lost its replicas, a full memory
    // or a failing disk all still answer PING.
    ping: async () => {
      try {
        await guarded(PROBE, true, async () => {
          await Promise.all(probeKeys().map((key) => step([['set', key, String(Date.now()), 'PX', PROBE_TTL_MS]])))
        })()
      } catch (err) {
        throw new StoreUnavailableError(`refuses writes (${classifyRedisError(err)}): ${(err as Error).message}`, { cause: err })
      }
    },

    async close() {
      if (closed) return
      closed = true
      clearInterval(slotsTimer)
      listeners.clear()
      follower?.close()
      subscriber?.disconnect()
      client.disconnect()
    },

    createToken: guarded('createToken', true, async (t: NewToken) => {
      if ((await client.exists(k.tokenHash(t.hash))) === 1) throw new StoreConflictError('a token with this hash already exists')
      // Each step on its replicas before the next: a counter value lost in a failover would hand the same
      // id out twice.
      const [id] = (await step([['incr', k.tokenSeq]])) as [number]
      await step([['hset', k.token(t.user, id), ...tokenFields(id, t)], ['zadd', k.userTokens(t.user), id, String(id)]])
      await step([['hset', k.tokenOwners, String(id), t.user]])
      // Last: from here on the secret works.
      const [set] = await step([['set', k.tokenHash(t.hash), `${id}:${t.user}`, 'NX']])
      if (set === null) {
        await step([['del', k.token(t.user, id)], ['zrem', k.userTokens(t.user), String(id)]])
        await step([['hdel', k.tokenOwners, String(id)]])
        throw new StoreConflictError('a token with this hash already exists')
      }
      return { ...t, id, lastUsedAt: null, lastUsedIp: null }
    }),

    findTokenByHash: guarded('findTokenByHash', false, async (hash) => {
      const ref = await client.get(k.tokenHash(hash))
      const parsed = ref === null ? null : parseRef(ref)
      if (parsed === null) return null
      const record = await loadToken(parsed.user, parsed.id)
      return record !== null && record.hash === hash ? record : null
    }),

    getToken: guarded('getToken', false, async (id) => {
      const user = await ownerOf(id)
      return user === null ? null : loadToken(user, id)
    }),

    listTokens: guarded('listTokens', false, async (user) => {
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

    setTokenExpiry: guarded('setTokenExpiry', true, async (id, expiresAt) => {
      const user = await ownerOf(id)
      if (user === null) {
        await writer.confirm(k.tokenOwners)
        return null
      }
      const [flat] = (await step([['rgUpdate', k.token(user, id), 'expiresAt', nullable(expiresAt)]])) as [Flat | null]
      return flat === null ? null : tokenOf(objectOf(flat))
    }),

    deleteToken: guarded('deleteToken', true, async (id) => {
      const user = await ownerOf(id)
      if (user === null) {
        // "No such token" from a master that has just been replaced is no answer.
        await writer.confirm(k.tokenOwners)
        return null
      }
      const record = await loadToken(user, id)
      // First: the secret stops working.
      if (record !== null) await step([['del', k.tokenHash(record.hash)]])
      const [removed] = await step([['del', k.token(user, id)], ['zrem', k.userTokens(user), String(id)]])
      await step([['hdel', k.tokenOwners, String(id)]])
      return removed === 1 ? record : null
    }),

    recordTokenUse: guarded('recordTokenUse', false, async (uses) => {
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

    createSession: guarded('createSession', true, async (s: SessionRecord) => {
      const key = k.session(s.key)
      const ttl = Math.max(1, s.absoluteExpiresAt - s.createdAt) + GRACE_MS
      await step([
        ['del', key],
        ['hset', key, 'key', s.key, 'user', s.user, 'method', s.method, 'createdAt', s.createdAt, 'lastSeenAt', s.lastSeenAt,
          'absoluteExpiresAt', s.absoluteExpiresAt, 'csrf', s.csrf],
        ['pexpire', key, ttl],
      ])
    }),

    getSession: guarded('getSession', false, async (key) => {
      const h = await client.hgetall(k.session(key))
      return isEmpty(h) ? null : sessionOf(h)
    }),

    touchSessions: guarded('touchSessions', false, async (touches) => {
      await Promise.all(touches.map((s) => client.rgLater(k.session(s.key), 'lastSeenAt', s.at)))
    }),

    deleteSession: guarded('deleteSession', true, async (key) => {
      const [h] = (await step([['hgetall', k.session(key)], ['del', k.session(key)]])) as [Record<string, string> | Flat]
      const obj = Array.isArray(h) ? objectOf(h) : h
      return isEmpty(obj) ? null : sessionOf(obj)
    }),

    hit: guarded('hit', false, async (key, windowMs, now) => {
      const [count, resetAt] = await client.rgHit(k.counter(key), windowMs, now, COUNTER_GRACE_MS)
      return { count: Number(count), resetAt: Number(resetAt) }
    }),

    getCounter: guarded('getCounter', false, async (key, now) => {
      const [count, resetAt] = await client.hmget(k.counter(key), 'count', 'resetAt')
      if (count === null || resetAt === null || Number(resetAt) <= now) return null
      return { count: Number(count), resetAt: Number(resetAt) }
    }),

    resetCounter: guarded('resetCounter', true, async (key) => {
      await step([['del', k.counter(key)]])
    }),

    claimOnce: guarded('claimOnce', false, async (key, ttlMs) => {
      return (await client.set(k.claim(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK'
    }),

    saveSnapshot: guarded('saveSnapshot', true, async (s: SnapshotRecord) => {
      const key = k.snapshot(s.id)
      await step([
        ['del', key],
        ['hset', key, 'id', s.id, 'timeMillis', s.timeMillis, 'description', s.description, 'automatic', s.automatic ? '1' : '0',
          'version', s.version, 'text', s.text],
        ['zadd', k.snapshotIndex, s.timeMillis, s.id],
      ])
    }),

    listSnapshots: guarded('listSnapshots', false, async () => {
      const ids = await client.zrevrange(k.snapshotIndex, 0, -1)
      const rows = await Promise.all(ids.map((id) => client.hmget(k.snapshot(id), ...SNAPSHOT_META_FIELDS)))
      return rows.filter((r) => r[0] !== null).map(snapshotMetaOf)
    }),

    getSnapshot: guarded('getSnapshot', false, async (id) => {
      const h = await client.hgetall(k.snapshot(id))
      if (isEmpty(h)) return null
      return { ...snapshotMetaOf(SNAPSHOT_META_FIELDS.map((f) => h[f] ?? null)), text: h['text'] ?? '' }
    }),

    deleteSnapshot: guarded('deleteSnapshot', true, async (id) => {
      const [removed] = await step([['del', k.snapshot(id)], ['zrem', k.snapshotIndex, id]])
      return removed === 1
    }),

    getMeta: guarded('getMeta', false, async (key) => client.hget(k.meta, key)),

    setMeta: guarded('setMeta', true, async (key, value) => {
      await step([['hset', k.meta, key, value]])
    }),

    publish: guarded('publish', false, async (event) => {
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
