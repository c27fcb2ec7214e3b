// What the `apitokens` routes share: their dependencies, the caller, and the context of an audit line.
import type { FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { AuthSuccess } from '../model/identity.js'
import type { TokenService } from '../tokens/service.js'
import type { TokenAuditContext } from '../tokens/audit.js'

export interface TokenRouteDeps {
  readonly service: TokenService
  readonly clock: Clock
}

/** Routes run behind the API auth hook, so an identity is always there. */
export function callerOf(request: FastifyRequest): AuthSuccess {
  return request.rg.auth!
}

export function auditContext(request: FastifyRequest): TokenAuditContext {
  const auth = callerOf(request)
  return { actor: auth.identity.user, via: 'api', ip: request.ip, auth: auth.identity.method }
}

export const requestLogger = (request: FastifyRequest): Logger => request.log as unknown as Logger
