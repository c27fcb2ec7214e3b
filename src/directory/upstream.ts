// `directory.source: upstream`: a user's groups are asked of the product itself (directory.product, by
// default the first), as it sees that user. Jira: GET <context path>/rest/api/2/myself?expand=groups;
// Confluence: GET /rest/api/user/current (it must name the user) then /rest/api/user/memberof. Both with
// restgate's identity headers (and the signed assertion when configured, or signed with OAuth as that
// user when identity.oauth is set), the same credentials a forwarded request of that user carries. Answers are cached per user for
// directory.cacheSeconds. When Jira cannot answer (down, 5xx, timeout, garbage), the last good answer is
// used for directory.graceSeconds more; past that the user has no upstream groups, so group-gated actions
// are refused. A clear "not this user" from Jira (401, 403, 404) counts as an answer with no groups:
// it is never covered by the grace period, so a user Jira stopped knowing loses group rights at once.
//
// Lookups go through a small pool of their own, not the proxy's: a proxy pool saturated by slow
// requests must not hold up an admin check, and a lookup has a short timeout of its own.
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { Policy } from '../policy/compile.js'
import type { IdentitySigner } from '../upstream/identity.js'
import type { Upstream } from '../upstream/pool.js'
import type { OAuthSigner } from '../upstream/oauth-box.js'
import { BoundedCache, freshness, type CacheEntry } from './cache.js'
import { parseMyself } from './jira-myself.js'
import { parseCurrentUser, parseMemberOf } from './confluence-user.js'
import type { ProductRef } from '../model/product.js'
import { isAdminOf, staticGroupsOf, type Directory } from './static.js'

export const MYSELF_PATH = '/rest/api/2/myself?expand=groups'
export const CONFLUENCE_CURRENT_PATH = '/rest/api/user/current'
/** Confluence pages group memberships; this many pages at most (2,000 groups), then the list is partial. */
const MEMBEROF_LIMIT = 200
const MEMBEROF_PAGES = 10
/** Sent in identity.methodHeader on lookups, so Jira's logs tell them from the user's own requests. */
export const DIRECTORY_METHOD = 'directory'

export interface UpstreamDirectoryDeps {
  readonly client: Upstream
  /** The product asked (its type picks the REST calls, its context path prefixes them); Jira at / by default. */
  readonly product?: ProductRef
  readonly clock: Clock
  readonly logger: Logger
  readonly signer?: IdentitySigner
  readonly oauth?: OAuthSigner
  /** Users kept in the cache (least recently used out first). */
  readonly maxEntries?: number
  /** After a failed lookup, ask again no sooner than this: a Jira outage must not cost every request a timeout. */
  readonly retryMs?: number
  /** Upper bound for one lookup (the policy's upstream.timeout applies when shorter). */
  readonly timeoutMs?: number
}

export interface UpstreamDirectory extends Directory {
  /** Forgets every cached answer. */
  clear(): void
  readonly cacheSize: number
}

type Lookup =
  | { kind: 'answer'; groups: readonly string[] }
  /** Jira said this user is not known or not allowed: no groups, cached like an answer. */
  | { kind: 'refused'; reason: string }
  | { kind: 'outage'; reason: string }

const MAX_BODY_BYTES = 1024 * 1024

