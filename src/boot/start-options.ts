// What start() takes and what it gives back: the interface the CLI, the cluster workers, the benchmark and
// the tests use to run a restgate (main.ts builds it).
import type { FastifyInstance } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import type { ReadinessCheck } from '../admin/server.js'
import type { Authenticator } from '../auth/types.js'
import type { Clock } from '../clock.js'
import type { LockoutService } from '../lockout/service.js'
import type { Upstream } from '../upstream/pool.js'
import type { Metrics } from '../observability/metrics.js'
import type { ReloadResult } from '../reload/reloader.js'
import type { RuntimeHolder } from '../reload/runtime.js'
import type { Store } from '../store/types.js'
import type { SessionSetup } from './sessions.js'
import type { SnapshotSetup } from './snapshots.js'
import type { TokenSetup } from './tokens.js'

export interface StartOptions {
  readonly configPath: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly clock?: Clock
  /** Log destination; stdout (asynchronous) by default. */
  readonly logDestination?: DestinationStream
  /** Listen overrides, for tests that need free ports (0). */
  readonly port?: number
  readonly adminPort?: number
  readonly host?: string
  /**
   * A cluster worker (server.workers > 1): the primary serves the admin listener, so none here, and the
   * "listening" line is the primary's to write once every worker is up.
   */
  readonly worker?: boolean
  /** Replaces the authenticator chain built from the policy (tests that need a stand-in identity). */
  readonly authenticators?: readonly Authenticator[]
  /** Reload when the policy file changes (default on); `{ debounceMs }` sets the quiet period. */
  readonly watch?: boolean | { readonly debounceMs: number }
}

export interface Running {
  readonly app: FastifyInstance
  readonly admin: FastifyInstance | undefined
  readonly url: string
  readonly adminUrl: string | undefined
  readonly runtime: RuntimeHolder
  readonly logger: Logger
  readonly metrics: Metrics
  /** The pool to each product's upstream, with its admission queue, by product name. */
  readonly upstreams: ReadonlyMap<string, Upstream>
  readonly store: Store
  readonly tokens: TokenSetup
  readonly sessions: SessionSetup
  readonly lockout: LockoutService
  readonly snapshots: SnapshotSetup
  /** Readiness checks (the admin listener's /readyz), by name. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>
  reload(trigger: string): Promise<ReloadResult>
  /** Stops accepting, lets in-flight requests finish (bounded by server.drainTimeout), closes everything. */
  close(): Promise<void>
}
