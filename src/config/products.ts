// The products restgate stands in front of, read from either form of the policy: `upstream:` (one product,
// every policy written before there were several) or `products:` (Jira at /jira, Confluence at /confluence).
// A product's URL carries its context path, and restgate serves the product under that same path, so
// Tomcat's own Location headers and `Set-Cookie; Path=/jira` stay right for the client unchanged.
// The checks here are the ones check-config reports with the YAML path: a URL that is not an origin plus a
// plain context path, two products whose paths overlap (a request could reach either), and path rules
// written with a context path in front (they are relative to it, so such a rule never matches).
import type { Config } from './schema.js'
import type { PathSegment } from './problems.js'
import type { ProductType } from '../model/product.js'

export interface ProductConfig {
  readonly name: string
  readonly type: ProductType
  /** `http://jira:8080`: scheme, host and port, as URL.origin spells it. */
  readonly origin: string
  /** `/jira`, or '' for a product at the root. Never ends with '/'. */
  readonly contextPath: string
  readonly applicationName: string
  readonly section: NonNullable<Config['upstream']>
  /** Where it is written: ['upstream'] or ['products', i]. */
  readonly at: readonly PathSegment[]
}

export type ParsedUrl = { ok: true; origin: string; contextPath: string } | { ok: false; reason: string }

// Context paths are plain names: nothing Tomcat or a browser could read two ways.
const SEGMENT = /^[A-Za-z0-9._~-]+$/

/**
 * Reads the URL as written (not as `new URL` repairs it: it would resolve `/a/../b` and encode spaces), so
 * a context path that could be read two ways is refused instead of silently becoming another one.
 */
