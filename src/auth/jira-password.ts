// For the management API only: Basic with a product's password, checked by asking the product the request
// is for who that is, under its context path: Jira `GET /rest/api/2/myself` (200 = valid, the user is
// `name`), Confluence `GET /rest/api/user/current` (200 with `type: known`, the user is `username`; an
// anonymous answer confirms nobody). This lets a user who
// has no token yet create the first one. Positive answers are cached briefly under an HMAC of the header
// (keyed per process), so neither the password nor a reversible form of it is ever kept. Never part of the
// proxy chain: there a password goes to Jira itself, or is refused by `passwords: deny`.
import { createHmac, randomBytes } from 'node:crypto'
import { rgError } from '../errors.js'
import { LruTtlCache } from '../cache/lru.js'
import type { Clock } from '../clock.js'
import type { Upstream } from '../upstream/pool.js'
import type { ProductRef } from '../model/product.js'
import type { LockoutService } from '../lockout/service.js'
import { classifyToken } from '../tokens/format.js'
import { decodeBasic, parseAuthorization } from './authorization.js'
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js'

export interface JiraPasswordOptions {
  /** The pool to each product, by name: a password is checked by the product the request is for. */
  readonly upstreams: ReadonlyMap<string, Upstream>
  readonly clock: Clock
  readonly timeoutMs: (product: ProductRef) => number
  readonly cacheTtlMs?: number
  readonly cacheEntries?: number
  /** Counts passwords Jira refuses; checked before Jira is asked (a cached answer needs no check). */
  readonly lockout?: LockoutService
}

const MAX_BODY = 256 * 1024

/** Who the product says the caller is, from its answer to the check; undefined when it names nobody. */
function confirmedUser(type: ProductRef['type'], body: unknown): string | undefined {
  const b = (body ?? {}) as { name?: unknown; username?: unknown; type?: unknown }
  const name = type === 'confluence' ? (b.type === 'known' ? b.username : undefined) : b.name
  return typeof name === 'string' && name.length > 0 ? name : undefined
}

const CHECK_PATH: Record<ProductRef['type'], string> = { jira: '/rest/api/2/myself', confluence: '/rest/api/user/current' }

export function createJiraPasswordAuthenticator(options: JiraPasswordOptions): Authenticator {
  const { upstreams, clock, lockout } = options
  const key = randomBytes(32)
  const ttlMs = options.cacheTtlMs ?? 60_000
  const cache = new LruTtlCache<string, string>(() => ({ maxEntries: options.cacheEntries ?? 1000, ttlMs }))

  async function askJira(req: AuthRequest, header: string, cacheKey: string, user: string): Promise<AuthOutcome> {
    const locked = await lockout?.check(user, req.ip, req.policy)
    if (locked !== undefined) return locked
    const product = req.product
    const upstream = upstreams.get(product.name)
    if (upstream === undefined) return rgError('RG_ERR_INTERNAL')
    const timeout = options.timeoutMs(product)
    const checkPath = product.contextPath + CHECK_PATH[product.type]
    let status: number
    let body: unknown
    let loginReason: string | undefined
    try {
      const res = await upstream.pool.request({
        method: 'GET',
        path: checkPath,
        headers: { host: upstream.host, authorization: header, accept: 'application/json' },
        headersTimeout: timeout,
        bodyTimeout: timeout,
      })
      status = res.statusCode
      const reason = res.headers['x-seraph-loginreason']
      loginReason = Array.isArray(reason) ? reason[0] : reason
      const text = await res.body.text()
      if (status === 200 && text.length <= MAX_BODY) body = JSON.parse(text) as unknown
    } catch (err) {
      req.log.warn({ err: (err as Error).message, product: product.name }, 'could not check a password: upstream unavailable')
      return rgError('RG_ERR_UPSTREAM_UNAVAILABLE', `${product.name} could not be asked to check the password: try again shortly`)
    }
    if (status === 200) {
      const name = confirmedUser(product.type, body)
      if (name === undefined) {
        // Confluence answers an unrecognised caller as anonymous with 200: that confirms no password.
        if (product.type === 'confluence' && (body as { type?: unknown } | undefined)?.type === 'anonymous') {
          const uncounted = await lockout?.fail(user, req.ip, req.policy, req.reqId)
          return uncounted ?? rgError('RG_ERR_LOGIN_FAILED')
        }
        return rgError('RG_ERR_UPSTREAM_BAD_RESPONSE', `${product.name} confirmed the password but did not say who the user is`)
      }
      cache.set(cacheKey, name, clock.now())
      if (lockout !== undefined) await lockout.succeed(req.ip, req.policy)
      return { identity: { user: name, method: 'password' }, consumed: 'authorization' }
    }
    if (status === 401 || status === 403) {
      req.log.info({ status, loginReason, product: product.name }, 'the product refused a password for the management API')
      const uncounted = await lockout?.fail(user, req.ip, req.policy, req.reqId)
      if (uncounted !== undefined) return uncounted
      if (loginReason?.includes('AUTHENTICATION_DENIED')) {
        return rgError('RG_ERR_LOGIN_FAILED', 'Jira wants a CAPTCHA for this user: log in to Jira in a browser once, then try again')
      }
      return rgError('RG_ERR_LOGIN_FAILED')
    }
    req.log.warn({ status, product: product.name }, `unexpected answer to ${checkPath}`)
    return rgError('RG_ERR_UPSTREAM_BAD_RESPONSE', `${product.name} answered ${status} when asked to check the password`)
  }

  return {
    name: 'jira-password',
    authenticate(req) {
      const header = req.headers.authorization
      const parsed = parseAuthorization(header)
      if (parsed === undefined || parsed.scheme !== 'basic') return undefined
      const creds = decodeBasic(parsed.value)
      // Unreadable Basic and restgate's own tokens are the token authenticator's to answer.
      if (!creds.ok || classifyToken(creds.password) !== 'other') return undefined
      // Per product: a password one product accepts says nothing about the other.
      const cacheKey = createHmac('sha256', key).update(req.product.name).update('\0').update(header!).digest('base64url')
      const user = cache.get(cacheKey, clock.now())
      if (user !== undefined) return { identity: { user, method: 'password' }, consumed: 'authorization' }
      return askJira(req, header!, cacheKey, creds.user)
    },
  }
}
