// A small stand-in for restgate sessions, behind the PageSessions interface, so the token page can log
// people in before the sessions feature is wired. It keeps sessions in the Store (hashed cookie value, idle
// and absolute expiry, a CSRF token each) and reads them without a cache: one store read per page or API
// call that carries the cookie. It is used only by the page and the management API, never by the proxy.
// Replace it with the sessions feature's service (see sessions.ts) when that lands.
import { createHash, randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { rgError } from '../errors.js'
import type { Clock } from '../clock.js'
import type { RuntimeHolder } from '../config/runtime.js'
import type { Store } from '../store/types.js'
import type { AuthOutcome, AuthRequest } from '../auth/types.js'
import { clearedCookie, cookieSecure, cookieValue, sessionCookie } from './cookies.js'
import type { PageSessions } from './sessions.js'

/** 256 random bits: the cookie value is the credential, so only its hash is stored. */
const newSecret = (): string => randomBytes(32).toString('base64url')
const keyOf = (cookie: string): string => createHash('sha256').update(cookie).digest('hex')
// Refresh the stored "last seen" at most this often: idle expiry stays accurate to a minute without a
// store write on every request.
const TOUCH_EVERY_MS = 60_000

export interface MinimalSessionDeps {
  readonly store: Store
  readonly clock: Clock
  readonly runtime: RuntimeHolder
}

export function createMinimalSessions(deps: MinimalSessionDeps): PageSessions {
  const { store, clock, runtime } = deps
  const cookieOptions = (request: FastifyRequest) => {
    const s = runtime.current.config.sessions
    return { name: s.cookieName, secure: cookieSecure(s.secure, request.protocol === 'https') }
  }

  async function authenticate(req: AuthRequest): Promise<AuthOutcome> {
    const sessions = req.policy.config.sessions
    if (!sessions.enabled) return undefined
    const value = cookieValue(req.headers.cookie, sessions.cookieName)
    if (value === undefined || value.length === 0) return undefined
    const key = keyOf(value)
    const record = await store.getSession(key)
    const now = clock.now()
    const { sessionIdleMs, sessionAbsoluteMs } = req.policy.durations
    const live =
      record !== null && now < record.absoluteExpiresAt && now < record.lastSeenAt + sessionIdleMs && now < record.createdAt + sessionAbsoluteMs
    if (!live) {
      if (record !== null) await store.deleteSession(key)
      // A script with a stale cookie jar and a valid Authorization header is not refused for the cookie.
      if (req.headers.authorization !== undefined) return undefined
      req.log.info({ reason: record === null ? 'unknown session' : 'session expired' }, 'session refused')
      return rgError('RG_ERR_SESSION_EXPIRED')
    }
    if (now - record.lastSeenAt >= TOUCH_EVERY_MS) await store.touchSessions([{ key, at: now }])
    return { identity: { user: record.user, method: 'session', sessionKey: key }, consumed: 'cookie' }
  }

  return {
    authenticator: { name: 'session (token page)', authenticate },

    async issue(user, method, request, reply: FastifyReply) {
      const value = newSecret()
      const csrf = newSecret()
      const now = clock.now()
      await store.createSession({
        key: keyOf(value),
        user,
        method,
        createdAt: now,
        lastSeenAt: now,
        absoluteExpiresAt: now + runtime.current.policy.durations.sessionAbsoluteMs,
        csrf,
      })
      reply.header('set-cookie', sessionCookie(value, cookieOptions(request)))
      return { csrf }
    },

    async csrfOf(sessionKey) {
      return (await store.getSession(sessionKey))?.csrf ?? null
    },

    async end(sessionKey, request, reply) {
      const ended = await store.deleteSession(sessionKey)
      if (ended !== null) await store.publish({ kind: 'session', key: sessionKey })
      reply.header('set-cookie', clearedCookie(cookieOptions(request)))
    },
  }
}
