// Pure decisions on (policy, canonical path, client IP, user agent, credential): which ways of logging in
// apply here, what happens to a request that no authenticator claimed, and the challenge of every 401
// restgate sends (the proxy's, the management API's, the token page's, an expired session's, a refused
// credential's).
import type { IncomingHttpHeaders } from 'node:http'
import { rgError, type RgError } from '../errors.js'
import { networkAllows } from '../match/cidr.js'
import type { Policy } from './compile.js'

export function kerberosApplies(p: Policy, path: string, ip: string): boolean {
  const k = p.kerberos
  return k.enabled && k.paths.matches(path) && !k.excludePaths.matches(path) && networkAllows(k.networks, ip)
}

/** A user-agent rule only suppresses the challenge; it never exempts a request from another rule. */
export function kerberosChallenges(p: Policy, path: string, ip: string, userAgent: string | undefined): boolean {
  return kerberosApplies(p, path, ip) && !p.kerberos.excludeUserAgents.matches(userAgent)
}

export function tokensApply(p: Policy, path: string): boolean {
  return p.apiTokens.enabled && p.apiTokens.paths.matches(path)
}

/** Paths where restgate decides who the caller is: `anonymous` and `passwords` apply here. */
export function isProtected(p: Policy, path: string): boolean {
  return (
    tokensApply(p, path) ||
    (p.kerberos.enabled && p.kerberos.paths.matches(path) && !p.kerberos.excludePaths.matches(path))
  )
}

/** Where Basic is worth offering to a script on a forwarded path: a token as the password, or Jira's own password. */
export function basicAccepted(p: Policy, path: string): boolean {
  return tokensAcceptBasic(p, path) || p.config.passwords === 'passthrough'
}

function tokensAcceptBasic(p: Policy, path: string): boolean {
  return tokensApply(p, path) && p.config.apiTokens.basic
}

export interface UnclaimedRequest {
  readonly path: string
  readonly ip: string
  readonly userAgent: string | undefined
  /** Lower-case scheme of an Authorization header no authenticator claimed, if any. */
  readonly authScheme: string | undefined
}

export type UnclaimedDecision = { readonly action: 'pass' } | { readonly action: 'deny'; readonly error: RgError }

const PASS: UnclaimedDecision = Object.freeze({ action: 'pass' })

/** Schemes Jira checks itself, answering 401 when they are wrong: a password, a personal access token. */
const JIRA_CHECKED_SCHEMES: ReadonlySet<string> = new Set(['basic', 'bearer'])

export function decideUnclaimed(p: Policy, r: UnclaimedRequest): UnclaimedDecision {
  const denyAnonymous = p.config.anonymous === 'deny' && isProtected(p, r.path)
  if (r.authScheme !== undefined) {
    // A credential restgate does not own (a Jira password, a Jira personal access token) goes to Jira
    // untouched, unless passwords are switched off on protected paths.
    if (r.authScheme === 'basic' && p.config.passwords === 'deny' && isProtected(p, r.path)) {
      // The message says to send a token as the password: Basic is offered where that works.
      const challenge = { 'www-authenticate': challenges(p, r, tokensAcceptBasic(p, r.path)) }
      return { action: 'deny', error: rgError('RG_ERR_PASSWORDS_DISABLED', undefined, challenge) }
    }
    // Any other scheme (Negotiate where restgate does not do Kerberos: an excluded network; an unknown
    // scheme) Jira ignores and serves the request anonymously: where anonymous access is denied, such a
    // header must count as no credential, or adding one would be a way around `anonymous: deny`.
    if (JIRA_CHECKED_SCHEMES.has(r.authScheme) || !denyAnonymous) return PASS
  }
  if (!kerberosChallenges(p, r.path, r.ip, r.userAgent) && !denyAnonymous) return PASS
  return { action: 'deny', error: unauthenticated(p, r, basicAccepted(p, r.path)) }
}

/** Where a challenge is sent from: the canonical path, the client IP, the user agent. */
export interface ChallengeRequest {
  readonly path: string
  readonly ip: string
  readonly userAgent: string | undefined
  /** Lower-case scheme of the credential this 401 refuses, if it refuses one. */
  readonly refusedScheme?: string
}

/**
 * The challenges of every 401 restgate sends, never none (RFC 9110 §15.5.2 requires at least one):
 * Negotiate where Kerberos challenges, or where the refused credential was a Negotiate token on a Kerberos
 * path (the client does Kerberos, whatever its user agent); Basic when `basic`; and when neither applies,
 * Bearer, which names the realm and which no browser answers with a password dialog.
 */
export function challenges(p: Policy, r: ChallengeRequest, basic: boolean): string[] {
  const out: string[] = []
  const negotiate =
    kerberosChallenges(p, r.path, r.ip, r.userAgent) || (r.refusedScheme === 'negotiate' && kerberosApplies(p, r.path, r.ip))
  if (negotiate) out.push('Negotiate')
  if (basic) out.push(`Basic realm="${p.config.server.realm}"`)
  if (out.length === 0) out.push(browserSafeChallenge(p))
  return out
}

/**
 * The challenge for a 401 that a browser must not answer by itself (a page's own script): Bearer names the
 * realm, and no browser answers it with a password dialog or a Kerberos handshake.
 */
export function browserSafeChallenge(p: Policy): string {
  return `Bearer realm="${p.config.server.realm}"`
}

function unauthenticated(p: Policy, r: ChallengeRequest, basic: boolean, message?: string): RgError {
  return rgError('RG_ERR_UNAUTHENTICATED', message, { 'www-authenticate': challenges(p, r, basic) })
}

/**
 * The 401 of a resource restgate answers itself (the management API, the token page) for a caller no
 * authenticator recognised: Negotiate where Kerberos challenges, and Basic when `offerBasic` (a script may
 * answer it with a token or a Jira password; a page's own script must not be offered it, see fromPageScript).
 */
export function identityRequired(p: Policy, r: ChallengeRequest, offerBasic: boolean, message?: string): RgError {
  return unauthenticated(p, r, offerBasic, message)
}

/**
 * Never Basic, which a browser would answer with its password dialog: Negotiate where Kerberos challenges
 * (for a 401 that a Kerberos ticket answers at once, an expired session cookie), else the Bearer fallback.
 */
export function negotiateChallenge(p: Policy, r: ChallengeRequest): Record<string, string[]> {
  return { 'www-authenticate': challenges(p, r, false) }
}

/**
 * A call made by a page's own script (the token page): it carries X-Requested-With on every call and
 * X-RG-CSRF on changes. Neither comes with a plain navigation or a cross-site form (a cross-origin fetch
 * that sets one needs a CORS preflight restgate never grants). A browser answers a Basic challenge to
 * fetch() with its password dialog, so such a call is never offered Basic: when the session cookie is gone
 * (expired, logged out in another tab) the page shows its own login form instead of a browser prompt.
 */
export function fromPageScript(headers: IncomingHttpHeaders): boolean {
  return headers['x-requested-with'] !== undefined || headers['x-rg-csrf'] !== undefined
}
