// What a policy loads besides its own text: the identity-signing key and Kerberos (keytab, service key,
// replay cache directory, native module). Prepared at start-up and again before every reload goes into
// force, committed only with the new policy; a reload whose material changed (a rotated key or keytab)
// is applied even when the text is the same.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Problem } from './problems.js'
import type { PrepareOutcome } from './prepare.js'
import type { Config } from './schema.js'
import type { SignerBox } from '../upstream/signer-box.js'
import { prepareKerberos, type KerberosHolder, type KerberosState } from '../kerberos/setup.js'

export interface PolicyMaterial {
  prepare(config: Config): Promise<PrepareOutcome>
  /** Only the checks without side effects (Kerberos sets libkrb5's environment, so it is left out). */
  precheck(config: Config): readonly Problem[]
}

function kerberosFingerprint(state: KerberosState | undefined): string {
  if (state === undefined) return 'none'
  let keys = ''
  try {
    keys = createHash('sha256').update(readFileSync(state.keytab)).digest('hex')
  } catch {
    // Just read by prepareKerberos; if it vanished since, the next reload reports it.
  }
  return `${state.keytab}|${state.servicePrincipal}|${state.replayCacheDir}|${keys}`
}

export function createPolicyMaterial(signer: SignerBox, kerberos: KerberosHolder): PolicyMaterial {
  return {
    async prepare(config) {
      const key = signer.prepare(config)
      if ('problems' in key) return key
      const krb = await prepareKerberos(config, { env: process.env, createReplayCacheDir: true })
      if (!krb.ok) return { problems: krb.problems }
      return {
        fingerprint: `${key.fingerprint}:${kerberosFingerprint(krb.state)}`,
        commit: () => {
          key.commit()
          kerberos.current = krb.state
        },
      }
    },
    precheck(config) {
      const key = signer.prepare(config)
      return 'problems' in key ? key.problems : []
    },
  }
}
