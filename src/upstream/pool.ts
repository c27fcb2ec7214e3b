// The keep-alive connection pool to Jira / Confluence.
import { readFileSync } from 'node:fs'
import { Pool } from 'undici'
import type { Config } from '../config/schema.js'
import { durationMs } from '../config/duration.js'
import { createUpstreamQueue, type UpstreamQueue } from './queue.js'

/** One product's upstream section, in either form of the policy. */
export type UpstreamSection = NonNullable<Config['upstream']>

export interface Upstream {
  readonly origin: string
  /** `host[:port]` of the upstream, for the Host header when it is not preserved. */
  readonly host: string
  readonly pool: Pool
  /** How a connection of its own is made (a WebSocket upgrade): the pool's TLS and connect timeout. */
  readonly connect: { readonly https: boolean; readonly hostname: string; readonly port: number; readonly timeoutMs: number; readonly tls: { readonly ca?: Buffer; readonly rejectUnauthorized: boolean } }
  /** Admission to the pool for forwarded requests: one exchange per connection, then a bounded wait. */
  readonly queue: UpstreamQueue
  close(): Promise<void>
}

export function createUpstream(config: UpstreamSection, connections = config.connections): Upstream {
  // The origin only: a context path in the URL is part of every request's path, not of the pool.
  const url = new URL(config.url)
  const tls = config.tls
  const https = url.protocol === 'https:'
  const tlsOptions = { rejectUnauthorized: tls?.rejectUnauthorized ?? true, ...(tls?.ca !== undefined ? { ca: readFileSync(tls.ca) } : {}) }
  const timeoutMs = durationMs(config.connectTimeout)
  const pool = new Pool(url.origin, {
    connections,
    pipelining: 1,
    connect: { timeout: timeoutMs, ...(https ? tlsOptions : {}) },
    // Upstream sockets idle longer than Tomcat's keepAliveTimeout would be closed under us mid-request.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 15_000,
  })
  return {
    origin: url.origin,
    host: url.host,
    pool,
    connect: {
      https,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? (https ? 443 : 80) : Number(url.port),
      timeoutMs,
      tls: tlsOptions,
    },
    queue: createUpstreamQueue(connections),
    close: () => pool.close(),
  }
}
