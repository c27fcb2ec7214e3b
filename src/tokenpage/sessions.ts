// The token page on restgate's sessions (src/sessions/): one session system, one cookie
// (sessions.cookieName), one store record. The page adds nothing to the record: the per-session CSRF token
// is the record's own `csrf` (random, stored with the session, created with it) and the login method is
// its `method`. This file only adapts the session service to what the page and the management API need.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuthRequest, Authenticator } from '../auth/types.js'
import type { AuthMethod } from '../model/identity.js'
import { clearSessionCookie, presentedSession, resolveSession } from '../sessions/authenticator.js'
import { cookieIsSecure, sessionCookie } from '../sessions/cookie.js'
import type { SessionService } from '../sessions/service.js'
import { authRequestOf } from '../auth/hook.js'
import { browserSafeChallenge, fromPageScript } from '../policy/decide.js'
import { RgError } from '../errors.js'

export interface SessionFacts {
  /** The CSRF token the page sends back in X-RG-CSRF on every change. */
  readonly csrf: string
  /** How the user proved who they are when the session began: password (the form), kerberos, token. */
  readonly loginMethod: AuthMethod
}

export interface PageSessions {
  /**
   * The session cookie on any path (the page and the management API are not protected paths, where the
   * proxy's session authenticator looks): identity `{ method: 'session', sessionKey }`, 401
   * RG_ERR_SESSION_EXPIRED with the cookie cleared for a dead one (unless an Authorization credential
   * decides, as on the proxy), or undefined when there is no cookie.
   */
  readonly authenticator: Authenticator
  /**
   * Starts a session for `user`, who just proved who they are by `method` (a Jira password on the login
   * form, Kerberos on a domain machine without kerberos.sessions), and sets the cookie on `reply`.
   */
  issue(user: string, method: AuthMethod, request: FastifyRequest, reply: FastifyReply): Promise<SessionFacts>
  /** The CSRF token and login method of a session by its store key (Identity.sessionKey); null when gone. */
  factsOf(sessionKey: string): Promise<SessionFacts | null>
  /** Ends the session (logout, everywhere) and clears the cookie. */
  end(sessionKey: string, request: FastifyRequest, reply: FastifyReply): Promise<void>
}

export function pageSessions(service: SessionService): PageSessions {
  return {
    authenticator: {
      name: 'session',
      async authenticate(req: AuthRequest) {
        const id = presentedSession(req)
        if (id === undefined) return undefined
        const outcome = await resolveSession(service, req, id)
        // The page's own calls get the expired-session 401 without the Negotiate challenge a script gets:
        // the browser would answer it by itself on this one call and carry on cookie-less, a handshake per
        // call with a CSRF token of a dead session. The page asks who-am-I instead, which challenges, and a
        // domain browser gets one new session (and CSRF token) there. A 401 still names a challenge: one
        // no browser answers.
        if (outcome instanceof RgError && outcome.headers['www-authenticate'] !== undefined && fromPageScript(req.headers)) {
          return outcome.withHeaders({ 'www-authenticate': browserSafeChallenge(req.policy) })
        }
        return outcome
      },
    },

    async issue(user, method, request, reply) {
      const cfg = request.rg.policy.config.sessions
      const { id, record } = await service.create(user, method, request.ip, request.id)
      const secure = cookieIsSecure(cfg.secure, authRequestOf(request).secure)
      reply.header('set-cookie', sessionCookie(cfg.cookieName, id, record.absoluteExpiresAt - record.createdAt, secure))
      return { csrf: record.csrf, loginMethod: record.method }
    },

    async factsOf(sessionKey) {
      const record = await service.peek(sessionKey)
      return record === null ? null : { csrf: record.csrf, loginMethod: record.method }
    },

    async end(sessionKey, request, reply) {
      await service.end(sessionKey, request.ip, request.id)
      reply.header('set-cookie', clearSessionCookie(authRequestOf(request)))
    },
  }
}
