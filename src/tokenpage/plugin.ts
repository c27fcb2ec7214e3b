// The self-service token page at tokenPage.path: the page's three files, and three small JSON routes the
// page needs besides the management API (who am I, log in, log out). Answered here, never forwarded.
// Everything about tokens goes through the management API; nothing here touches tokens or the store.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { Type, type Static } from '@sinclair/typebox'
import { rgError, type RgError } from '../errors.js'
import { applyResponseHeaders, authRequestOf, createGate, type Verdict } from '../auth/hook.js'
import type { Authenticator } from '../auth/types.js'
import type { Directory } from '../directory/static.js'
import { sendError } from '../http/reply.js'
import { auditLogger } from '../observability/logger.js'
import { identityRequired, negotiateChallenge, type ChallengeRequest } from '../policy/decide.js'
import { API_PREFIX } from '../api/plugin.js'
import { TOKENS_FAMILY, TOKENS_VERSION } from '../api/tokens.js'
import { rule, strictValidation } from '../api/validation.js'
import type { TokenService } from '../tokens/service.js'
import { pageHtml, type PageAssets } from './assets.js'
import type { ProductRef } from '../model/product.js'
import { PAGE_HEADERS } from './headers.js'
import { checkLogin } from './login.js'
import type { LockoutService } from '../lockout/service.js'
import type { PageSessions, SessionFacts } from './sessions.js'

export interface TokenPageOptions {
  readonly path: string
  readonly assets: PageAssets
  /** The management API's chain, the session authenticator (CSRF-checked) first. */
  readonly authenticators: readonly Authenticator[]
  readonly jiraPassword: Authenticator
  readonly sessions: PageSessions
  readonly lockout: LockoutService
  readonly directory: Directory
  readonly tokens: TokenService
}

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255, ...rule('your Jira user name') }),
    password: Type.String({ minLength: 1, maxLength: 1024, ...rule('your Jira password') }),
  },
  { additionalProperties: false },
)
type LoginBody = Static<typeof LoginBody>

const Session = Type.Object({
  user: Type.String(),
  method: Type.String(),
  /** For a session: how it began (password, kerberos, token); otherwise the same as `method`. */
  loginMethod: Type.String(),
  admin: Type.Boolean(),
  csrf: Type.Union([Type.String(), Type.Null()]),
  mayCreate: Type.Boolean(),
  mayWrite: Type.Boolean(),
  defaultLifetimeDays: Type.Integer(),
  maxLifetimeDays: Type.Integer(),
  allowNonExpiring: Type.Boolean(),
  tokenPaths: Type.Array(Type.String()),
  api: Type.String(),
  /** Path of a who-am-I call in the product's own REST API, for the example command. */
  example: Type.String(),
})

const TOKENS_API = `${API_PREFIX}/${TOKENS_FAMILY}/${TOKENS_VERSION}`

/** A call the example command on the page makes: who am I, in the product's own REST API. */
const WHO_AM_I: Record<ProductRef['type'], string> = { jira: '/rest/api/2/myself', confluence: '/rest/api/user/current' }

