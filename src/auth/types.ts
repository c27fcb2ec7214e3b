// The contract between the auth chain and the ways of proving who you are. Each authenticator looks only
// for its own credential and answers: not mine (undefined), who the caller is, or why it refuses.
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { RgError } from '../errors.js'
import type { Policy } from '../policy/compile.js'
import type { AuthSuccess } from '../model/identity.js'
import type { ProductRef } from '../model/product.js'

export interface AuthRequest {
  readonly policy: Policy
  /** The product the request goes to (restgate's own calls about it, a password check, ask that one). */
  readonly product: ProductRef
  /** Canonical path within the product's context path. */
  readonly path: string
  readonly method: string
  /** Client IP (X-Forwarded-For believed only from server.trustedProxies). */
  readonly ip: string
  readonly headers: IncomingHttpHeaders
  /** True when the client reached us over https (directly or through a trusted proxy). */
  readonly secure: boolean
  readonly log: FastifyBaseLogger
  /** The request's id (X-Request-Id), for the audit lines a login writes. */
  readonly reqId?: string
}

export type AuthOutcome = AuthSuccess | RgError | undefined

export interface Authenticator {
  readonly name: string
  authenticate(req: AuthRequest): AuthOutcome | Promise<AuthOutcome>
}
