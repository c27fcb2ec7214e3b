// Keys a hot reload cannot apply (the schema marks them `restart: true`): the listener, the store, TLS,
// the upstream pool. A reload that changes them applies everything else and keeps these at the values the
// process started with, so the policy in force never claims something that is not true (a new
// server.port in `runtime.current` while the old one still listens).
import type { TSchema } from '@sinclair/typebox'
import type { Config } from './schema.js'
import { formatPath } from './problems.js'

export type KeyPath = readonly string[]

interface SchemaNode {
  restart?: boolean
  type?: string
  properties?: Record<string, SchemaNode>
  anyOf?: SchemaNode[]
}

/**
 * Every key path marked `restart: true`, outermost first; a marked object covers its whole subtree, so
 * nothing below it is listed again. Only object properties are walked: lists and maps of user names
 * hold rules, never listeners.
 */
export function restartKeyPaths(schema: TSchema): KeyPath[] {
  const out: KeyPath[] = []
  const walk = (node: SchemaNode, path: string[]): void => {
    if (node.restart === true && path.length > 0) {
      out.push(path)
      return
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, [...path, key])
    // A union of objects (none today) would hold its restart keys in the branches.
    for (const branch of node.anyOf ?? []) if (branch.type === 'object') walk(branch, path)
  }
  walk(schema as SchemaNode, [])
  // Union branches can repeat a path.
  const seen = new Set<string>()
  return out.filter((p) => {
    const k = p.join('\u0000')
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

export function valueAt(root: unknown, path: KeyPath): unknown {
  let cur = root
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

/** Structural equality of plain JSON-like values (what a parsed policy is made of). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]))
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
  if (ak.length !== bk.length) return false
  return ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/** The restart-only key paths (dotted) whose value differs between the running and the new policy. */
export function changedRestartKeys(running: Config, next: Config, paths: readonly KeyPath[]): string[] {
  return paths.filter((p) => !deepEqual(valueAt(running, p), valueAt(next, p))).map((p) => formatPath(p))
}

function setAt(root: Record<string, unknown>, path: KeyPath, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path
  if (head === undefined) return root
  const copy: Record<string, unknown> = { ...root }
  if (rest.length === 0) {
    if (value === undefined) delete copy[head]
    else copy[head] = value
    return copy
  }
  const child = root[head]
  copy[head] = setAt(child !== null && typeof child === 'object' ? (child as Record<string, unknown>) : {}, rest, value)
  return copy
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/**
 * The policy to put in force: `next` with every restart-only key at its running value. Both inputs are
 * validated policies and the cross-key rules that involve restart keys only relate restart keys to each
 * other (server.port and server.admin.port, store.type and store.redis), so the result is valid too.
 */
export function keepRestartKeys(next: Config, running: Config, paths: readonly KeyPath[]): Config {
  let out = next as unknown as Record<string, unknown>
  for (const p of paths) {
    const have = valueAt(running, p)
    if (!deepEqual(valueAt(next, p), have)) out = setAt(out, p, have)
  }
  return out === (next as unknown) ? next : deepFreeze(out as unknown as Config)
}
