// Policy file → validated, defaulted, frozen Config, or every problem with its YAML path in one go.
// Used at boot, by `check-config`, by hot reload and to judge whether a snapshot is still readable.
import { accessSync, constants } from 'node:fs'
import { readFile } from 'node:fs/promises'
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml'
import { ConfigSchema, SCHEMA_ANNOTATIONS, type Config } from './schema.js'
import { closest, formatPath, locate, type PathSegment, type Problem } from './problems.js'
import { durationMs } from './duration.js'
import { checkPathRules, checkProducts } from './products.js'
import { FORWARD_AUTH_PATH } from './paths.js'
import { readSecretFile } from './secret-file.js'
import { parseCidr } from '../match/cidr.js'
import { globToRegexSource } from '../match/glob.js'
import { userAgentRuleSource } from '../match/user-agent.js'

export type LoadResult = { ok: true; config: Config; text: string } | { ok: false; problems: Problem[] }

export interface LoadOptions {
  /** Environment for ${VAR} substitution. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Check that referenced files exist and are readable (on for boot and check-config). */
  readonly checkFiles?: boolean
}

const Ajv = AjvModule.default

function attempt(fn: () => unknown): boolean {
  try {
    fn()
    return true
  } catch {
    return false
  }
}

function originUrl(text: string): boolean {
  let u: URL
  try {
    u = new URL(text)
  } catch {
    return false
  }
  return (
    (u.protocol === 'http:' || u.protocol === 'https:') &&
    (u.pathname === '/' || u.pathname === '') &&
    u.search === '' &&
    u.hash === '' &&
    u.username === '' &&
    !text.endsWith('?')
  )
}

/** Just the scheme and a parsable URL: the context path's own rules are checkProducts', each with its reason. */
function httpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text) && URL.canParse(text)
}

let compiled: ValidateFunction | undefined

// Compiling the schema is pure and costs ~20 ms, so it is done once per process on first use.
function validator(): ValidateFunction {
  compiled ??= new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    keywords: [...SCHEMA_ANNOTATIONS],
    formats: {
      cidr: (s: string) => attempt(() => parseCidr(s)),
      'path-glob': (s: string) => attempt(() => globToRegexSource(s)),
      regex: (s: string) => attempt(() => new RegExp(s)),
      'user-agent-rule': (s: string) => attempt(() => userAgentRuleSource(s)),
      'origin-url': originUrl,
      'http-url': httpUrl,
      'file-path': (s: string) => s.length > 0,
    },
  }).compile(ConfigSchema)
  return compiled
}

const ENV_REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g

/** Replaces ${VAR} and ${VAR:-default} in one string; `$${` is a literal `${`. */
function substitute(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
  path: readonly PathSegment[],
  problems: Problem[],
  line: number | undefined,
): string | number | boolean {
  let whole = false
  const out = value.replace(ENV_REF, (match, name: string | undefined, def: string | undefined, offset: number) => {
    if (match === '$${') return '${'
    if (name === undefined) {
      problems.push({ path: formatPath(path), message: 'has "${" without a valid ${NAME} after it', line })
      return match
    }
    whole = offset === 0 && match.length === value.length
    const v = env[name]
    if (v !== undefined && v !== '') return v
    if (def !== undefined) return def
    problems.push({ path: formatPath(path), message: `environment variable ${name} is not set`, line })
    return ''
  })
  // `port: ${PORT}` should be a number, as if the value had been written in the file.
  if (whole) {
    if (/^-?[0-9]+$/.test(out)) return Number(out)
    if (out === 'true' || out === 'false') return out === 'true'
  }
  return out
}

function substituteAll(
  node: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: PathSegment[],
  problems: Problem[],
  doc: Document,
  counter: LineCounter,
): unknown {
  if (typeof node === 'string') {
    return node.includes('${') ? substitute(node, env, path, problems, locate(doc, counter, path)) : node
  }
  if (Array.isArray(node)) return node.map((v, i) => substituteAll(v, env, [...path, i], problems, doc, counter))
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node)) out[k] = substituteAll(v, env, [...path, k], problems, doc, counter)
    return out
  }
  return node
}

function pointerToSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return []
  const out: PathSegment[] = []
  let cur: unknown = data
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(cur)) {
      out.push(Number(key))
      cur = cur[Number(key)]
    } else {
      out.push(key)
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined
    }
  }
  return out
}

function schemaProblems(
  errors: readonly ErrorObject[],
  data: unknown,
  doc: Document,
  counter: LineCounter,
): Problem[] {
  // Several Ajv errors can describe one value (each branch of a union): keep one message per path,
  // preferring the schema's own wording.
  const byPath = new Map<string, { problem: Problem; worded: boolean }>()
  for (const e of errors) {
    let segs = pointerToSegments(e.instancePath, data)
    let message: string
    let worded = false
    let atKey = false
    const parent = e.parentSchema as { rule?: string; properties?: Record<string, unknown> } | undefined
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty)
      segs = [...segs, key]
      const hint = closest(key, Object.keys(parent?.properties ?? {}))
      message = hint === undefined ? 'unknown key' : `unknown key (did you mean "${hint}"?)`
      worded = true
      atKey = true
    } else if (e.keyword === 'required') {
      segs = [...segs, String((e.params as { missingProperty: string }).missingProperty)]
      message = 'is required'
      worded = true
    } else if (parent?.rule !== undefined) {
      message = `must be ${parent.rule}`
      worded = true
    } else {
      message = e.message ?? 'is not valid'
    }
    const path = formatPath(segs)
    const seen = byPath.get(path)
    if (seen === undefined || (!seen.worded && worded)) {
      byPath.set(path, { problem: { path, message, line: locate(doc, counter, segs, atKey) }, worded })
    }
  }
  return [...byPath.values()].map((v) => v.problem)
}

