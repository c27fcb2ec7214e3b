// The `apitokens` resource family (Kantega SSO 5.7 paths), mounted by the API plugin at `2.0` and `latest`.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { AuthSuccess } from '../model/identity.js'
import type { TokenService } from '../tokens/service.js'
import type { TokenAuditContext } from '../tokens/audit.js'
import { strictValidation } from './validation.js'
import { userTokenRoutes } from './tokens-user.js'
import { adminTokenRoutes } from './tokens-admin.js'

export const TOKENS_FAMILY = 'apitokens'
export const TOKENS_VERSION = '2.0'

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

export function tokenRoutes(deps: TokenRouteDeps): FastifyPluginAsync {
  const validation = strictValidation()
  return async function apiTokens(app: FastifyInstance): Promise<void> {
    validation(app)
    // A POST or PUT sent with no body at all means "no fields" ({}), as Kantega treats it; a body that is
    // there but empty or not JSON is still a 400.
    app.addHook('preValidation', async (request) => {
      if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = {}
    })
    userTokenRoutes(app, deps)
    adminTokenRoutes(app, deps)
  }
}
