// Runs the authenticators in order; the first that recognises its credential decides. A refusal stops the
// chain: a bad credential never falls through to anonymous access.
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js'

export async function runChain(authenticators: readonly Authenticator[], req: AuthRequest): Promise<AuthOutcome> {
  for (let i = 0; i < authenticators.length; i++) {
    const result = authenticators[i]!.authenticate(req)
    const outcome = result instanceof Promise ? await result : result
    if (outcome !== undefined) return outcome
  }
  return undefined
}
