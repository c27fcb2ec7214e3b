// The ioredis connection for the policy's `store.redis`: a URL, Sentinel (`sentinels` + `name`) or Cluster.
// Tuned to fail fast and heal by itself: no offline queue (a command while disconnected is refused at once
// rather than held), a short command timeout (a hung server cannot stall requests), one attempt per
// command, and reconnection forever with a capped back-off. Callers turn the refusals into 503s.
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { DEFAULT_REPLICA_TIMEOUT, type Config } from '../config/schema.js'
import { durationMs } from '../config/duration.js'
import { readSecretFile } from '../config/secret-file.js'

type PolicyRedis = NonNullable<Config['store']['redis']>
/** The policy's `store.redis`; the replica timeout may be left out by callers that build one by hand. */
export type RedisConfig = Omit<PolicyRedis, 'replicaTimeout'> & Partial<Pick<PolicyRedis, 'replicaTimeout'>>
export type RedisClient = Redis | Cluster

export interface RedisTimeouts {
  readonly commandTimeoutMs: number
  readonly connectTimeoutMs: number
  /** Longest pause between reconnection attempts. */
  readonly maxBackoffMs: number
}

export const DEFAULT_TIMEOUTS: RedisTimeouts = { commandTimeoutMs: 1000, connectTimeoutMs: 2000, maxBackoffMs: 1000 }

/** What a confirmed write waits for (see redis-durable.ts). */
export interface Durability {
  /** Replicas that must hold a write before it is confirmed (`WAIT numreplicas`); 0 waits for none. */
  readonly minReplicas: number
  readonly timeoutMs: number
}

/** The policy's `minReplicas`, or its default for the mode: a failover promotes a replica, a lone server has none. */
export function durabilityOf(config: RedisConfig): Durability {
  const minReplicas = config.minReplicas ?? (config.sentinels !== undefined || config.cluster !== undefined ? 1 : 0)
  return { minReplicas, timeoutMs: durationMs(config.replicaTimeout ?? DEFAULT_REPLICA_TIMEOUT) }
}

export function tlsOptions(config: RedisConfig): ConnectionOptions | undefined {
  const tls = config.tls
  const wantsTls = tls !== undefined || config.url?.startsWith('rediss://') === true
  if (!wantsTls) return undefined
  return {
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    ...(tls?.ca !== undefined ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls?.cert !== undefined ? { cert: readFileSync(tls.cert) } : {}),
    ...(tls?.key !== undefined ? { key: readFileSync(tls.key) } : {}),
  }
}

export function backoff(maxMs: number) {
  return (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 10), maxMs)
}

/** The password from the policy or its file (read once, when the client is made: a change needs a restart). */
function secretOf(value: string | undefined, file: string | undefined): string | undefined {
  return file !== undefined ? readSecretFile(file) : value
}

function commonOptions(config: RedisConfig, t: RedisTimeouts): RedisOptions {
  const tls = tlsOptions(config)
  const password = secretOf(config.password, config.passwordFile)
  return {
    commandTimeout: t.commandTimeoutMs,
    connectTimeout: t.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    connectionName: 'restgate',
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls !== undefined ? { tls } : {}),
  }
}

/** One client for commands; `duplicate()` gives the subscriber connection. */
export function createRedisClient(config: RedisConfig, timeouts: RedisTimeouts = DEFAULT_TIMEOUTS): RedisClient {
  const common = commonOptions(config, timeouts)
  if (config.cluster !== undefined) {
    const options: ClusterOptions = {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: backoff(timeouts.maxBackoffMs),
      // Fail fast here too: a command for a slot whose master just died is refused (503), not held and
      // resent until a replica takes over. The failure makes the store refresh the slot map instead.
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      slotsRefreshTimeout: timeouts.commandTimeoutMs,
      redisOptions: common,
      // Managed TLS clusters announce node addresses that only match the certificate by name.
      ...(common.tls !== undefined ? { dnsLookup: (address, done) => done(null, address) } : {}),
    }
    return new Cluster(
      config.cluster.map((n) => ({ host: n.host, port: n.port })),
      options,
    )
  }
  const options: RedisOptions = {
    ...common,
    enableOfflineQueue: false,
    retryStrategy: backoff(timeouts.maxBackoffMs),
    ...(config.db !== undefined ? { db: config.db } : {}),
  }
  if (config.sentinels !== undefined) {
    // The Sentinels' own credentials are apart from the master's: a Sentinel with requirepass refuses
    // SENTINEL get-master-addr-by-name from a client that sends none.
    const sentinelPassword = secretOf(config.sentinelPassword, config.sentinelPasswordFile)
    return new Redis({
      ...options,
      // A master Sentinel has turned into a replica refuses writes with READONLY: connect again, which asks
      // the sentinels for the master. The command is not resent. (With a url there is nobody else to ask.)
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
      sentinels: config.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: config.name!,
      ...(config.sentinelUsername !== undefined ? { sentinelUsername: config.sentinelUsername } : {}),
      ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
      sentinelRetryStrategy: backoff(timeouts.maxBackoffMs),
      ...(common.tls !== undefined ? { enableTLSForSentinelMode: true, sentinelTLS: common.tls } : {}),
    })
  }
  return new Redis(config.url!, options)
}

/** Resolves when the client is ready, or after `timeoutMs` either way (it keeps connecting in the background). */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady)
      resolve(false)
    }, timeoutMs)
    const onReady = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    client.once('ready', onReady)
  })
}

/**
 * ioredis leaves a client in status "end" when a connect attempt is cut short (a disconnect while it was
 * still asking the sentinels, say), and an ended client never connects again. restgate does not give up
 * on its store: an end it did not ask for is followed by a fresh connect.
 */
export function keepConnecting(client: RedisClient, delayMs: number, closed: () => boolean): void {
  client.on('end', () => {
    if (closed()) return
    setTimeout(() => {
      if (!closed() && client.status === 'end') client.connect().catch(() => undefined)
    }, delayMs).unref()
  })
}
