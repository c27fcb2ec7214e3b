// Following a Sentinel failover as soon as it is announced. ioredis asks the sentinels for the master only
// when it connects, so after a planned SENTINEL FAILOVER it stays on the old master, which takes writes
// until Sentinel reconfigures it seconds later (and then wipes them in the resync). WAIT refuses those
// writes (redis-durable.ts); this moves the connections to the new master when the sentinels announce it
// (`+switch-master`), so the refusals last as long as the switch, not until the demotion.
//
// ioredis' own `failoverDetector` disconnects on the same announcement whatever the client is doing. When
// the announcement comes while the client is still asking the sentinels for a master (after a crash of the
// master, it retries until the failover is done, which is exactly when the announcement comes), that ends
// the connect attempt with "Connection is closed", and ioredis leaves the client in status "end" for good:
// every request 503 until a restart. Here a client that is not connected is left alone (its next connect
// asks the sentinels, who already know) and checked again once it is ready; and a client that ends anyway
// is started again (keepConnecting in redis-client.ts).
import { isIP, type Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'

export interface SentinelFollowOptions {
  readonly sentinels: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly name: string
  /** The connections to keep on the master: commands, and the subscriber once it exists. */
  readonly clients: () => ReadonlyArray<Redis>
  readonly tls?: ConnectionOptions | undefined
  readonly connectTimeoutMs: number
  readonly retryStrategy: (attempt: number) => number
  /** A new master was announced (once per failover, however many sentinels announce it). */
  readonly onSwitch: (from: string, to: string) => void
  readonly logger?: Logger | undefined
}

export interface SentinelFollower {
  close(): void
}

const CHANNEL = '+switch-master'

interface Address {
  readonly host: string
  readonly port: number
}

/** True when connected there, false when elsewhere, undefined when a host name cannot be compared. */
function connectedTo(client: Redis, target: Address): boolean | undefined {
  const stream = (client as unknown as { stream?: Socket }).stream
  if (stream === undefined || stream.remotePort === undefined) return false
  if (stream.remotePort !== target.port) return false
  if (isIP(target.host) === 0) return undefined
  return stream.remoteAddress === target.host || stream.remoteAddress === `::ffff:${target.host}`
}

export function followSentinels(options: SentinelFollowOptions): SentinelFollower {
  const log = options.logger?.child({ component: 'store' })
  // Moves per client and announcement while the sentinels still disagree: each connect asks the next
  // sentinel, so this reaches the one that announced the switch.
  const maxMoves = options.sentinels.length + 2
  let target: Address | undefined
  const moves = new WeakMap<Redis, number>()
  const waiting = new WeakSet<Redis>()
  const watched = new WeakSet<Redis>()

  function move(client: Redis): void {
    if (target === undefined) return
    // Not connected: its next connect asks the sentinels. Disconnecting it now is what strands ioredis.
    if (client.status !== 'ready') {
      waiting.add(client)
      return
    }
    const there = connectedTo(client, target)
    const done = moves.get(client) ?? 0
    if (there === true || done >= (there === undefined ? 1 : maxMoves)) return
    moves.set(client, done + 1)
    waiting.add(client)
    client.disconnect(true)
  }

  function watch(client: Redis): void {
    if (watched.has(client)) return
    watched.add(client)
    client.on('ready', () => {
      if (!waiting.has(client)) return
      waiting.delete(client)
      move(client)
    })
  }

  function announced(message: string): void {
    const [name, oldHost, oldPort, newHost, newPort] = message.split(' ')
    if (name !== options.name || newHost === undefined || newPort === undefined) return
    const next = { host: newHost, port: Number(newPort) }
    if (target === undefined || target.host !== next.host || target.port !== next.port) {
      target = next
      for (const c of options.clients()) moves.delete(c)
      options.onSwitch(`${oldHost}:${oldPort}`, `${newHost}:${newPort}`)
    }
    for (const c of options.clients()) {
      watch(c)
      move(c)
    }
  }

  const watchers = options.sentinels.map((s) => {
    const sub = new Redis({
      host: s.host,
      port: s.port,
      connectionName: 'restgate-sentinel-watch',
      connectTimeout: options.connectTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: options.retryStrategy,
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
    })
    sub.on('error', () => undefined)
    // Subscribed on every ready: without an offline queue a SUBSCRIBE before the connection is refused.
    sub.on('ready', () => {
      sub.subscribe(CHANNEL).catch((err: Error) => log?.warn({ sentinel: `${s.host}:${s.port}`, err: err.message }, 'sentinel watch: subscribe failed; retrying on reconnect'))
    })
    sub.on('message', (channel: string, message: string) => {
      if (channel === CHANNEL) announced(message)
    })
    return sub
  })

  return {
    close() {
      for (const w of watchers) w.disconnect()
    },
  }
}
