// The `apitokens` resource family (Kantega SSO 5.7 paths), mounted by the API plugin at `2.0` and `latest`.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { TokenRouteDeps } from './tokens-context.js'
import { optionalJsonBodies } from './bodies.js'
import { strictValidation } from './validation.js'
import { userTokenRoutes } from './tokens-user.js'
import { adminTokenRoutes } from './tokens-admin.js'

export const TOKENS_FAMILY = 'apitokens'
export const TOKENS_VERSION = '2.0'

export function tokenRoutes(deps: TokenRouteDeps): FastifyPluginAsync {
  const validation = strictValidation()
  return async function apiTokens(app: FastifyInstance): Promise<void> {
    validation(app)
    // `PUT user/refresh` with no body refreshes the token in Authorization; `POST user/tokens` gives the defaults.
    optionalJsonBodies(app)
    userTokenRoutes(app, deps)
    adminTokenRoutes(app, deps)
  }
}
