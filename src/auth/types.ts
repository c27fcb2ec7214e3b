// The contract between the auth chain and the ways of proving who you are. Each authenticator looks only
// for its own credential and answers: not mine (undefined), who the caller is, or why it refuses.
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { RgError } from '../errors.js'
import type { Policy } from '../policy/compile.js'

export type AuthMethod = 'kerberos' | 'token' | 'session' | 'password'

export type TokenScope = 'read' | 'write'

export interface Identity {
  readonly user: string
  readonly method: AuthMethod
  /** Group names, when the directory knows them (sent in identity.groupsHeader). */
  readonly groups?: readonly string[]
  /** Set for token logins: the token's id and what it may do. */
  readonly tokenId?: number
  readonly scope?: TokenScope
  readonly tokenPaths?: readonly string[] | null
  /** Set for session logins: the session's store key (a hash, never the cookie value). */
  readonly sessionKey?: string
}

export interface AuthRequest {
  readonly policy: Policy
  /** Canonical path. */
  readonly path: string
  readonly method: string
  /** Client IP (X-Forwarded-For believed only from server.trustedProxies). */
  readonly ip: string
  readonly headers: IncomingHttpHeaders
  /** True when the client reached us over https (directly or through a trusted proxy). */
  readonly secure: boolean
  readonly log: FastifyBaseLogger
}

export interface AuthSuccess {
  readonly identity: Identity
  /** The client credential restgate consumed: never forwarded upstream. */
  readonly consumed: 'authorization' | 'cookie'
  /** Headers for the client's response: a mutual-auth Negotiate token, a Set-Cookie. */
  readonly responseHeaders?: Readonly<Record<string, string | readonly string[]>>
}

export type AuthOutcome = AuthSuccess | RgError | undefined

export interface Authenticator {
  readonly name: string
  authenticate(req: AuthRequest): AuthOutcome | Promise<AuthOutcome>
}
