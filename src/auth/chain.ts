// Runs the authenticators in order; the first that recognises its credential decides. A refusal stops the
// chain: a bad credential never falls through to anonymous access.
import { RgError } from '../errors.js'
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js'

/** A refusal names the authenticator that made it (restgate_auth_failures_total{method}). */
function named(outcome: AuthOutcome, by: Authenticator): AuthOutcome {
  if (outcome instanceof RgError) outcome.refusedBy ??= by.name
  return outcome
}

/**
 * Answered synchronously for as long as the authenticators answer synchronously: a request
 * with no credential (or one an authenticator rules on without waiting) then costs no promise and no
 * microtask hop on the forwarding path. The first authenticator that has to wait turns the rest async.
 */
export function runChainFrom(authenticators: readonly Authenticator[], start: number, req: AuthRequest): AuthOutcome | Promise<AuthOutcome> {
  for (let i = start; i < authenticators.length; i++) {
    const authenticator = authenticators[i]!
    const result = authenticator.authenticate(req)
    if (result instanceof Promise) {
      return result.then((outcome) => (outcome !== undefined ? named(outcome, authenticator) : runChainFrom(authenticators, i + 1, req)))
    }
    if (result !== undefined) return named(result, authenticator)
  }
  return undefined
}
