// The one auth hook every scope uses (the proxy, the session resource, the management API, the token
// page), so each learns who is calling the same way. Its decision, `gate.decide(req)`, takes the request as
// restgate reads it (canonical path, client IP, headers, the policy it started under) rather than a Fastify
// request: the chain first, then, for a request no authenticator claimed, the policy (`forward` scopes) or a
// 401 with the challenge (`local` ones); lockout is counted inside the authenticators. A route can call it on
// a path it was told about (a forward-auth endpoint deciding on the original URI) as well as a hook can.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { RgError, rgError } from '../errors.js'
import { sendError } from '../http/reply.js'
import type { AuthSuccess } from '../model/identity.js'
import type { Metrics } from '../observability/metrics.js'
import { basicAccepted, challenges, decideUnclaimed, identityRequired } from '../policy/decide.js'
import { parseAuthorization } from './authorization.js'
import { runChainFrom } from './chain.js'
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js'

/**
 * The request as the authenticators see it. `path` is the canonical path decided on, within the product's
 * context path (what every path rule is relative to), and `method` its method: the request's own, or those
 * of the request it stands for (a forward-auth request's original).
 */
export function authRequestOf(request: FastifyRequest, path: string = request.rg.path, method: string = request.method): AuthRequest {
  const product = request.rg.product
  // Only product scopes authenticate: a request outside every product is a 404 before any hook asks.
  if (product === null) throw new Error('authRequestOf outside a product scope')
  return {
    policy: request.rg.policy,
    product,
    path,
    method,
    ip: request.ip,
    headers: request.headers,
    secure: request.rg.front.proto === 'https',
    log: request.log,
    reqId: request.id,
  }
}

/** Node keeps only the first Authorization header; a second one would be read differently upstream. */
export function authorizationCount(rawHeaders: readonly string[]): number {
  let n = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length === 13 && name.toLowerCase() === 'authorization') n++
  }
  return n
}

/**
 * A request no authenticator claimed that the policy lets through: `anonymous` with no credential (no
 * Authorization header, or one with nothing in it, which is then not forwarded), `passthrough` with one
 * Jira checks.
 */
export interface Passed {
  readonly passed: 'anonymous' | 'passthrough'
}

const ANONYMOUS: Passed = Object.freeze({ passed: 'anonymous' })
const PASSTHROUGH: Passed = Object.freeze({ passed: 'passthrough' })

/** Who the caller is, why they are refused (with the challenge to send), or why they go on without identity. */
export type Verdict = AuthSuccess | RgError | Passed

export interface GateOptions {
  /** The chain, in order; the first authenticator that recognises its credential decides. */
  readonly authenticators: readonly Authenticator[]
  /**
   * `forward`: the request goes upstream. An unclaimed request is decided by the policy (anonymous,
   * passwords), a second Authorization header is refused, and response headers of the login (a mutual-auth
   * token, a Set-Cookie) are left to the forwarder. `local`: restgate answers itself. An unclaimed request
   * gets a 401 with the challenge, and the login's response headers are set on the reply.
   */
  readonly scope: 'forward' | 'local'
  /** Local scopes: whether the 401 offers Basic besides Negotiate (a script may answer it; a page may not). */
  readonly offerBasic?: (req: AuthRequest) => boolean
  /** Local scopes: the 401's message, when the scope has a better one than "Authentication is required". */
  readonly unauthenticatedMessage?: string
  /** Counts the chain's refusals (restgate_auth_failures_total, `method` the authenticator that refused). */
  readonly metrics?: Metrics
}

