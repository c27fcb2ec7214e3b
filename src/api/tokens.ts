// The `apitokens` resource family (Kantega SSO 5.7 paths), mounted by the API plugin at `2.0` and `latest`.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { TokenRouteDeps } from './tokens-context.js'
import { strictValidation } from './validation.js'
import { userTokenRoutes } from './tokens-user.js'
import { adminTokenRoutes } from './tokens-admin.js'

export const TOKENS_FAMILY = 'apitokens'
export const TOKENS_VERSION = '2.0'

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