async function readJson(body: AsyncIterable<Buffer>, limit: number): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) throw new Error(`answer larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

export function createUpstreamDirectory(deps: UpstreamDirectoryDeps): UpstreamDirectory {
  const { client, clock, logger } = deps
  const cache = new BoundedCache<CacheEntry>(deps.maxEntries ?? 10_000)
  const inflight = new Map<string, Promise<readonly string[]>>()
  const retryMs = deps.retryMs ?? 5_000
  const maxTimeoutMs = deps.timeoutMs ?? 5_000

  const product: ProductRef = deps.product ?? { name: 'jira', type: 'jira', contextPath: '' }
  const base = product.contextPath
  const who = product.type === 'confluence' ? 'Confluence' : 'Jira'

  /** GET as the user: 200 with a JSON body, or the Lookup that ends the question. */
  async function get(path: string, user: string, policy: Policy): Promise<{ body: unknown } | Lookup> {
    const id = policy.config.identity
    const headers: Record<string, string> = {
      accept: 'application/json',
      [id.userHeader]: user,
      [id.methodHeader]: DIRECTORY_METHOD,
    }
    let target = base + path
    if (id.oauth !== undefined && deps.oauth !== undefined) {
      const signed = await deps.oauth.sign(user, { method: 'GET', target })
      // restgate's own lookup paths carry no OAuth parameter, so there is nothing to clash with.
      if ('clash' in signed) throw new Error(`cannot sign ${target}: ${signed.clash}`)
      target = signed.target
      headers['authorization'] = signed.authorization
    }
    if (id.signing !== undefined && deps.signer !== undefined) {
      headers[id.signing.header] = deps.signer.sign(user, DIRECTORY_METHOD, { method: 'GET', target })
    }
    const productTimeout = policy.products.get(product.name)?.timeoutMs ?? maxTimeoutMs
    const timeout = Math.min(productTimeout, maxTimeoutMs)
    try {
      const res = await client.pool.request({ method: 'GET', path: target, headers, headersTimeout: timeout, bodyTimeout: timeout })
      const status = res.statusCode
      if (status !== 200) {
        await res.body.dump()
        const reason = `${who} answered ${status}`
        // 408 and 429 say "not now", not "not this user".
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'refused', reason }
        return { kind: 'outage', reason }
      }
      try {
        return { body: await readJson(res.body, MAX_BODY_BYTES) }
      } catch (err) {
        return { kind: 'outage', reason: `unreadable answer: ${(err as Error).message}` }
      }
    } catch (err) {
      const e = err as Error & { code?: string }
      return { kind: 'outage', reason: e.code ?? e.message }
    }
  }

  async function askJira(user: string, policy: Policy): Promise<Lookup> {
    const got = await get(MYSELF_PATH, user, policy)
    if ('kind' in got) return got
    const parsed = parseMyself(got.body, user)
    if (!parsed.ok) return { kind: 'outage', reason: parsed.reason }
    if (parsed.partial) logger.warn({ user, groups: parsed.groups.length }, 'directory: Jira listed only part of the groups')
    return { kind: 'answer', groups: parsed.groups }
  }

  async function askConfluence(user: string, policy: Policy): Promise<Lookup> {
    // memberof answers for any user name it is given: first make sure Confluence reads the headers as this user.
    const current = await get(CONFLUENCE_CURRENT_PATH, user, policy)
    if ('kind' in current) return current
    const who = parseCurrentUser(current.body)
    if (!who.ok) return { kind: 'outage', reason: who.reason }
    if (who.username.toLowerCase() !== user.toLowerCase()) return { kind: 'outage', reason: 'the answer is about another user' }
    const groups: string[] = []
    for (let page = 0; page < MEMBEROF_PAGES; page++) {
      const path = `/rest/api/user/memberof?username=${encodeURIComponent(user)}&start=${page * MEMBEROF_LIMIT}&limit=${MEMBEROF_LIMIT}`
      const got = await get(path, user, policy)
      if ('kind' in got) return got
      const parsed = parseMemberOf(got.body, MEMBEROF_LIMIT)
      if (!parsed.ok) return { kind: 'outage', reason: parsed.reason }
      groups.push(...parsed.groups)
      if (!parsed.more) return { kind: 'answer', groups }
    }
    logger.warn({ user, groups: groups.length }, 'directory: Confluence listed only part of the groups')
    return { kind: 'answer', groups }
  }

  const ask = product.type === 'confluence' ? askConfluence : askJira

  /** What to use when Jira cannot be asked now: the last good answer within grace, else nothing. */
  function fallback(user: string, entry: CacheEntry | undefined, policy: Policy, now: number, reason: string): readonly string[] {
    const d = policy.config.directory
    const answer = entry?.answer
    if (answer !== undefined && freshness(answer.at, now, d.cacheSeconds * 1000, d.graceSeconds * 1000) !== 'expired') {
      logger.warn({ user, reason, ageSeconds: Math.round((now - answer.at) / 1000) }, 'directory: Jira cannot answer, using the last known groups')
      return answer.groups
    }
    logger.warn({ user, reason }, 'directory: Jira cannot answer and no recent answer is known: no groups (group-gated actions are refused)')
    return []
  }

  async function refresh(user: string, policy: Policy, entry: CacheEntry | undefined): Promise<readonly string[]> {
    const result = await ask(user, policy)
    const now = clock.now()
    switch (result.kind) {
      case 'answer':
        cache.set(user, { answer: { groups: result.groups, at: now }, retryAt: 0 })
        logger.debug({ user, groups: result.groups.length }, 'directory: groups from Jira')
        return result.groups
      case 'refused':
        cache.set(user, { answer: { groups: [], at: now }, retryAt: 0 })
        logger.warn({ user, reason: result.reason }, 'directory: Jira does not accept this user: no groups')
        return []
      case 'outage':
        cache.set(user, { answer: entry?.answer, retryAt: now + retryMs })
        return fallback(user, entry, policy, now, result.reason)
    }
  }

  async function upstreamGroups(user: string, policy: Policy): Promise<readonly string[]> {
    const d = policy.config.directory
    const now = clock.now()
    const entry = cache.get(user)
    const answer = entry?.answer
    if (answer !== undefined && freshness(answer.at, now, d.cacheSeconds * 1000, d.graceSeconds * 1000) === 'fresh') {
      return answer.groups
    }
    if (entry !== undefined && now < entry.retryAt) return fallback(user, entry, policy, now, 'Jira failed a moment ago')
    // Concurrent requests of one user share one lookup.
    let pending = inflight.get(user)
    if (pending === undefined) {
      pending = refresh(user, policy, entry).finally(() => inflight.delete(user))
      inflight.set(user, pending)
    }
    return pending
  }

  async function groupsOf(user: string, policy: Policy): Promise<readonly string[]> {
    // Static groups from the policy count as well: an operator wrote them down on purpose.
    const fromJira = await upstreamGroups(user, policy)
    const fromPolicy = staticGroupsOf(policy, user)
    if (fromPolicy.length === 0) return fromJira
    return [...new Set([...fromJira, ...fromPolicy])]
  }

  return {
    groupsOf,
    async isAdmin(user, policy) {
      // directory.admins.users needs no lookup, and must work while Jira is down.
      if (policy.config.directory.admins.users.includes(user)) return true
      if (policy.config.directory.admins.groups.length === 0) return false
      return isAdminOf(policy, user, await groupsOf(user, policy))
    },
    clear: () => cache.clear(),
    get cacheSize() {
      return cache.size
    },
  }
}
