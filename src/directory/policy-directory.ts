// The directory restgate uses: whichever `directory.source` the request's policy names, so a reload that
// switches static <-> upstream takes effect with the next request, and a request in flight keeps its own.
import type { Directory } from './static.js'
import { createStaticDirectory } from './static.js'

export function createPolicyDirectory(upstream: Directory): Directory {
  const fromPolicy = createStaticDirectory()
  const pick = (source: 'static' | 'upstream'): Directory => (source === 'upstream' ? upstream : fromPolicy)
  return {
    groupsOf: (user, policy) => pick(policy.config.directory.source).groupsOf(user, policy),
    isAdmin: (user, policy) => pick(policy.config.directory.source).isAdmin(user, policy),
  }
}
