// The restgate session cookie as a credential, first in the proxy chain. It counts only on protected paths
// (where restgate decides who the caller is); everywhere it is removed from the Cookie header sent upstream.
//
// A cookie that does not stand for a live session (expired, ended, unknown, forged, truncated) is answered
// with 401 RG_ERR_SESSION_EXPIRED and a Set-Cookie that clears it: the request is never forwarded as
// anonymous. One exception: when the request also carries an Authorization credential (Basic, Bearer or
// Negotiate), that explicit credential decides (an API token or a Kerberos ticket logs in; a Jira password
// or personal access token goes to Jira, which checks it), since the caller has said who they are. A live session wins over an Authorization header, which is then not
// forwarded either (restgate vouches for the caller; Jira must not see a second identity).
import { rgError, type RgError } from '../errors.js'
import { isProtected, negotiateChallenge } from '../policy/decide.js'
import { StoreUnavailableError } from '../store/types.js'
import { parseAuthorization } from '../auth/authorization.js'
import type { AuthOutcome, AuthRequest, Authenticator } from '../auth/types.js'
import { clearedCookie, cookieIsSecure, readCookie } from './cookie.js'
import type { Resolved, SessionService } from './service.js'

const WHY: Record<Exclude<Resolved, { kind: 'valid' }>['reason'], string> = {
  malformed: 'Your session cookie is not valid: log in again',
  unknown: 'Your session has ended or expired: log in again',
  idle: 'Your session expired after a period of inactivity: log in again',
  absolute: 'Your session reached its maximum lifetime: log in again',
}

/** Schemes some authenticator (or Jira itself) verifies; anything else would reach Jira as anonymous. */
const VERIFIED_SCHEMES = new Set(['basic', 'bearer', 'negotiate'])

function decidesItself(authorization: string | undefined): boolean {
  const parsed = parseAuthorization(authorization)
  return parsed !== undefined && VERIFIED_SCHEMES.has(parsed.scheme)
}

function userAgentOf(req: AuthRequest): string | undefined {
  const ua = req.headers['user-agent']
  return typeof ua === 'string' ? ua : undefined
}

/** The session cookie's value, when sessions are on and the request carries one. */
export function presentedSession(req: Pick<AuthRequest, 'policy' | 'headers'>): string | undefined {
  const cfg = req.policy.config.sessions
  if (!cfg.enabled) return undefined
  return readCookie(req.headers.cookie, cfg.cookieName)
}

export function clearSessionCookie(req: Pick<AuthRequest, 'policy' | 'secure'>): string {
  const cfg = req.policy.config.sessions
  return clearedCookie(cfg.cookieName, cookieIsSecure(cfg.secure, req.secure))
}

/**
 * Resolves the request's cookie: a session, the 401 that ends it, or a 503 when the store cannot answer.
 * Synchronous when the session cache answers (the proxy's auth chain then costs no microtask hop).
 */
export function resolveSession(service: SessionService, req: AuthRequest, id: string): AuthOutcome | Promise<AuthOutcome> {
  const resolved = service.resolve(id, req.ip, req.reqId)
  if (resolved instanceof Promise) return resolved.then((r) => outcomeOf(req, r), (err: unknown) => storeFailure(req, err))
  return outcomeOf(req, resolved)
}

function storeFailure(req: AuthRequest, err: unknown): RgError {
  if (!(err instanceof StoreUnavailableError)) throw err
  req.log.warn({ err: err.message }, 'session check failed: store unavailable')
  return rgError('RG_ERR_STORE_UNAVAILABLE')
}

function outcomeOf(req: AuthRequest, resolved: Resolved): AuthOutcome {
  if (resolved.kind === 'valid') {
    const r = resolved.record
    return { identity: { user: r.user, method: 'session', sessionKey: r.key, expiresAt: r.absoluteExpiresAt }, consumed: 'cookie' }
  }
  if (decidesItself(req.headers.authorization)) return undefined
  req.log.info({ reason: resolved.reason }, 'session cookie refused')
  // Where Kerberos applies, the challenge lets a client with a ticket (PowerShell -UseDefaultCredentials,
  // curl --negotiate) log in again at once; the handshake then sets a new cookie.
  const challenge = negotiateChallenge(req.policy, { path: req.path, ip: req.ip, userAgent: userAgentOf(req) })
  return rgError('RG_ERR_SESSION_EXPIRED', WHY[resolved.reason], { 'set-cookie': clearSessionCookie(req), ...challenge })
}

export function createSessionAuthenticator(service: SessionService): Authenticator {
  return {
    name: 'session',
    authenticate(req) {
      const id = presentedSession(req)
      if (id === undefined || !isProtected(req.policy, req.path)) return undefined
      return resolveSession(service, req, id)
    },
  }
}
