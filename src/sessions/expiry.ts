// Pure session timing decisions. Idle expiry slides with use; absolute expiry never moves.

export type SessionState = 'valid' | 'idle' | 'absolute'

export interface SessionTiming {
  readonly idleMs: number
  readonly absoluteMs: number
}

export function sessionState(absoluteExpiresAt: number, lastSeenAt: number, now: number, idleMs: number): SessionState {
  if (now >= absoluteExpiresAt) return 'absolute'
  if (now - lastSeenAt >= idleMs) return 'idle'
  return 'valid'
}

/**
 * How often a session in use writes its "last seen" time to the store: a quarter of the idle timeout (at
 * least a second). So other instances and a restarted restgate see it at most that much older than it is,
 * and a session in steady use costs one store write per interval instead of one per request.
 */
export function touchIntervalMs(idleMs: number): number {
  return Math.max(1000, Math.floor(idleMs / 4))
}

/** How long a validated session is trusted from memory before the store is read again. */
export function cacheTtlMs(idleMs: number): number {
  return Math.min(60_000, touchIntervalMs(idleMs))
}
