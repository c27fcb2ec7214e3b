// Who may hold API tokens, and what a token may reach. Pure.
import type { TokenScope } from '../auth/types.js'
import type { PathMatcher } from '../policy/glob.js'

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

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** A read token only reads; a token with its own paths reaches only those (on top of apiTokens.paths). */
export function tokenAllows(scope: TokenScope, paths: PathMatcher | null, method: string, path: string): boolean {
  if (scope === 'read' && !SAFE_METHODS.has(method)) return false
  return paths === null || paths.matches(path)
}
