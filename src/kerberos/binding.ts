// The only module that loads the `kerberos` native package. It is an optionalDependency: where it failed
// to build (no libkrb5-dev, no compiler), restgate still runs without Kerberos, and enabling Kerberos
// fails at check-config and start-up with this module's explanation instead of a stack trace.
// The types below are the part of the package restgate uses (its own index.d.ts has more).

export interface GssServerContext {
  /** Resolves to the base64 response token (mutual authentication), or null when there is none. */
  step(token: string): Promise<string | null>
  readonly username: string | null
  readonly targetName: string | null
  readonly contextComplete: boolean
}

export interface GssClientContext {
  step(challenge: string): Promise<string>
  readonly contextComplete: boolean
  readonly username: string
}

export interface KerberosBinding {
  initializeServer(service: string): Promise<GssServerContext>
  /** Used by the test suite and the benchmark to act as a client. */
  initializeClient(service: string, options?: { principal?: string; mechOID?: number; flags?: number }): Promise<GssClientContext>
  readonly GSS_MECH_OID_SPNEGO: number
  readonly GSS_MECH_OID_KRB5: number
  readonly GSS_C_MUTUAL_FLAG: number
  readonly GSS_C_SEQUENCE_FLAG: number
  readonly version: string
}

export type BindingLoad = { readonly ok: true; readonly binding: KerberosBinding } | { readonly ok: false; readonly reason: string }

export type BindingLoader = () => Promise<BindingLoad>

export const BINDING_MISSING_HELP =
  'install the Kerberos development files and a compiler (Debian: apt-get install libkrb5-dev g++ make), ' +
  'then run "npm rebuild kerberos" in the restgate directory'

// A variable specifier keeps the compiler from requiring the package: it may be absent where it failed to build.
const PACKAGE = 'kerberos'

/** Loads the package; Node's module cache makes every later call free. */
export const loadKerberosBinding: BindingLoader = async () => {
  try {
    const mod = (await import(PACKAGE)) as { default?: KerberosBinding } & KerberosBinding
    const binding = mod.default ?? mod
    if (typeof binding.initializeServer !== 'function') return { ok: false, reason: 'the kerberos package has no initializeServer' }
    return { ok: true, binding }
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n', 1)[0]! }
  }
}
