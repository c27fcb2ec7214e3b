// The order of the auth chains, decided here and nowhere else. First match wins; a refusal stops the chain.
//   proxy (and the session resource): session cookie, API token, Kerberos
//   management API and token page: session cookie (CSRF-checked on changes), API token, Kerberos, and a
//     Jira password, which only the management API accepts (in the proxy a password is Jira's business)
import type { Authenticator } from '../auth/types.js'

export interface ChainParts {
  readonly session: Authenticator
  /** The session cookie as the management API and the page read it: on any path, CSRF-checked on changes. */
  readonly pageSession: Authenticator
  readonly token: Authenticator
  readonly kerberos: Authenticator
  readonly jiraPassword: Authenticator
}

export interface Chains {
  readonly proxy: readonly Authenticator[]
  readonly api: readonly Authenticator[]
  readonly page: readonly Authenticator[]
}

/** `replace`: a test's stand-in chain for the proxy and the API; the page keeps its session first. */
export function authChains(parts: ChainParts, replace?: readonly Authenticator[]): Chains {
  if (replace !== undefined) return { proxy: replace, api: replace, page: [parts.pageSession, ...replace] }
  const api = [parts.pageSession, parts.token, parts.kerberos, parts.jiraPassword]
  return { proxy: [parts.session, parts.token, parts.kerberos], api, page: api }
}