export function tokenPagePlugin(options: TokenPageOptions): FastifyPluginAsync<{ readonly product: ProductRef }> {
  const { assets, sessions, lockout, directory, tokens } = options

  const NOT_LOGGED_IN = 'You are not logged in: log in with your Jira user name and password'
  // A local scope that never offers Basic: a browser would answer that with its own password prompt.
  // Negotiate where Kerberos applies to the page's path (kerberos.paths): a browser on a domain machine
  // answers it with a ticket, without asking its user anything, and the login form is never needed.
  const gate = createGate({ authenticators: options.authenticators, scope: 'local', unauthenticatedMessage: NOT_LOGGED_IN })

  async function identify(request: FastifyRequest): Promise<Verdict> {
    return gate.decide(authRequestOf(request))
  }

  function challengeRequest(request: FastifyRequest): ChallengeRequest {
    return { path: request.rg.path, ip: request.ip, userAgent: request.headers['user-agent'] }
  }

  function notLoggedIn(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    return sendError(reply, identityRequired(request.rg.policy, challengeRequest(request), false, NOT_LOGGED_IN))
  }

  /**
   * An expired session on who-am-I also carries the Negotiate challenge: the browser's answer (stale cookie
   * plus a ticket) is a new Kerberos login, since the session check gives way to an Authorization header.
   */
  function refused(request: FastifyRequest, reply: FastifyReply, error: RgError): FastifyReply {
    const challenge = error.code === 'RG_ERR_SESSION_EXPIRED' ? negotiateChallenge(request.rg.policy, challengeRequest(request)) : undefined
    return sendError(reply, challenge === undefined ? error : error.withHeaders(challenge))
  }

  async function page(app: FastifyInstance, product: ProductRef): Promise<void> {
    strictValidation()(app)
    const html = pageHtml(assets, product.contextPath + options.path)
    app.addHook('onRequest', (request, reply, done) => {
      request.rg.routeClass = 'page'
      reply.headers(PAGE_HEADERS)
      done()
    })

    app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(html))
    app.get('/assets/tokens.css', (_request, reply) => reply.type('text/css; charset=utf-8').send(assets.css))
    app.get('/assets/tokens.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').send(assets.js))

    app.get('/api/session', { schema: { response: { 200: Session } } }, async (request, reply) => {
      const outcome = await identify(request)
      if (outcome instanceof Error) return refused(request, reply, outcome)
      if ('passed' in outcome) return notLoggedIn(request, reply)
      request.rg.auth = outcome
      // Kerberos's mutual-authentication token (WWW-Authenticate: Negotiate <token>) belongs on this answer.
      applyResponseHeaders(reply, outcome)
      const { user, method, sessionKey } = outcome.identity
      const policy = request.rg.policy
      let facts: SessionFacts | null = null
      if (sessionKey !== undefined) {
        // A session cookie, or (kerberos.sessions on) the session the Kerberos handshake just opened: its
        // Set-Cookie is among the response headers above, so no second session is made.
        facts = await sessions.factsOf(sessionKey)
      } else if ((method === 'kerberos' || method === 'password') && policy.config.sessions.enabled) {
        // A browser on a domain machine logged in by Kerberos: one session, so the page's calls that follow
        // carry a cookie and a CSRF token instead of a handshake each. Never for an API token: a session
        // would outgrow the token's scope.
        facts = await sessions.issue(user, method, request, reply)
      }
      const cfg = policy.config.apiTokens
      const [admin, mayCreate, mayWrite] = await Promise.all([
        directory.isAdmin(user, policy),
        tokens.userMayHoldTokens(user, policy),
        tokens.userMayCreateWrite(user, policy),
      ])
      return {
        user,
        method,
        loginMethod: facts?.loginMethod ?? method,
        admin,
        csrf: facts?.csrf ?? null,
        mayCreate,
        mayWrite,
        defaultLifetimeDays: cfg.defaultLifetimeDays,
        maxLifetimeDays: cfg.maxLifetimeDays,
        allowNonExpiring: cfg.allowNonExpiring,
        tokenPaths: [...cfg.paths],
        api: product.contextPath + TOKENS_API,
        example: product.contextPath + WHO_AM_I[product.type],
      }
    })

    app.post<{ Body: LoginBody }>('/api/login', { schema: { body: LoginBody } }, async (request, reply) => {
      const policy = request.rg.policy
      if (!policy.config.sessions.enabled) {
        return sendError(reply, rgError('RG_ERR_FORBIDDEN', 'Logging in here needs restgate sessions, which are switched off (sessions.enabled)'))
      }
      const result = await checkLogin(request.body, authRequestOf(request), options.jiraPassword, lockout)
      if (result instanceof Error) {
        request.rg.decision = result.code
        request.log.info({ user: request.body.username, code: result.code }, 'token page login refused')
        return sendError(reply, result)
      }
      const { csrf } = await sessions.issue(result.user, 'password', request, reply)
      auditLogger(request.log as unknown as Logger).info({ event: 'session.login', actor: result.user, via: 'token page', ip: request.ip, auth: 'password' }, `session.login ${result.user}`)
      return { user: result.user, csrf }
    })

    app.post('/api/logout', async (request, reply) => {
      const outcome = await identify(request)
      if (outcome instanceof Error) return sendError(reply, outcome)
      const key = 'passed' in outcome ? undefined : outcome.identity.sessionKey
      if ('passed' in outcome || key === undefined) return notLoggedIn(request, reply)
      await sessions.end(key, request, reply)
      auditLogger(request.log as unknown as Logger).info({ event: 'session.logout', actor: outcome.identity.user, via: 'token page', ip: request.ip }, `session.logout ${outcome.identity.user}`)
      return { user: outcome.identity.user, loggedOut: true }
    })

    // Anything else under the page's path is ours: a 404, never a request to the upstream.
    const notFound = async (_request: FastifyRequest, reply: FastifyReply) => sendError(reply, rgError('RG_ERR_NOT_FOUND'))
    app.all('/*', notFound)
  }

  // Registered in each product's scope, which hands it the product (the proxy's options).
  return async function tokenPage(app: FastifyInstance, opts: { readonly product: ProductRef }): Promise<void> {
    await app.register(async (scope) => page(scope, opts.product), { prefix: options.path })
  }
}
