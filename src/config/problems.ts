// A problem in a policy file, located by its YAML path (and line when the file has the key), so an admin
// reads `server.port (line 3): must be an integer 1-65535` and goes straight to it.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'

export interface Problem {
  /** Dotted path with [index] for lists: `kerberos.networks.allow[1]`; empty for the whole file. */
  readonly path: string
  readonly message: string
  readonly line?: number
}

export type PathSegment = string | number

export function formatPath(segments: readonly PathSegment[]): string {
  let out = ''
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`
    else out += out.length === 0 ? s : `.${s}`
  }
  return out
}

export function formatProblem(p: Problem): string {
  const where = p.path.length === 0 ? '(file)' : p.path
  return p.line === undefined ? `${where}: ${p.message}` : `${where} (line ${p.line}): ${p.message}`
}

/** Line (1-based) of the value at `segments`, or of the key itself when `atKey`; undefined when absent. */
export function locate(
  doc: Document | undefined,
  counter: LineCounter | undefined,
  segments: readonly PathSegment[],
  atKey = false,
): number | undefined {
  if (doc === undefined || counter === undefined) return undefined
  let node: unknown = doc.contents
  let keyNode: Node | undefined
  for (const [depth, seg] of segments.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg))
      // A missing key is located at its parent section; at the top level there is no better line than none.
      if (!pair) return depth === 0 ? undefined : lineOf(node as Node, counter)
      keyNode = pair.key as Node
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number') {
      keyNode = undefined
      node = node.items[seg]
    } else {
      break
    }
  }
  if (atKey && keyNode) return lineOf(keyNode, counter)
  return lineOf((node as Node | undefined) ?? keyNode, counter)
}

function lineOf(node: Node | undefined, counter: LineCounter): number | undefined {
  const range = node?.range
  if (!range) return undefined
  return counter.linePos(range[0]).line
}

/** Levenshtein distance, for "did you mean" on unknown keys. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDist = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase())
    if (d < bestDist) {
      bestDist = d
      best = c
    }
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}

/** A policy that cannot be put in force: start() throws it, the CLI prints every problem and exits 1. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(`invalid policy:\n${problems.map((p) => '  ' + formatProblem(p)).join('\n')}`)
    this.name = 'ConfigError'
  }
}
