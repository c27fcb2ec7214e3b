// The 200 an auth request gets when the request it stands for may go on: the headers the front proxy
// sets on that request, and the ones it adds to the client's response. They say what the proxy scope
// would do itself before forwarding (proxy/plugin.ts with proxy/headers.ts), header by header:
//   identity headers   restgate's own values (upstream/identity.ts), set only when restgate vouches
//   Authorization      the client's, only when Jira is to check it (a Jira password or personal access
//                      token); absent when restgate consumed it, or vouches for the caller
//   Cookie             the client's, without restgate's session cookie; absent when nothing is left
// The front proxy replaces the client's copy of each of these with the answer's, and removes it when the
// answer has none: nginx `proxy_set_header NAME $captured` (an empty value sends no header), Traefik
// `authResponseHeaders`. Envoy keeps a header the answer does not set, so for Envoy the answer names the
// ones to remove in `x-envoy-auth-headers-to-remove`.
// For the client's response: a Kerberos login's mutual-authentication token (`WWW-Authenticate:
// Negotiate <token>`) and a new session's Set-Cookie.
import type { AuthSuccess } from '../model/identity.js'
import type { Policy } from '../policy/compile.js'
import { removeCookie } from '../proxy/headers.js'
import { identityHeaderValues, type IdentitySigner, type SignedRequest } from '../upstream/identity.js'
import { normalizeHeaderName } from '../upstream/header-names.js'

export const ENVOY_HEADERS_TO_REMOVE = 'x-envoy-auth-headers-to-remove'

export interface AnswerInput {
  readonly policy: Policy
  /** Who restgate vouches for, or null for a request that goes on without identity. */
  readonly auth: AuthSuccess | null
  /** The original request's Authorization and Cookie headers. */
  readonly authorization: string | undefined
  readonly cookie: string | undefined
  /** restgate's session cookie name: removed from the Cookie the upstream sees, sessions on or off. */
  readonly sessionCookie: string | undefined
  readonly signer: IdentitySigner | undefined
  /** The original request as the front proxy forwards it: what the signed assertion covers. */
  readonly request: SignedRequest
  /** Envoy: name every governed header the answer does not set, for removal. */
  readonly envoy: boolean
  /** Passed on as anonymous: an Authorization header then carries no credential and goes nowhere (as proxied). */
  readonly anonymous: boolean
}

/** The answer's headers as a flat [name, value, ...] list, ready for writeHead. */
export function answerHeaders(a: AnswerInput): string[] {
  const auth = a.auth
  const out = auth === null ? [] : identityHeaderValues(a.policy.config.identity, auth.identity, a.signer, a.request)
  if (auth !== null) {
    const response = auth.responseHeaders
    if (response !== undefined) {
      for (const name in response) {
        const v = response[name]!
        if (typeof v === 'string') out.push(name, v)
        else for (const one of v) out.push(name, one)
      }
    }
  } else if (a.authorization !== undefined && !a.anonymous) {
    out.push('authorization', a.authorization)
  }
  if (a.cookie !== undefined) {
    const kept = a.sessionCookie === undefined ? a.cookie : removeCookie(a.cookie, a.sessionCookie)
    if (kept !== null) out.push('cookie', kept)
  }
  if (a.envoy) {
    const set = new Set<string>()
    for (let i = 0; i < out.length; i += 2) set.add(normalizeHeaderName(out[i]!))
    const remove: string[] = []
    for (const name of a.policy.identityHeaders) if (!set.has(name)) remove.push(name)
    if (!set.has('authorization') && a.authorization !== undefined) remove.push('authorization')
    if (!set.has('cookie') && a.cookie !== undefined) remove.push('cookie')
    if (remove.length > 0) out.push(ENVOY_HEADERS_TO_REMOVE, remove.join(', '))
  }
  return out
}
