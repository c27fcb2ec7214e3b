// The two keys restgate signs upstream requests with, prepared together so one reload, one check-config or one
// snapshot check reports every problem of both: the identity-signing key (identity.signing) and the OAuth key
// (identity.oauth). Committed together, so a reload never puts one in force without the other.
import type { Clock } from '../clock.js'
import type { Problem } from '../config/problems.js'
import type { PrepareOutcome } from '../config/prepare.js'
import type { Config } from '../config/schema.js'
import { createOAuthBox, type OAuthBox } from './oauth-box.js'
import { createSignerBox, type SignerBox } from './signer-box.js'

export function prepareSigningKeys(signer: SignerBox, oauth: OAuthBox, config: Config): PrepareOutcome {
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

/** The keys a policy names, checked as start-up would, without putting anything in force. */
export function checkSigningKeys(config: Config, clock: Clock): readonly Problem[] {
  const keys = prepareSigningKeys(createSignerBox(clock), createOAuthBox(clock), config)
  return 'problems' in keys ? keys.problems : []
}
