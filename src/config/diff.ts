// Which keys a reload changed, for the log line an operator reads after saving the file. Paths only,
// never values: a policy can hold secrets (store.redis.password from ${REDIS_PASSWORD}).
import { formatPath, type PathSegment } from './problems.js'
import { deepEqual } from './restart-keys.js'

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * Dotted paths of the leaves that differ between two policies. A list that changed is reported as the
 * list (`kerberos.paths`), not element by element; at most `limit` paths, then `…`.
 */
export function changedPaths(before: unknown, after: unknown, limit = 50): string[] {
  const out: string[] = []
  const walk = (a: unknown, b: unknown, path: PathSegment[]): void => {
    if (out.length > limit) return
    if (isObject(a) && isObject(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)])
      for (const k of [...keys].sort()) walk(a[k], b[k], [...path, k])
      return
    }
    if (!deepEqual(a, b)) out.push(formatPath(path))
  }
  walk(before, after, [])
  return out.length > limit ? [...out.slice(0, limit), '…'] : out
}
