// Slow request bodies (slowloris on the body, or a client that stalls): a body must keep arriving. No pause
// longer than server.bodyTimeout, and, beyond that first allowance, at least server.minBodyRate bytes a
// second on average: the model of Apache's mod_reqtimeout (`body=20,MinRate=500`), so a client cannot hold
// a connection (and, on the proxy, an upstream connection) for server.requestTimeout by sending a byte a
// second. Node bounds only the whole request (requestTimeout); header time is its headersTimeout.
//
// Only the client's time counts: while restgate itself is not reading the body (the request waits for an
// upstream connection, or the upstream is slow to take it and backpressure pauses the stream) the clock
// stops. Watching costs a Set entry per request with a body and one sweep of those entries a fraction of
// bodyTimeout apart, never a timer per request; a request without a body is never watched.
import type { IncomingMessage } from 'node:http'

export interface BodyLimits {
  /** The longest pause allowed, and the allowance before the rate counts; 0 switches both rules off. */
  readonly timeoutMs: number
  /** Bytes a second, averaged over the body; 0 switches the rate rule off. */
  readonly minRate: number
}

export interface BodyProgress {
  /** Milliseconds during which restgate was reading the body. */
  readonly activeMs: number
  /** Of those, the milliseconds since bytes last arrived. */
  readonly idleMs: number
  readonly received: number
}

export type SlowBody = 'idle' | 'rate'

/** Pure: whether a body that made this progress is too slow, and by which rule. */
export function bodyTooSlow(p: BodyProgress, limits: BodyLimits): SlowBody | undefined {
  if (limits.timeoutMs === 0) return undefined
  if (p.idleMs > limits.timeoutMs) return 'idle'
  if (limits.minRate > 0 && p.activeMs > limits.timeoutMs + (p.received * 1000) / limits.minRate) return 'rate'
  return undefined
}

interface Watched<T> {
  readonly owner: T
  readonly req: IncomingMessage
  readonly limits: BodyLimits
  lastBytes: number
  received: number
  activeMs: number
  idleMs: number
}

export interface BodyWatch<T> {
  /**
   * Watches a request whose body is still arriving, until it has all arrived or the request is gone;
   * `owner` (the Fastify reply) is what the watch hands back when the body is too slow.
   */
  watch(owner: T, req: IncomingMessage, limits: BodyLimits): void
  /** Stops sweeping (the server is closing). */
  close(): void
}

/** The sweep interval for these limits: a quarter of the pause allowed, between 50 ms and a second. */
export function sweepInterval(limits: BodyLimits): number {
  return Math.min(1000, Math.max(50, Math.floor(limits.timeoutMs / 4)))
}

/** `onSlow` answers the request (408, the connection closed); the request is no longer watched then. */
export function createBodyWatch<T>(onSlow: (owner: T, why: SlowBody) => void): BodyWatch<T> {
  const watched = new Set<Watched<T>>()
  let timer: NodeJS.Timeout | undefined
  let last = 0

  function sweep(): void {
    const now = performance.now()
    const elapsed = now - last
    last = now
    for (const w of watched) {
      const { req } = w
      if (req.complete || req.destroyed) {
        watched.delete(w)
        continue
      }
      // The socket's own count: it grows as the client's bytes are read, whoever consumes the stream.
      const bytes = req.socket?.bytesRead ?? w.lastBytes
      const arrived = bytes - w.lastBytes
      w.lastBytes = bytes
      w.received += arrived
      if (arrived > 0) w.idleMs = 0
      // Flowing: a consumer (the forwarder, a body parser) is taking the body now, so waiting is the client's.
      if (req.readableFlowing === true) {
        w.activeMs += elapsed
        if (arrived === 0) w.idleMs += elapsed
      }
      const why = bodyTooSlow(w, w.limits)
      if (why !== undefined) {
        watched.delete(w)
        onSlow(w.owner, why)
      }
    }
    if (watched.size === 0) stop()
  }

  function stop(): void {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }

  return {
    watch(owner, req, limits) {
      if (limits.timeoutMs === 0 || req.complete) return
      watched.add({ owner, req, limits, lastBytes: req.socket?.bytesRead ?? 0, received: 0, activeMs: 0, idleMs: 0 })
      if (timer !== undefined) return
      last = performance.now()
      timer = setInterval(sweep, sweepInterval(limits))
      timer.unref()
    },
    close() {
      stop()
      watched.clear()
    },
  }
}
