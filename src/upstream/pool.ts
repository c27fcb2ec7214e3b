// The keep-alive connection pool to Jira / Confluence.
import { readFileSync } from 'node:fs'
import { Pool } from 'undici'
import type { Config } from '../config/schema.js'
import { durationMs } from '../config/duration.js'
import { createUpstreamQueue, type UpstreamQueue } from './queue.js'

export interface Upstream {
  readonly origin: string
  /** `host[:port]` of the upstream, for the Host header when it is not preserved. */
  readonly host: string
  readonly pool: Pool
  /** Admission to the pool for forwarded requests: one exchange per connection, then a bounded wait. */
  readonly queue: UpstreamQueue
  close(): Promise<void>
}

export function createUpstream(config: Config['upstream']): Upstream {
  const url = new URL(config.url)
  const tls = config.tls
  const pool = new Pool(url.origin, {
    connections: config.connections,
    pipelining: 1,
    connect: {
      timeout: durationMs(config.connectTimeout),
      ...(url.protocol === 'https:' && tls !== undefined
        ? {
            rejectUnauthorized: tls.rejectUnauthorized,
            ...(tls.ca !== undefined ? { ca: readFileSync(tls.ca) } : {}),
          }
        : {}),
    },
    // Upstream sockets idle longer than Tomcat's keepAliveTimeout would be closed under us mid-request.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 15_000,
  })
  return {
    origin: url.origin,
    host: url.host,
    pool,
    queue: createUpstreamQueue(config.connections),
    close: () => pool.close(),
  }
}
