// What went wrong with a Redis call, in the store's words: every failure becomes a StoreUnavailableError
// (callers answer 503), and its kind names the cause for metrics, the audit line and /readyz.
import { StoreConflictError, StoreUnavailableError } from './types.js'
import { ReplicaAckError } from './redis-durable.js'

const KINDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^READONLY/, 'read-only'],
  [/^NOREPLICAS/, 'no-replicas'],
  [/^OOM/, 'out-of-memory'],
  [/^MISCONF/, 'persistence-error'],
  [/^LOADING/, 'loading'],
  [/^(MOVED|ASK) /, 'cluster-redirect'],
  [/^(CLUSTERDOWN|TRYAGAIN)/, 'cluster-down'],
  [/^BUSY/, 'busy'],
  [/Command timed out/, 'timeout'],
  [/Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Cluster is (ended|disconnect)|startup nodes|All sentinels are unreachable/, 'disconnected'],
]

/** A failure after which a Cluster client should look at the slot map again (a node died or moved slots). */
export function needsSlotRefresh(err: unknown): boolean {
  const kind = classifyRedisError(err)
  return kind === 'disconnected' || kind === 'cluster-down' || kind === 'cluster-redirect' || kind === 'timeout'
}

export function classifyRedisError(err: unknown): string {
  const e = err instanceof StoreUnavailableError && err.cause !== undefined ? err.cause : err
  if (e instanceof ReplicaAckError) return 'replica-timeout'
  const message = (e as Error).message ?? ''
  for (const [pattern, kind] of KINDS) if (pattern.test(message)) return kind
  return 'error'
}

export function unavailable(err: unknown): Error {
  if (err instanceof StoreConflictError || err instanceof StoreUnavailableError) return err
  return new StoreUnavailableError(`redis store: ${(err as Error).message}`, { cause: err })
}
