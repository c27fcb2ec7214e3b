// What a policy loads besides its own text: the identity-signing key, the OAuth key and Kerberos (keytab, service key,
// replay cache directory, native module). Prepared at start-up and again before every reload goes into
// force, committed only with the new policy; a reload whose material changed (a rotated key or keytab)
// is applied even when the text is the same.
//
// libkrb5 gets KRB5_KTNAME and KRB5RCACHEDIR from the policy here (process.env is the environment the C
// library reads), so the keytab, its service key, the replay cache directory and the native module are
// checked before anything listens; a key or keytab is rotated with SIGHUP.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import { ConfigError, type Problem } from '../config/problems.js'
import type { PrepareOutcome } from '../config/prepare.js'
import type { Config } from '../config/schema.js'
import { createSignerBox, type SignerBox } from '../upstream/signer-box.js'
import { createOAuthBox, type OAuthBox } from '../upstream/oauth-box.js'
import { prepareSigningKeys } from '../upstream/keys.js'
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

export function createPolicyMaterial(signer: SignerBox, oauth: OAuthBox, kerberos: KerberosHolder): PolicyMaterial {
  return {
    async prepare(config) {
      const keys = prepareSigningKeys(signer, oauth, config)
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
      const keys = prepareSigningKeys(signer, oauth, config)
      return 'problems' in keys ? keys.problems : []
    },
  }
}

/** The material in force: the signing key, the OAuth key and Kerberos, swapped by a reload's commit. */
export interface Material extends PolicyMaterial {
  readonly signer: SignerBox
  readonly oauth: OAuthBox
  readonly kerberos: KerberosHolder
  /** Of the material prepared at start-up: a reload compares against it. */
  readonly fingerprint: string
}

/** Prepares and commits the start-up policy's material; a ConfigError when the policy cannot have it. */
export async function prepareMaterial(config: Config, clock: Clock, logger: Logger): Promise<Material> {
  const kerberos: KerberosHolder = { current: undefined }
  const signer = createSignerBox(clock)
  const oauth = createOAuthBox(clock)
  const material = createPolicyMaterial(signer, oauth, kerberos)
  const boot = await material.prepare(config)
  if ('problems' in boot) throw new ConfigError(boot.problems)
  boot.commit()
  if (kerberos.current !== undefined) {
    const { keytab, principals, servicePrincipal, replayCacheDir } = kerberos.current
    logger.info({ keytab, principals, servicePrincipal: servicePrincipal || '(any key in the keytab)', replayCacheDir }, 'Kerberos ready')
  }
  return { ...material, signer, oauth, kerberos, fingerprint: boot.fingerprint }
}
