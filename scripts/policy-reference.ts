// docs/policy-reference.md, rendered from the policy schema: every key with its type, default, whether a
// hot reload applies it, and the schema's description. A hand-kept table drifts from the defaults; this
// page cannot (test/docs/policy-reference.test.ts renders it again and compares).
import type { TSchema } from '@sinclair/typebox'
import { restartKeyPaths } from '../src/config/restart-keys.js'

interface Node {
  type?: string
  description?: string
  default?: unknown
  format?: string
  minimum?: number
  maximum?: number
  const?: unknown
  anyOf?: Node[]
  items?: Node
  properties?: Record<string, Node>
  required?: string[]
  patternProperties?: Record<string, Node>
}

export interface Row {
  readonly key: string
  readonly type: string
  readonly default: string
  readonly reload: 'live' | 'restart' | ''
  readonly description: string
}

export interface Section {
  readonly key: string
  readonly description: string
  readonly rows: readonly Row[]
}

const ITEM_NAMES: Record<string, string> = {
  cidr: 'CIDRs',
  'path-glob': 'globs',
  'user-agent-rule': 'user-agent rules',
}

const isDuration = (n: Node): boolean =>
  n.anyOf !== undefined && n.anyOf.length === 2 && n.anyOf[0]?.type === 'integer' && n.anyOf[1]?.type === 'string'

function typeOf(n: Node): string {
  if (isDuration(n)) return 'duration'
  if (n.anyOf !== undefined && n.anyOf.every((b) => b.const !== undefined)) return n.anyOf.map((b) => `\`${String(b.const)}\``).join(' \\| ')
  switch (n.type) {
    case 'boolean':
      return 'boolean'
    case 'integer':
      return n.minimum !== undefined && n.maximum !== undefined ? `integer ${n.minimum}-${n.maximum}` : 'integer'
    case 'string':
      if (n.format === 'file-path') return 'file'
      if (n.format === 'origin-url') return 'URL'
      if (n.format === 'regex') return 'regex'
      return 'string'
    case 'array': {
      const item = n.items ?? {}
      if (item.type === 'object') return 'list of objects'
      return `list of ${ITEM_NAMES[item.format ?? ''] ?? 'strings'}`
    }
    case 'object':
      return n.patternProperties !== undefined ? 'map of lists' : 'object'
    default:
      return 'value'
  }
}

function literal(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '`""`' : `\`${value}\``
  const json = JSON.stringify(value)
  return `\`${json.replace(/,/g, ', ')}\``
}

/** A cell may not hold a raw `|` (it would end the cell) or a line break. */
const cell = (text: string): string => text.replace(/\n/g, ' ').replace(/(?<!\\)\|/g, '\\|')

/**
 * The keys under one top-level key, depth first in schema order: every leaf, and every object that has a
 * description of its own. `optional` is the nearest enclosing key that may be left out, so a required key
 * inside it reads "required in server.tls". The items of a list of objects are `list[].key`.
 */
function rows(node: Node, path: string[], restart: ReadonlySet<string>, optional: string | undefined, required: boolean): Row[] {
  const key = path.join('.')
  // A restart-only list (products) covers the keys of its items (products[].url) too.
  const isRestart = path.some((_, i) => restart.has(path.slice(0, i + 1).join('.').replace(/\[\]/g, '')))
  const isObject = node.type === 'object' && node.patternProperties === undefined
  const here: Row[] = []
  if (!isObject || node.description !== undefined) {
    let def: string
    if (isObject) def = node.default !== undefined ? '' : required ? 'required' : 'none'
    else if (node.default !== undefined) def = literal(node.default)
    else if (required) def = optional === undefined ? 'required' : `required in \`${optional}\``
    else def = 'none'
    // An object's own row says restart only when the object is restart-only; its keys say the rest.
    const reload = isRestart ? 'restart' : isObject ? '' : 'live'
    here.push({ key: `\`${key}\``, type: typeOf(node), default: def, reload, description: node.description ?? '' })
  }
  if (isObject) {
    const inner = required || node.default !== undefined ? optional : key
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      here.push(...rows(child, [...path, k], restart, inner, (node.required ?? []).includes(k)))
    }
  }
  if (node.type === 'array' && node.items?.type === 'object') {
    const list = [...path.slice(0, -1), `${path[path.length - 1]}[]`]
    for (const [k, child] of Object.entries(node.items.properties ?? {})) {
      here.push(...rows(child, [...list, k], restart, key, (node.items.required ?? []).includes(k)))
    }
  }
  return here
}

export function policySections(schema: TSchema): Section[] {
  const root = schema as unknown as Node
  const restart = new Set(restartKeyPaths(schema).map((p) => p.join('.')))
  return Object.entries(root.properties ?? {}).map(([key, node]) => {
    const required = (root.required ?? []).includes(key)
    const all = rows(node, [key], restart, undefined, required && node.default === undefined)
    const isObject = node.type === 'object' && node.patternProperties === undefined
    return {
      key,
      description: isObject ? (node.description ?? '') : '',
      // A section's own object row would repeat its heading.
      rows: isObject ? all.filter((r) => r.key !== `\`${key}\``) : all,
    }
  })
}

const HEAD = `# Policy reference

<!-- Generated from src/config/schema.ts by \`npm run docs\`: change the schema's descriptions, not this page. -->

Every key of the policy file, with its type, its default and whether a hot reload applies it. How the file
is written, path and network rules, and hot reload are in [policy.md](policy.md);
[config/restgate.example.yaml](../config/restgate.example.yaml) writes out every default with a comment.

- **reload**: \`live\` keys take effect on the next request after a reload (a file save or \`SIGHUP\`);
  \`restart\` keys are read at start-up only. A reload that changes one applies everything else, keeps
  the running value and says so on \`/readyz\` ([hot reload](policy.md#hot-reload)).
- **duration**: \`250ms\`, \`30s\`, \`15m\`, \`8h\`, \`7d\`, or a whole number of seconds.
- **globs**: paths on the canonical path, \`*\` one segment, \`**\` any depth ([path rules](policy.md#path-rules)).
- **CIDRs**: \`10.0.0.0/8\`, \`192.0.2.7\`, \`2001:db8::/32\` ([network rules](policy.md#network-rules)).
- **file**: a path that must be readable when the policy is loaded.
- A key \`a.b[].c\` is the key \`c\` of each object in the list \`a.b\`.
`

export function renderPolicyReference(schema: TSchema): string {
  const out = [HEAD]
  for (const s of policySections(schema)) {
    out.push(`## ${s.key}\n`)
    if (s.description !== '') out.push(`${s.description}.\n`)
    out.push('| key | type | default | reload | description |')
    out.push('|---|---|---|---|---|')
    for (const r of s.rows) out.push(`| ${[r.key, r.type, r.default, r.reload, r.description].map(cell).join(' | ')} |`)
    out.push('')
  }
  return out.join('\n')
}
