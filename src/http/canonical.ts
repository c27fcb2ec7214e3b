// Wires the canonical path into Fastify: routing sees only the canonical path, and a target that cannot
// be read one way is refused before any rule, hook or route runs.
import type { IncomingMessage } from 'node:http'
import { canonicalizePath } from '../policy/canonical-path.js'

const kPathError = Symbol('restgate.pathError')
const kSessionParam = Symbol('restgate.sessionParam')

type Marked = IncomingMessage & { [kPathError]?: string; [kSessionParam]?: string }

/** Fastify `rewriteUrl`: returns the canonical target, or marks the request refused. */
export function canonicalRewrite(req: IncomingMessage): string {
  const result = canonicalizePath(req.url ?? '')
  if (result.ok) {
    if (result.sessionParam !== '') (req as Marked)[kSessionParam] = result.sessionParam
    return result.query.length === 0 ? result.path : result.path + result.query
  }
  ;(req as Marked)[kPathError] = result.reason
  // Route somewhere harmless; the root onRequest hook answers 400 before anything else runs.
  return '/'
}

export function pathError(req: IncomingMessage): string | undefined {
  return (req as Marked)[kPathError]
}

/**
 * The target to forward: the canonical path and query restgate decided on (`url`, the request's own), with
 * the `;jsessionid=` that the client's last segment carried put back in front of the query.
 */
export function forwardTarget(req: IncomingMessage, url: string): string {
  const param = (req as Marked)[kSessionParam]
  if (param === undefined) return url
  const q = url.indexOf('?')
  return q === -1 ? url + param : url.slice(0, q) + param + url.slice(q)
}
