// The identity-signing key, reloadable: a reload re-reads identity.signing.keyFile, so a key is rotated by
// replacing the file and saving the policy (or SIGHUP). A key that cannot be read or is too short refuses
// the whole reload, like any other bad value, and the key in force stays.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Clock } from '../clock.js'
import type { Config } from '../config/schema.js'
import type { PrepareOutcome } from '../config/prepare.js'
import { MIN_SIGNING_KEY_BYTES, signerFromKey, type IdentitySigner } from './identity.js'

export interface SignerBox extends IdentitySigner {
  prepare(config: Config): PrepareOutcome
}

const KEY_PATH = 'identity.signing.keyFile'

export function createSignerBox(clock: Clock): SignerBox {
  // Kept when a reload removes identity.signing: a request that started under the old policy still
  // signs. Requests under the new policy do not ask (identityHeaderValues reads the identity section of the request's own policy).
  let current: IdentitySigner | undefined
  return {
    sign(user, method, request) {
      // Only reachable if a policy with signing were in force without its key: never send unsigned then.
      if (current === undefined) throw new Error('identity signing is configured but no key is loaded')
      return current.sign(user, method, request)
    },
    prepare(config) {
      const signing = config.identity.signing
      if (signing === undefined) return { fingerprint: 'none', commit: () => undefined }
      let key: Buffer
      try {
        key = readFileSync(signing.keyFile)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error'
        return { problems: [{ path: KEY_PATH, message: `cannot read ${signing.keyFile} (${code})` }] }
      }
      if (key.length < MIN_SIGNING_KEY_BYTES) {
        return { problems: [{ path: KEY_PATH, message: `${signing.keyFile} must hold at least ${MIN_SIGNING_KEY_BYTES} bytes of key` }] }
      }
      const fingerprint = createHash('sha256').update(key).digest('hex')
      return { fingerprint, commit: () => void (current = signerFromKey(key, clock)) }
    },
  }
}