export function parseProductUrl(text: string): ParsedUrl {
  const m = /^(https?):\/\/([^/?#]*)([^?#]*)([?#].*)?$/i.exec(text)
  if (m === null) return { ok: false, reason: 'must be an http:// or https:// URL' }
  const [, , authority, path, rest] = m as unknown as [string, string, string, string, string | undefined]
  if (rest !== undefined) {
    return { ok: false, reason: rest.startsWith('?') ? 'must not have a query (?...)' : 'must not have a fragment (#...)' }
  }
  if (authority.includes('@')) return { ok: false, reason: 'must not carry a user name or password' }
  let origin: string
  try {
    origin = new URL(`${m[1]!.toLowerCase()}://${authority}`).origin
  } catch {
    return { ok: false, reason: `has a host that is not valid ("${authority}")` }
  }
  if (path === '' || path === '/') return { ok: true, origin, contextPath: '' }
  if (path.endsWith('/')) return { ok: false, reason: `must not end with "/": write ${text.slice(0, -1)} (the context path is ${path.slice(0, -1)})` }
  for (const seg of path.slice(1).split('/')) {
    if (seg === '') return { ok: false, reason: 'has an empty segment (//) in its context path' }
    if (seg === '.' || seg === '..') return { ok: false, reason: `has a dot segment (${seg}) in its context path` }
    if (seg.includes(';')) return { ok: false, reason: 'has ";" in its context path (Tomcat would read it as a path parameter)' }
    if (seg.includes('%')) return { ok: false, reason: 'has a %-escape in its context path: write the path plainly' }
    if (!SEGMENT.test(seg)) return { ok: false, reason: `has "${seg}" in its context path: use letters, digits and . _ ~ - only` }
  }
  return { ok: true, origin, contextPath: path }
}

const DEFAULT_APPLICATION: Record<ProductType, string> = { jira: 'JIRA', confluence: 'Confluence' }

/** The products of a validated policy, in the order written. A URL that does not parse is skipped (it was reported). */
export function productsOf(config: Pick<Config, 'upstream' | 'products'>): ProductConfig[] {
  const written: Array<{ name: string; section: NonNullable<Config['upstream']>; at: PathSegment[] }> =
    config.products !== undefined
      ? config.products.map((p, i) => ({ name: p.name, section: p, at: ['products', i] }))
      : config.upstream !== undefined
        ? [{ name: config.upstream.type, section: config.upstream, at: ['upstream'] }]
        : []
  const out: ProductConfig[] = []
  for (const { name, section, at } of written) {
    const parsed = parseProductUrl(section.url)
    if (!parsed.ok) continue
    const type = section.type
    out.push({ name, type, origin: parsed.origin, contextPath: parsed.contextPath, applicationName: section.applicationName ?? DEFAULT_APPLICATION[type], section, at })
  }
  return out
}

/** True when a request under one path could also be read as under the other (segment-wise prefixes). */
function overlaps(a: string, b: string): boolean {
  return a === '' || b === '' || a === b || a.startsWith(b + '/') || b.startsWith(a + '/')
}

type Report = (segs: PathSegment[], message: string) => void

/** The products' own rules: one form, URLs, names, context paths that do not overlap, directory.product. */
export function checkProducts(c: Config, problem: Report): void {
  if (c.upstream !== undefined && c.products !== undefined) {
    problem(['products'], 'use either upstream (one product) or products (several), not both')
  }
  if (c.upstream === undefined && c.products === undefined) {
    problem(['upstream'], 'is required: the Jira or Confluence to forward to (or products, for several)')
  }
  const sections = c.products?.map((p, i) => ({ name: p.name, url: p.url, at: ['products', i] as PathSegment[] })) ?? []
  if (c.upstream !== undefined) sections.push({ name: c.upstream.type, url: c.upstream.url, at: ['upstream'] })
  for (const s of sections) {
    // A URL the schema refused (not http(s), not a URL at all) is reported there already.
    if (typeof s.url !== 'string' || !/^https?:\/\//i.test(s.url) || !URL.canParse(s.url)) continue
    const parsed = parseProductUrl(s.url)
    if (!parsed.ok) problem([...s.at, 'url'], parsed.reason)
  }
  const seen = new Map<string, number>()
  c.products?.forEach((p, i) => {
    const first = seen.get(p.name)
    if (first !== undefined) problem(['products', i, 'name'], `"${p.name}" is the name of products[${first}] too: names must differ`)
    else seen.set(p.name, i)
  })
  const products = productsOf(c)
  for (let i = 0; i < products.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = products[j]!
      const b = products[i]!
      if (!overlaps(a.contextPath, b.contextPath)) continue
      problem(
        [...b.at, 'url'],
        `its context path ${b.contextPath || '/'} overlaps that of ${a.name} (${a.contextPath || '/'}): each product needs a path of its own (with several products, none may be at /)`,
      )
    }
  }
  // An OAuth signature covers the URL the product sees, origin included: one Application Link, one origin.
  if (c.identity.oauth !== undefined && new Set(products.map((p) => p.origin)).size > 1) {
    problem(['identity', 'oauth'], 'signs for one origin, but the products are on several: give them one origin, or run a restgate per origin')
  }
  const wanted = c.directory.product
  if (wanted !== undefined && !products.some((p) => p.name === wanted)) {
    problem(['directory', 'product'], `names no product (products: ${products.map((p) => p.name).join(', ')})`)
  }
}

/** Path rules are relative to each product's context path: one that starts with one can never match what was meant. */
export function checkPathRules(c: Config, problem: Report): void {
  const contexts = productsOf(c)
    .map((p) => p.contextPath)
    .filter((cp) => cp !== '')
  if (contexts.length === 0) return
  const lists: Array<[PathSegment[], readonly string[]]> = [
    [['kerberos', 'paths'], c.kerberos.paths],
    [['kerberos', 'excludePaths'], c.kerberos.excludePaths],
    [['apiTokens', 'paths'], c.apiTokens.paths],
  ]
  for (const [at, globs] of lists) {
    globs.forEach((glob, i) => {
      const cp = contexts.find((p) => glob === p || glob.startsWith(p + '/'))
      if (cp === undefined) return
      const fixed = glob.slice(cp.length) || '/'
      problem(
        [...at, i],
        `"${glob}" starts with the context path ${cp}, but path rules are relative to it: it would only match ${cp}${glob}; write "${fixed}"`,
      )
    })
  }
  if (contexts.some((cp) => c.tokenPage.path === cp || c.tokenPage.path.startsWith(cp + '/'))) {
    problem(['tokenPage', 'path'], 'is relative to each context path: write it without the context path (the page is served under each product)')
  }
}

/** A reload cannot move between the two forms: the products are restart-only, and each form has its own keys. */
export function formChanged(running: Config, next: Config): boolean {
  return (running.products === undefined) !== (next.products === undefined)
}
