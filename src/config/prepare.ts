// What a policy loads besides its own text (the identity-signing key, a keytab): prepared before the
// policy goes into force, at start-up and before every reload, and committed only with it. The contract
// between the reloader and whatever loads such material, so neither has to know the other.
import type { Problem } from './problems.js'

export interface Prepared {
  /** Changes when the loaded material changes (a digest, never the secret itself). */
  readonly fingerprint: string
  commit(): void
}

export type PrepareOutcome = Prepared | { readonly problems: readonly Problem[] }
