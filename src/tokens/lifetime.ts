// How long a token lives: pure decisions on the policy's apiTokens lifetimes and what the caller asked for.
import { rgError, type RgError } from '../errors.js'

export const DAY_MS = 86_400_000

export interface LifetimePolicy {
  readonly defaultLifetimeDays: number
  readonly maxLifetimeDays: number
  readonly allowNonExpiring: boolean
}

export interface LifetimeRequest {
  readonly validForDays?: number | undefined
  readonly isValidForever?: boolean | undefined
}

/** Whole days, or null for a token that never expires. */
export type Lifetime = { readonly ok: true; readonly days: number | null } | { readonly ok: false; readonly error: RgError }

export function decideLifetime(policy: LifetimePolicy, request: LifetimeRequest): Lifetime {
  if (request.isValidForever === true) {
    if (policy.allowNonExpiring) return { ok: true, days: null }
    return {
      ok: false,
      error: rgError(
        'RG_ERR_TOKEN_LIFETIME',
        `Tokens that never expire are not allowed here: the longest lifetime is ${policy.maxLifetimeDays} days`,
      ),
    }
  }
  const days = request.validForDays ?? policy.defaultLifetimeDays
  if (!Number.isInteger(days) || days < 1) {
    return { ok: false, error: rgError('RG_ERR_BAD_REQUEST', 'validForDays must be a whole number of days, 1 or more') }
  }
  if (days > policy.maxLifetimeDays) {
    return {
      ok: false,
      error: rgError(
        'RG_ERR_TOKEN_LIFETIME',
        `A lifetime of ${days} days (validForDays) is over the limit of ${policy.maxLifetimeDays} days (apiTokens.maxLifetimeDays)`,
      ),
    }
  }
  return { ok: true, days }
}

export function expiryFor(days: number | null, now: number): number | null {
  return days === null ? null : now + days * DAY_MS
}

/**
 * A refresh extends by the token's original lifetime from now, never beyond today's maximum (the policy
 * may have been tightened since). A token that never expires stays so.
 */
export function refreshedExpiry(policy: LifetimePolicy, lifetimeDays: number | null, now: number): number | null {
  if (lifetimeDays === null) return null
  return now + Math.min(lifetimeDays, policy.maxLifetimeDays) * DAY_MS
}

export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && now >= expiresAt
}
