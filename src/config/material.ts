// What a policy loads besides its own text: the identity-signing key, the OAuth key and Kerberos (keytab, service key,
// replay cache directory, native module). Prepared at start-up and again before every reload goes into
// force, committed only with the new policy; a reload whose material changed (a rotated key or keytab)
// is applied even when the text is the same.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Problem } from './problems.js'
import type { PrepareOutcome } from './reloader.js'
import type { Config } from './schema.js'
import { createSignerBox, type SignerBox } from '../proxy/signer-box.js'
import { createOAuthBox, type OAuthBox } from '../upstream/oauth-box.js'
import { systemClock } from '../clock.js'
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

/** Both keys' problems together, so one reload or check says everything that is wrong. */
function prepareKeys(signer: SignerBox, oauth: OAuthBox, config: Config): PrepareOutcome {
  const key = signer.prepare(config)
  const rsa = oauth.prepare(config)
  if ('problems' in key || 'problems' in rsa) {
    return { problems: [...('problems' in key ? key.problems : []), ...('problems' in rsa ? rsa.problems : [])] }
  }
  return {
    fingerprint: `${key.fingerprint}:${rsa.fingerprint}`,
    commit: () => {
      key.commit()
      rsa.commit()
    },
  }
}

export function createPolicyMaterial(signer: SignerBox, oauth: OAuthBox, kerberos: KerberosHolder): PolicyMaterial {
  return {
    async prepare(config) {
      const keys = prepareKeys(signer, oauth, config)
      if ('problems' in keys) return keys
      const krb = await prepareKerberos(config, { env: process.env, createReplayCacheDir: true })
      if (!krb.ok) return { problems: krb.problems }
      return {
        fingerprint: `${keys.fingerprint}:${kerberosFingerprint(krb.state)}`,
        commit: () => {
          keys.commit()
          kerberos.current = krb.state
        },
      }
    },
    precheck(config) {
      const keys = prepareKeys(signer, oauth, config)
      return 'problems' in keys ? keys.problems : []
    },
  }
}

/** The signing and OAuth keys a policy names, checked as start-up would (for check-config and snapshots). */
export function checkKeyMaterial(config: Config): readonly Problem[] {
  const keys = prepareKeys(createSignerBox(systemClock), createOAuthBox(systemClock), config)
  return 'problems' in keys ? keys.problems : []
}
