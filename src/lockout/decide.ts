// Pure lockout decisions. Failed logins are counted in two fixed windows that start at the first failure:
// one per user (whatever the address: guessing one account from many places) and one per client address
// (whatever the user: spraying one password over many accounts). Either reaching `lockout.maxFailures`
// locks until its window ends.
import { rgError, type RgError } from '../errors.js'
import type { CounterState } from '../store/types.js'

export const userCounterKey = (user: string): string => `lockout:user:${user}`
export const ipCounterKey = (ip: string): string => `lockout:ip:${ip}`

export function isLocked(counter: CounterState | null, maxFailures: number, now: number): boolean {
  return counter !== null && counter.resetAt > now && counter.count >= maxFailures
}

/** Whole seconds until the latest of the locking windows ends (at least 1). */
export function retryAfterSeconds(resetAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000))
}

/**
 * The refusal, shaped like Jira's own (Seraph answers `X-Seraph-LoginReason: AUTHENTICATION_DENIED` when a
 * login needs a CAPTCHA), so existing scripts recognise it; `Retry-After` (RFC 9110 §10.2.3) says when.
 */
export function lockedOut(resetAt: number, now: number): RgError {
  return rgError('RG_ERR_LOCKED_OUT', undefined, {
    'x-seraph-loginreason': 'AUTHENTICATION_DENIED',
    'retry-after': String(retryAfterSeconds(resetAt, now)),
  })
}
