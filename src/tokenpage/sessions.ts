// What the token page needs from restgate sessions, and nothing more. The sessions feature provides the
// real service; `minimal-sessions.ts` is a small stand-in behind this same interface, used until it lands.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuthMethod, Authenticator } from '../auth/types.js'

export interface SessionIssuer {
  /**
   * Starts a session for `user`, who just proved who they are by `method` (a Jira password on the login
   * form, Kerberos on a domain machine), and sets the session cookie on `reply`. Returns the session's
   * CSRF token, which the page sends back in the X-RG-CSRF header on every change.
   */
  issue(user: string, method: AuthMethod, request: FastifyRequest, reply: FastifyReply): Promise<{ readonly csrf: string }>
  /** The CSRF token of a live session, by its store key (Identity.sessionKey); null when it is gone. */
  csrfOf(sessionKey: string): Promise<string | null>
  /** Ends the session the request authenticated with (logout) and clears the cookie. */
  end(sessionKey: string, request: FastifyRequest, reply: FastifyReply): Promise<void>
}

export interface PageSessions extends SessionIssuer {
  /**
   * Reads the session cookie: identity `{ method: 'session', sessionKey }`, RG_ERR_SESSION_EXPIRED for a
   * cookie that no longer names a live session, or undefined (not mine) when there is no cookie.
   */
  readonly authenticator: Authenticator
}
