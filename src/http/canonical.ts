// Wires the canonical path into Fastify: routing sees only the canonical path, and a target that cannot
// be read one way is refused before any rule, hook or route runs.
import type { IncomingMessage } from 'node:http'
import { canonicalizePath } from '../policy/canonical-path.js'

const kPathError = Symbol('restgate.pathError')

type Marked = IncomingMessage & { [kPathError]?: string }

/** Fastify `rewriteUrl`: returns the canonical target, or marks the request refused. */
export function canonicalRewrite(req: IncomingMessage): string {
  const result = canonicalizePath(req.url ?? '')
  if (result.ok) return result.query.length === 0 ? result.path : result.path + result.query
  ;(req as Marked)[kPathError] = result.reason
  // Route somewhere harmless; the root onRequest hook answers 400 before anything else runs.
  return '/'
}

export function pathError(req: IncomingMessage): string | undefined {
  return (req as Marked)[kPathError]
}
