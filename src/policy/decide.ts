// Pure decisions on (policy, canonical path, client IP, user agent, credential): which ways of logging in
// apply here, and what happens to a request that no authenticator claimed.
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

function basicAccepted(p: Policy, path: string): boolean {
  return (tokensApply(p, path) && p.config.apiTokens.basic) || p.config.passwords === 'passthrough'
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
      return { action: 'deny', error: rgError('RG_ERR_PASSWORDS_DISABLED') }
    }
    // Any other scheme (Negotiate where restgate does not do Kerberos: an excluded network; an unknown
    // scheme) Jira ignores and serves the request anonymously: where anonymous access is denied, such a
    // header must count as no credential, or adding one would be a way around `anonymous: deny`.
    if (JIRA_CHECKED_SCHEMES.has(r.authScheme) || !denyAnonymous) return PASS
  }
  const challenges: string[] = []
  const negotiate = kerberosChallenges(p, r.path, r.ip, r.userAgent)
  if (negotiate) challenges.push('Negotiate')
  if (!negotiate && !denyAnonymous) return PASS
  if (basicAccepted(p, r.path)) challenges.push(`Basic realm="${p.config.server.realm}"`)
  const headers = challenges.length > 0 ? { 'www-authenticate': challenges } : undefined
  return { action: 'deny', error: rgError('RG_ERR_UNAUTHENTICATED', undefined, headers) }
}
