// Jira's session resource, /rest/auth/1/session (and /latest), in its own scope beside the proxy.
//   POST {"username","password"}: a restgate API token of that user as the password opens a restgate
//     session (Jira's answer shape, plus Set-Cookie). Any other password is Jira's: forwarded untouched
//     (the body, read to look at it, is sent on byte for byte) and counted towards the lockout when Jira
//     refuses it; refused here with 401 when `passwords: deny`.
//   GET / DELETE with a restgate session: describe / end it here. Without one: forwarded to Jira.
// Every other method is forwarded like any proxied request.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { rgError } from '../errors.js'
import { sendError } from '../http/reply.js'
import { isProtected } from '../policy/decide.js'
import { classifyToken } from '../tokens/format.js'
import type { TokenAuthenticator } from '../auth/api-token.js'
import type { LockoutService } from '../lockout/service.js'
import { authRequestOf } from '../auth/hook.js'
import { createForwardHandler, type ProxyPluginOptions } from '../proxy/plugin.js'
import { cookieIsSecure, sessionCookie } from './cookie.js'
import { clearSessionCookie, presentedSession, resolveSession } from './authenticator.js'
import { currentUserAnswer, loginAnswer, parseLoginBody, type LoginBody, type LoginInfo } from './jira-shape.js'
import type { SessionService } from './service.js'
import type { TokenScope } from '../model/identity.js'

export const SESSION_PATHS = ['/rest/auth/1/session', '/rest/auth/latest/session']

/** Why a token may not open a session (which allows every method on every path), or undefined when it may. */
export function sessionLimit(scope: TokenScope | undefined, paths: readonly string[] | null | undefined): string | undefined {
  const instead = 'send it with each request instead'
  if (scope !== 'write') {
    return `This API token has scope "read" (GET, HEAD and OPTIONS only), and a session would allow every method: it cannot open one. Use a token with scope "write", or ${instead}`
  }
  if (paths != null) {
    return `This API token is limited to the paths ${paths.join(', ')}, and a session would reach every path: it cannot open one. Use a token without paths, or ${instead}`
  }
  return undefined
}
/** Jira's login body is a few dozen bytes; anything this size is not a login. */
const MAX_LOGIN_BODY = 64 * 1024

export interface SessionResourceDeps {
  readonly sessions: SessionService
  readonly tokens: TokenAuthenticator
  readonly lockout: LockoutService
}

/** The scope, registered by buildApp with the proxy's own options (upstream, chain, trusted proxies). */
export function sessionResource(deps: SessionResourceDeps): FastifyPluginAsync<ProxyPluginOptions> {
  return async (app, proxy) => sessionScope(deps, proxy)(app)
}

