// CSRF defence for cookie-authenticated changes to the management API and the page (OWASP CSRF
// Prevention Cheat Sheet: synchronizer token). A browser attaches the session cookie by itself, so a
// cookie alone never authorises a change: the request must also carry the session's CSRF token in the
// X-RG-CSRF header, which only the page (same origin) can read and a cross-site form cannot set. Tokens,
// Kerberos and Basic are sent deliberately by their client, so those calls are not affected.
import { timingSafeEqual } from 'node:crypto'
import { rgError } from '../errors.js'
import type { Authenticator } from '../auth/types.js'

export const CSRF_HEADER = 'x-rg-csrf'

// RFC 9110 §9.2.1 safe methods: they change nothing, so they need no CSRF token.
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

export function csrfMatches(sent: string | string[] | undefined, expected: string | null): boolean {
  if (typeof sent !== 'string' || expected === null) return false
  const a = Buffer.from(sent)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Wraps the session authenticator: a session login on an unsafe method without the right header is 403. */
export function requireCsrf(inner: Authenticator, csrfOf: (sessionKey: string) => Promise<string | null>): Authenticator {
  return {
    name: `${inner.name} + csrf`,
    async authenticate(req) {
      const outcome = await inner.authenticate(req)
      if (outcome === undefined || outcome instanceof Error) return outcome
      const key = outcome.identity.sessionKey
      if (outcome.identity.method !== 'session' || key === undefined || SAFE.has(req.method)) return outcome
      if (csrfMatches(req.headers[CSRF_HEADER], await csrfOf(key))) return outcome
      req.log.info({ user: outcome.identity.user, reason: req.headers[CSRF_HEADER] === undefined ? 'no csrf header' : 'wrong csrf token' }, 'cookie-authenticated change refused')
      return rgError('RG_ERR_CSRF')
    },
  }
}
