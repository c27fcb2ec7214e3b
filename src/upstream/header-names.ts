// The names of the headers only restgate may send upstream: the identity headers the policy names, their
// defaults, and identity.stripHeaders. Compared normalized, whatever the client's case or `_` spelling
// (some stacks fold X_Forwarded_User into X-Forwarded-User), so no spelling of one slips through.
import type { Config } from '../config/schema.js'

export function normalizeHeaderName(name: string): string {
  const lower = name.toLowerCase()
  return lower.includes('_') ? lower.replace(/_/g, '-') : lower
}

const DEFAULT_IDENTITY_HEADERS = ['x-forwarded-user', 'x-forwarded-auth', 'x-forwarded-groups', 'x-restgate-assertion']

/** Every header name (normalized) that only restgate may send upstream. */
export function identityHeaderNames(config: Pick<Config, 'identity'>): ReadonlySet<string> {
  const id = config.identity
  const names = new Set(DEFAULT_IDENTITY_HEADERS)
  names.add(normalizeHeaderName(id.userHeader))
  names.add(normalizeHeaderName(id.methodHeader))
  if (id.groupsHeader !== undefined) names.add(normalizeHeaderName(id.groupsHeader))
  if (id.signing !== undefined) names.add(normalizeHeaderName(id.signing.header))
  for (const h of id.stripHeaders) names.add(normalizeHeaderName(h))
  return names
}