function sessionScope(deps: SessionResourceDeps, proxy: ProxyPluginOptions): (app: FastifyInstance) => Promise<void> {
  const { sessions, tokens, lockout } = deps
  // Password logins forwarded to Jira, by request: Jira's answer is counted against this user.
  const delegated = new WeakMap<FastifyRequest, string>()
  const forwardHandler = createForwardHandler(proxy, {
    onUpstreamStatus(request, status) {
      const user = delegated.get(request)
      if (user === undefined) return
      const policy = request.rg.policy
      if (status === 401 || status === 403) {
        void lockout.fail(user, request.ip, policy, request.id).then((err) => {
          if (err !== undefined) request.log.warn('a refused Jira password could not be counted towards the lockout')
        })
      } else if (status >= 200 && status < 300) void lockout.succeed(request.ip, policy)
    },
  })

  async function failedLogins(user: string): Promise<LoginInfo> {
    const counter = await lockout.status(user)
    return { failedLoginCount: counter?.count ?? 0 }
  }

  /** GET/DELETE: the restgate session first (checked here on any path), then the proxy's chain. */
  async function sessionFirst(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const authReq = authRequestOf(request)
    const id = presentedSession(authReq)
    if (id !== undefined) {
      const outcome = await resolveSession(sessions, authReq, id)
      if (outcome instanceof Error) {
        request.rg.decision = outcome.code
        return sendError(reply, outcome)
      }
      if (outcome !== undefined) {
        request.rg.auth = outcome
        return undefined
      }
    }
    return proxy.gate.check(request, reply)
  }

  async function tokenLogin(request: FastifyRequest, reply: FastifyReply, login: LoginBody): Promise<FastifyReply> {
    const policy = request.rg.policy
    const cfg = policy.config.sessions
    if (!cfg.enabled) {
      request.rg.decision = 'sessions disabled'
      return sendError(reply, rgError('RG_ERR_FORBIDDEN', 'restgate sessions are switched off (sessions.enabled): send the API token with each request instead'))
    }
    // A login is never the hot path: the lockout is checked even when the token is cached.
    const locked = await lockout.check(login.username, request.ip, policy)
    if (locked !== undefined) {
      request.rg.decision = locked.code
      return sendError(reply, locked)
    }
    const outcome = await tokens.verify(authRequestOf(request), login.username, login.password)
    if (outcome === undefined || outcome instanceof Error) {
      const err = outcome ?? rgError('RG_ERR_LOGIN_FAILED')
      request.rg.decision = err.code
      proxy.metrics.authFailures.inc({ method: 'session-login', code: err.code })
      return sendError(reply, err)
    }
    const identity = outcome.identity
    // A session carries no scope: only a token that may do everything may open one. The refusal names the
    // token's own limit, which is the reason (the login being a POST is not).
    const limit = sessionLimit(identity.scope, identity.tokenPaths)
    if (limit !== undefined) {
      request.rg.decision = 'limited token'
      return sendError(reply, rgError('RG_ERR_TOKEN_SCOPE', limit))
    }
    const { id, record } = await sessions.create(identity.user, 'token', request.ip, request.id)
    request.rg.auth = { identity: { user: record.user, method: 'session', sessionKey: record.key }, consumed: 'authorization' }
    request.rg.decision = 'session created'
    const secure = cookieIsSecure(cfg.secure, request.rg.front.proto === 'https')
    reply
      .header('set-cookie', sessionCookie(cfg.cookieName, id, record.absoluteExpiresAt - record.createdAt, secure))
      .header('cache-control', 'no-store')
    return reply.send(loginAnswer(cfg.cookieName, id, await failedLogins(record.user)))
  }

  async function login(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const policy = request.rg.policy
    const body = parseLoginBody(request.body)
    if (body !== undefined && classifyToken(body.password) !== 'other') return tokenLogin(request, reply, body)
    if (policy.config.passwords === 'deny' && isProtected(policy, request.rg.path)) {
      // Fail closed: a body restgate cannot read is not passed on to a Jira that may read it differently.
      request.rg.decision = 'RG_ERR_PASSWORDS_DISABLED'
      return sendError(reply, rgError('RG_ERR_PASSWORDS_DISABLED'))
    }
    if (body !== undefined) {
      const locked = await lockout.check(body.username, request.ip, policy)
      if (locked !== undefined) {
        request.rg.decision = locked.code
        return sendError(reply, locked)
      }
      delegated.set(request, body.username)
    }
    request.rg.decision = 'passthrough'
    return forwardHandler(request, reply)
  }

  async function describeOrEnd(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const identity = request.rg.auth?.identity
    if (identity === undefined || identity.method !== 'session' || identity.sessionKey === undefined) return forwardHandler(request, reply)
    reply.header('cache-control', 'no-store')
    if (request.method === 'DELETE') {
      await sessions.end(identity.sessionKey, request.ip, request.id)
      request.rg.decision = 'session ended'
      return reply.code(204).header('set-cookie', clearSessionCookie(authRequestOf(request))).send()
    }
    return reply.send(currentUserAnswer(request, identity.user, await failedLogins(identity.user)))
  }

  return async (app: FastifyInstance): Promise<void> => {
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (request, payload, done) => {
      // Only the login's body is read; every other body streams to Jira untouched.
      if (request.method !== 'POST') return done(null, undefined)
      const declared = Number(request.headers['content-length'] ?? 0)
      if (declared > MAX_LOGIN_BODY) return done(rgError('RG_ERR_PAYLOAD_TOO_LARGE'), undefined)
      const chunks: Buffer[] = []
      let size = 0
      payload.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAX_LOGIN_BODY) {
          payload.removeAllListeners('data')
          payload.resume()
          done(rgError('RG_ERR_PAYLOAD_TOO_LARGE'), undefined)
          return
        }
        chunks.push(c)
      })
      payload.on('end', () => {
        if (size <= MAX_LOGIN_BODY) done(null, Buffer.concat(chunks))
      })
      payload.on('error', (err) => done(err, undefined))
    })
    app.addHook('onRequest', (request, _reply, done) => {
      request.rg.routeClass = 'session'
      done()
    })
    for (const url of SESSION_PATHS) {
      app.post(url, login)
      app.route({ method: ['GET', 'DELETE'], url, onRequest: sessionFirst, handler: describeOrEnd })
      app.route({ method: ['PUT', 'PATCH', 'OPTIONS'], url, onRequest: proxy.gate.hook, handler: forwardHandler })
    }
  }
}
