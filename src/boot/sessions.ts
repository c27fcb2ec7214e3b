// Everything sessions add to a running restgate: the session service, the cookie authenticator (first in
// the proxy chain), the /rest/auth/1/session scope, and the hook that sets the cookie after a Kerberos
// handshake when `kerberos.sessions` is on. boot/features.ts calls this once at start; `close()` is on the resource stack.
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { RuntimeHolder } from '../reload/runtime.js'
import type { AuthRequest, Authenticator } from '../auth/types.js'
import type { Identity } from '../model/identity.js'
import type { TokenAuthenticator } from '../auth/api-token.js'
import type { HandshakeExtras } from '../auth/spnego.js'
import type { LockoutService } from '../lockout/service.js'
import type { ProxyPluginOptions } from '../proxy/plugin.js'
import type { TokenHasher } from '../tokens/hash.js'
import { createSessionAuthenticator } from '../sessions/authenticator.js'
import { cookieIsSecure, sessionCookie } from '../sessions/cookie.js'
import { sessionResource } from '../sessions/resource.js'
import { createSessionService, type SessionService, type SessionStore } from '../sessions/service.js'

export interface SessionSetupDeps {
  readonly runtime: RuntimeHolder
  readonly store: SessionStore
  readonly clock: Clock
  readonly logger: Logger
  readonly hasher: TokenHasher
  readonly tokens: TokenAuthenticator
  readonly lockout: LockoutService
}

export interface SessionSetup {
  readonly service: SessionService
  readonly authenticator: Authenticator
  /** The /rest/auth/1/session scope; buildApp registers it with the proxy's options. */
  readonly resource: FastifyPluginAsync<ProxyPluginOptions>
  /** For the Kerberos authenticator: after a handshake, open a session; its Set-Cookie and store key. */
  afterHandshake(identity: Identity, req: AuthRequest): Promise<HandshakeExtras | undefined>
  close(): Promise<void>
}

export function setupSessions(deps: SessionSetupDeps): SessionSetup {
  const { runtime } = deps
  const service = createSessionService({
    store: deps.store,
    hasher: deps.hasher,
    clock: deps.clock,
    logger: deps.logger,
    timing: () => ({ idleMs: runtime.current.policy.durations.sessionIdleMs, absoluteMs: runtime.current.policy.durations.sessionAbsoluteMs }),
  })
  return {
    service,
    authenticator: createSessionAuthenticator(service),
    resource: sessionResource({ sessions: service, tokens: deps.tokens, lockout: deps.lockout }),
    async afterHandshake(identity, req) {
      const cfg = req.policy.config
      if (!cfg.sessions.enabled || !cfg.kerberos.sessions) return undefined
      const { id, record } = await service.create(identity.user, identity.method, req.ip, req.reqId)
      const secure = cookieIsSecure(cfg.sessions.secure, req.secure)
      return {
        headers: { 'set-cookie': sessionCookie(cfg.sessions.cookieName, id, record.absoluteExpiresAt - record.createdAt, secure) },
        sessionKey: record.key,
      }
    },
    close: () => service.close(),
  }
}
