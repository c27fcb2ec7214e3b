// The identity headers restgate sends upstream, and the optional signed assertion that lets Jira check
// they came from restgate (its format in ./assertion.ts).
import type { Identity } from '../model/identity.js'
import type { Config } from '../config/schema.js'
import type { Clock } from '../clock.js'
import { newNonce, signAssertion, type SignedRequest } from './assertion.js'

export type { SignedRequest } from './assertion.js'

export interface IdentitySigner {
  /** An assertion that `user`, authenticated by `method`, makes exactly this request. */
  sign(user: string, method: string, request: SignedRequest): string
}

/** Shortest key accepted: HMAC-SHA-256 with less than its output size in key is weaker than it looks. */
export const MIN_SIGNING_KEY_BYTES = 32

export function signerFromKey(key: Buffer, clock: Clock, nonce: () => string = newNonce): IdentitySigner {
  return {
    sign(user, method, request) {
      return signAssertion(key, { user, method, ts: clock.now(), nonce: nonce() }, request)
    },
  }
}

/** [name, value, ...] pairs to append after every client copy was removed. */
export function identityHeaderValues(
  id: Config['identity'],
  identity: Identity,
  signer: IdentitySigner | undefined,
  request: SignedRequest,
): string[] {
  const out = [id.userHeader, identity.user, id.methodHeader, identity.method]
  if (id.groupsHeader !== undefined && identity.groups !== undefined) {
    out.push(id.groupsHeader, groupsHeaderValue(identity.groups))
  }
  if (signer !== undefined && id.signing !== undefined) {
    out.push(id.signing.header, signer.sign(identity.user, identity.method, request))
  }
  return out
}

/**
 * Group names, comma-separated, each with `,`, `%`, controls and non-ASCII percent-encoded (UTF-8).
 * A raw comma would let a group named "x,jira-administrators" read as membership of jira-administrators;
 * header values go out as Latin-1, so a name with a character above U+00FF could not be sent at all
 * (undici refuses the whole request) and one in U+0080-U+00FF would arrive in a different encoding.
 */
export function groupsHeaderValue(groups: readonly string[]): string {
  const out: string[] = []
  for (const g of groups) {
    try {
      out.push(g.replace(/[^\x20-\x24\x26-\x2b\x2d-\x7e]/gu, (c) => encodeURIComponent(c)))
    } catch {
      // A lone surrogate cannot be encoded: such a name cannot be sent faithfully, so it is not sent.
    }
  }
  return out.join(',')
}