export interface Gate {
  /** Synchronous whenever the chain answers synchronously (no credential, a cached token or session). */
  decide(req: AuthRequest): Verdict | Promise<Verdict>
  /** As an onRequest hook, callback style: a synchronous verdict costs no promise. */
  hook(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void
  /**
   * The hook's work for a request that stands for another one, described by the scope: a forward-auth
   * request carries the original method and URI, and its headers are the original request's.
   */
  hookOn(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void, described: AuthRequest): void
  /** The same as an async function, for a scope's own hook: the reply when it was answered here. */
  check(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>
}

/** The one place a login's response headers (a mutual-auth Negotiate token, a Set-Cookie) reach a local reply. */
export function applyResponseHeaders(reply: FastifyReply, auth: AuthSuccess): void {
  const headers = auth.responseHeaders
  if (headers === undefined) return
  for (const name in headers) reply.header(name, headers[name] as string | string[])
}

export function createGate(options: GateOptions): Gate {
  const { authenticators, metrics } = options
  const local = options.scope === 'local'
  const offerBasic = options.offerBasic ?? (() => false)

  /** Basic in this scope's 401s: where a script may answer it (local), where restgate or Jira takes it (forward). */
  function basicOffered(req: AuthRequest): boolean {
    return local ? offerBasic(req) : basicAccepted(req.policy, req.path)
  }

  /** A refusal's 401 carries the challenges of a 401 for no credential at this place (RFC 9110 §15.5.2). */
  function challenged(req: AuthRequest, refusal: RgError): RgError {
    if (refusal.statusCode !== 401 || refusal.headers['www-authenticate'] !== undefined) return refusal
    const where = { path: req.path, ip: req.ip, userAgent: req.headers['user-agent'], refusedScheme: parseAuthorization(req.headers.authorization)?.scheme }
    return refusal.withHeaders({ 'www-authenticate': challenges(req.policy, where, basicOffered(req)) })
  }

  function settle(req: AuthRequest, outcome: AuthOutcome): Verdict {
    if (outcome instanceof RgError) {
      metrics?.authFailures.inc({ method: outcome.refusedBy ?? 'chain', code: outcome.code })
      return challenged(req, outcome)
    }
    if (outcome !== undefined) return outcome
    const userAgent = req.headers['user-agent']
    if (local) return identityRequired(req.policy, { path: req.path, ip: req.ip, userAgent }, offerBasic(req), options.unauthenticatedMessage)
    // An Authorization header without a credential in it (`Bearer `) counts as none: anonymous, not forwarded.
    const credential = parseAuthorization(req.headers.authorization)
    const decision = decideUnclaimed(req.policy, { path: req.path, ip: req.ip, userAgent, authScheme: credential?.scheme })
    if (decision.action === 'deny') return decision.error
    return credential === undefined ? ANONYMOUS : PASSTHROUGH
  }

  function decide(req: AuthRequest): Verdict | Promise<Verdict> {
    const outcome = runChainFrom(authenticators, 0, req)
    return outcome instanceof Promise ? outcome.then((o) => settle(req, o)) : settle(req, outcome)
  }

  /** Records the verdict on the request; true when the request was answered here (refused). */
  function apply(request: FastifyRequest, reply: FastifyReply, verdict: Verdict): boolean {
    const state = request.rg
    if (verdict instanceof RgError) {
      state.decision = local && verdict.code === 'RG_ERR_UNAUTHENTICATED' ? 'no identity' : verdict.code
      sendError(reply, verdict)
      return true
    }
    if ('passed' in verdict) {
      state.decision = verdict.passed
      return false
    }
    state.auth = verdict
    if (local) applyResponseHeaders(reply, verdict)
    return false
  }

  /** A forwarded request with two Authorization headers is refused before any authenticator reads one. */
  function refusedDuplicate(request: FastifyRequest, reply: FastifyReply): boolean {
    if (local || authorizationCount(request.raw.rawHeaders) <= 1) return false
    request.rg.decision = 'duplicate authorization'
    sendError(reply, challenged(authRequestOf(request), rgError('RG_ERR_BAD_CREDENTIALS', 'More than one Authorization header')))
    return true
  }

  function hookOn(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void, described: AuthRequest): void {
    if (refusedDuplicate(request, reply)) return
    const verdict = decide(described)
    if (!(verdict instanceof Promise)) {
      if (!apply(request, reply, verdict)) done()
      return
    }
    verdict.then(
      (v) => {
        let answered: boolean
        try {
          answered = apply(request, reply, v)
        } catch (err) {
          done(err as Error)
          return
        }
        if (!answered) done()
      },
      (err: unknown) => done(err as Error),
    )
  }

  return {
    decide,
    hookOn,
    hook(request, reply, done) {
      hookOn(request, reply, done, authRequestOf(request))
    },
    async check(request, reply) {
      if (refusedDuplicate(request, reply)) return reply
      const verdict = await decide(authRequestOf(request))
      return apply(request, reply, verdict) ? reply : undefined
    },
  }
}
