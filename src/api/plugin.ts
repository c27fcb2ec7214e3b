// The management API under /rest/ksso/api: answered here, never forwarded. Shapes follow Kantega SSO
// Enterprise 5.7 so existing scripts keep working; every resource family also answers under `latest`.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { rgError } from '../errors.js'
import type { Authenticator } from '../auth/types.js'
import type { Directory } from '../directory/static.js'
import type { Clock } from '../clock.js'
import { sendError } from '../http/reply.js'
import { createApiAuthHook } from './access.js'
import { infoRoutes } from './info.js'

export const API_PREFIX = '/rest/ksso/api'

export interface ApiPluginOptions {
  readonly authenticators: readonly Authenticator[]
  readonly directory: Directory
  readonly clock: Clock
  /** Further resource families: [family, version, plugin], each mounted at version and at `latest`. */
  readonly families?: ReadonlyArray<readonly [string, string, FastifyPluginAsync]>
}

export async function apiPlugin(app: FastifyInstance, opts: ApiPluginOptions): Promise<void> {
  app.addHook('onRequest', (request, _reply, done) => {
    request.rg.routeClass = 'api'
    done()
  })
  app.addHook('onRequest', createApiAuthHook(opts.authenticators, opts.directory))

  const families: Array<readonly [string, string, FastifyPluginAsync]> = [
    ['info', '1.0', infoRoutes(opts.clock)],
    ...(opts.families ?? []),
  ]
  for (const [family, version, plugin] of families) {
    await app.register(plugin, { prefix: `/${family}/${version}` })
    await app.register(plugin, { prefix: `/${family}/latest` })
  }

  // Anything else under the prefix is ours too: a 404 here, never a request to the upstream.
  const notFound = async (_req: unknown, reply: import('fastify').FastifyReply) =>
    sendError(reply, rgError('RG_ERR_NOT_FOUND', 'No such management API resource'))
  app.all('/', { config: { access: 'public' } }, notFound)
  app.all('/*', { config: { access: 'public' } }, notFound)
}
