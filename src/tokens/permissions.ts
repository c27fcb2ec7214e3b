// Who may hold API tokens, and what a token may reach. Pure.
import type { TokenScope } from '../model/identity.js'
import type { PathMatcher } from '../match/glob.js'

/**
 * `apiTokens.creators.groups` empty: everyone. Otherwise members of one of those groups, and admins. The
 * same rule decides whether an existing token is active: a user who left the groups keeps the record, but
 * it no longer logs anyone in.
 */
export function mayHoldTokens(creatorGroups: readonly string[], userGroups: readonly string[], isAdmin: boolean): boolean {
  if (creatorGroups.length === 0 || isAdmin) return true
  for (const g of userGroups) if (creatorGroups.includes(g)) return true
  return false
}

/** `apiTokens.scopes.allowWrite` empty: everyone may create write tokens. Otherwise its members, and admins. */
export const mayCreateWrite = mayHoldTokens

// RFC 9110 §9.2.1: the methods defined as safe (read-only). A read token gets only these.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Why a token's own limits refuse a request: its scope (the method), its paths, or undefined when allowed. */
export function scopeRefusal(scope: TokenScope, paths: PathMatcher | null, method: string, path: string): 'method' | 'path' | undefined {
  if (scope === 'read' && !SAFE_METHODS.has(method)) return 'method'
  if (paths !== null && !paths.matches(path)) return 'path'
  return undefined
}

/** A read token only reads; a token with its own paths reaches only those (on top of apiTokens.paths). */
export function tokenAllows(scope: TokenScope, paths: PathMatcher | null, method: string, path: string): boolean {
  return scopeRefusal(scope, paths, method, path) === undefined
}
