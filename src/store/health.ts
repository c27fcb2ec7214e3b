// How the store is doing, seen from its own operations. Every failure is counted by operation and kind, a
// refused write goes on the audit stream (a 503 someone may ask about later), and the up gauge follows the
// last outcome: a failed write keeps it down until a write succeeds again (a read proves nothing about a
// full disk). Shared by both backends; each says what kind of failure an error is.
import type { Logger } from 'pino'
import type { Metrics } from '../observability/metrics.js'
import { auditLogger } from '../observability/logger.js'
import { StoreConflictError } from './types.js'

export type StoreMetrics = Pick<Metrics, 'storeErrors' | 'storeUp' | 'storeFailovers'>

/** The operation name of the write /readyz makes: counted and logged, but no client's write to audit. */
export const PROBE = 'probe'

export interface StoreHealthOptions {
  readonly backend: 'embedded' | 'redis'
  readonly logger?: Logger | undefined
  readonly metrics?: StoreMetrics | undefined
  /** A short, stable name for what went wrong (`disk-full`, `replica-timeout`, ...): a metric label. */
  readonly classify: (err: unknown) => string
}

interface Failure {
  readonly operation: string
  readonly kind: string
  readonly write: boolean
}

export interface StoreHealth {
  /** Records the outcome of one operation; conflicts are answers, not failures. */
  succeeded(write: boolean): void
  failed(operation: string, write: boolean, err: unknown): void
  /** The connection went away (Redis): down until something succeeds again. Not an operation's error. */
  disconnected(): void
  /** A master change the backend followed (Sentinel switch, Cluster slot owner). */
  failover(kind: string, detail: Readonly<Record<string, unknown>>): void
}

export function createStoreHealth(options: StoreHealthOptions): StoreHealth {
  const { backend, metrics, classify } = options
  const log = options.logger?.child({ component: 'store' })
  const audit = options.logger === undefined ? undefined : auditLogger(options.logger)
  let last: Failure | null = null
  metrics?.storeUp.set(1)

  const recover = (): void => {
    if (last === null) return
    if (last.write) log?.info({ backend }, 'store accepts writes again')
    last = null
    metrics?.storeUp.set(1)
  }

  const succeeded = (write: boolean): void => {
    // Hot path (every cache miss): nothing to do while all is well.
    if (last !== null && (write || !last.write)) recover()
  }

  return {
    succeeded,

    failed(operation, write, err) {
      if (err instanceof StoreConflictError) return succeeded(write)
      const kind = classify(err)
      metrics?.storeErrors.inc({ operation, kind })
      const message = (err as Error).message
      if (write) {
        if (operation !== PROBE) {
          audit?.warn({ event: 'store.write-refused', backend, operation, kind, err: message }, `store.write-refused: ${operation} (${kind})`)
        }
        if (last === null || !last.write) {
          log?.error({ backend, operation, kind, err: message }, 'store refuses writes: they are answered 503 until it accepts them again')
        }
      }
      if (last === null || write || !last.write) last = { operation, kind, write }
      metrics?.storeUp.set(0)
    },

    disconnected() {
      last ??= { operation: 'connection', kind: 'disconnected', write: false }
      metrics?.storeUp.set(0)
    },

    failover(kind, detail) {
      metrics?.storeFailovers.inc({ kind })
      log?.warn({ backend, kind, ...detail }, 'store failover: following the new master')
    },
  }
}