type Check = (problem: (segs: PathSegment[], message: string) => void) => void

/** Rules that span several keys or touch the file system: each reports with the key it is about. */
function semanticChecks(c: Config, checkFiles: boolean): Check[] {
  const checks: Check[] = []
  const readable = (segs: PathSegment[], fileOf: () => string | undefined): Check => (problem) => {
    const file = fileOf()
    if (!checkFiles || file === undefined) return
    try {
      accessSync(file, constants.R_OK)
    } catch (err) {
      problem(segs, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  checks.push((problem) => checkProducts(c, problem))
  checks.push((problem) => checkPathRules(c, problem))
  // A secret file: readable, and not empty (an empty password would quietly mean "no password").
  const secret = (segs: PathSegment[], fileOf: () => string | undefined): Check => (problem) => {
    const file = fileOf()
    if (!checkFiles || file === undefined) return
    let text: string
    try {
      text = readSecretFile(file)
    } catch (err) {
      return problem(segs, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    if (text === '') problem(segs, `${file} is empty`)
  }
  checks.push((problem) => {
    if (c.store.type !== 'redis') return
    const r = c.store.redis
    if (r === undefined) return problem(['store', 'redis'], 'is required when store.type is "redis"')
    const modes = [r.url, r.sentinels, r.cluster].filter((m) => m !== undefined).length
    if (modes !== 1) problem(['store', 'redis'], 'needs exactly one of url, sentinels (with name) or cluster')
    if (r.sentinels !== undefined && r.name === undefined) problem(['store', 'redis', 'name'], 'is required with sentinels')
    const inUrl = r.url !== undefined && /^rediss?:\/\/[^/@]*:[^/@]*@/.test(r.url)
    if (r.password !== undefined && r.passwordFile !== undefined) problem(['store', 'redis', 'passwordFile'], 'and store.redis.password both give the password: keep one')
    else if (inUrl && (r.password !== undefined || r.passwordFile !== undefined)) {
      problem(['store', 'redis', r.passwordFile !== undefined ? 'passwordFile' : 'password'], 'and the password in store.redis.url both give the password: keep one')
    }
    if (r.sentinelPassword !== undefined && r.sentinelPasswordFile !== undefined) {
      problem(['store', 'redis', 'sentinelPasswordFile'], "and store.redis.sentinelPassword both give the Sentinels' password: keep one")
    }
    if (r.sentinels === undefined) {
      for (const key of ['sentinelUsername', 'sentinelPassword', 'sentinelPasswordFile'] as const) {
        if (r[key] !== undefined) problem(['store', 'redis', key], 'is only for store.redis.sentinels')
      }
    }
    const wait = durationMs(r.replicaTimeout)
    if (wait < 1 || wait > 10_000) problem(['store', 'redis', 'replicaTimeout'], 'must be from 1ms to 10s')
  })
  checks.push((problem) => {
    if (c.apiTokens.defaultLifetimeDays > c.apiTokens.maxLifetimeDays) {
      problem(['apiTokens', 'defaultLifetimeDays'], `must not exceed apiTokens.maxLifetimeDays (${c.apiTokens.maxLifetimeDays})`)
    }
  })
  checks.push((problem) => {
    if (durationMs(c.sessions.idleTimeout) > durationMs(c.sessions.absoluteTimeout)) {
      problem(['sessions', 'idleTimeout'], 'must not exceed sessions.absoluteTimeout')
    }
  })
  checks.push((problem) => {
    // Node reads the headers as part of the request: a longer header timeout would never apply.
    const request = durationMs(c.server.requestTimeout)
    if (request > 0 && durationMs(c.server.headersTimeout) > request) {
      problem(['server', 'headersTimeout'], 'must not exceed server.requestTimeout')
    }
  })
  checks.push((problem) => {
    if (c.kerberos.enabled && c.kerberos.keytab === undefined) {
      problem(['kerberos', 'keytab'], 'is required when kerberos.enabled is true (or KRB5_KTNAME naming a keytab file in the environment)')
    }
  })
  checks.push((problem) => {
    // Otherwise it would quietly do nothing: the cookie a handshake sets is a restgate session.
    if (c.kerberos.sessions && !c.sessions.enabled) {
      problem(['kerberos', 'sessions'], 'needs sessions.enabled: true (the cookie a handshake sets is a restgate session, and sessions are switched off)')
    }
  })
  checks.push((problem) => {
    const a = c.server.admin
    if (a.enabled && a.port === c.server.port) problem(['server', 'admin', 'port'], 'must differ from server.port')
  })
  checks.push((problem) => {
    if (c.tokenPage.path.startsWith('/rest/')) problem(['tokenPage', 'path'], 'must not be under /rest/')
  })
  checks.push((problem) => {
    if (!c.forwardAuth.enabled) return
    // Without a trusted front proxy every auth request would be refused: say so before it starts.
    if (c.server.trustedProxies.length === 0) {
      problem(['forwardAuth', 'enabled'], 'needs server.trustedProxies: auth requests are answered only for the front proxies listed there')
    }
    // An OAuth signature covers the target restgate sends (with xoauth_requestor_id added) and a form body:
    // a front proxy forwards the client's request as it is, so it would reach Jira unsigned.
    if (c.identity.oauth !== undefined) {
      problem(['forwardAuth', 'enabled'], 'cannot be used with identity.oauth: only a request restgate forwards itself can be OAuth-signed (use identity.signing beside a front proxy)')
    }
    const p = c.tokenPage.path
    if (c.tokenPage.enabled && (p === FORWARD_AUTH_PATH || p.startsWith(FORWARD_AUTH_PATH + '/'))) {
      problem(['tokenPage', 'path'], `must not be ${FORWARD_AUTH_PATH} or under it while forwardAuth.enabled is true`)
    }
  })
  checks.push(readable(['server', 'tls', 'cert'], () => c.server.tls?.cert))
  checks.push(readable(['server', 'tls', 'key'], () => c.server.tls?.key))
  checks.push(readable(['upstream', 'tls', 'ca'], () => c.upstream?.tls?.ca))
  if (Array.isArray(c.products)) c.products.forEach((p, i) => checks.push(readable(['products', i, 'tls', 'ca'], () => p?.tls?.ca)))
  checks.push(readable(['identity', 'signing', 'keyFile'], () => c.identity.signing?.keyFile))
  checks.push(readable(['store', 'redis', 'tls', 'ca'], () => c.store.redis?.tls?.ca))
  checks.push(readable(['store', 'redis', 'tls', 'cert'], () => c.store.redis?.tls?.cert))
  checks.push(readable(['store', 'redis', 'tls', 'key'], () => c.store.redis?.tls?.key))
  checks.push(readable(['apiTokens', 'hashKeyFile'], () => c.apiTokens.hashKeyFile))
  checks.push(secret(['store', 'redis', 'passwordFile'], () => c.store.redis?.passwordFile))
  checks.push(secret(['store', 'redis', 'sentinelPasswordFile'], () => c.store.redis?.sentinelPasswordFile))
  if (c.kerberos.enabled) checks.push(readable(['kerberos', 'keytab'], () => c.kerberos.keytab))
  return checks
}

/**
 * `kerberos.keytab` left out: the keytab file KRB5_KTNAME names, the way libkrb5 reads it (`FILE:/path` or
 * a bare path; another type, such as MEMORY:, is not a file restgate can check). restgate then sets
 * KRB5_KTNAME to `FILE:` and that same path, so a reload reads the same file.
 */
function keytabFromEnvironment(c: Config, env: Readonly<Record<string, string | undefined>>): void {
  const k = c.kerberos as { enabled?: unknown; keytab?: string } | undefined
  if (k === undefined || k.enabled !== true || k.keytab !== undefined) return
  const named = env['KRB5_KTNAME'] ?? ''
  const file = /^FILE:(.+)$/.exec(named)?.[1] ?? (named !== '' && !/^[A-Za-z0-9_]+:/.test(named) ? named : undefined)
  if (file !== undefined) k.keytab = file
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** Parses and validates policy text. Never throws for a bad file: every problem is in the result. */
export function parseConfig(text: string, options: LoadOptions = {}): LoadResult {
  const env = options.env ?? process.env
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false })
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '',
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
        // prettyErrors is off, so linePos is not filled in: the LineCounter knows the line.
        line: e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line,
      })),
    }
  }
  if (!isMap(doc.contents)) {
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)
    const what = empty ? 'is empty' : isSeq(doc.contents) ? 'is a list' : 'is a single value'
    return { ok: false, problems: [{ path: '', message: `${what}: the policy must be a mapping with at least upstream.url` }] }
  }

  const problems: Problem[] = []
  const data = substituteAll(doc.toJS({ maxAliasCount: 100 }), env, [], problems, doc, counter)
  const validate = validator()
  if (!validate(data)) problems.push(...schemaProblems(validate.errors ?? [], data, doc, counter))

  const config = data as Config
  keytabFromEnvironment(config, env)
  for (const check of semanticChecks(config, options.checkFiles ?? true)) {
    try {
      check((segs, message) => problems.push({ path: formatPath(segs), message, line: locate(doc, counter, segs) }))
    } catch {
      // A section that failed the schema can make a cross-key rule meaningless; the schema problem is listed.
    }
  }

  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || a.path.localeCompare(b.path))
    return { ok: false, problems }
  }
  return { ok: true, config: deepFreeze(config), text }
}

export async function loadConfigFile(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})` }] }
  }
  return parseConfig(text, options)
}
