// apitokens/2.0/admin/...: every user's tokens, for restgate administrators only (route access 'admin').
import type { FastifyInstance } from 'fastify'
import { rgError } from '../errors.js'
import { auditToken } from '../tokens/audit.js'
import { IdParams, TokenList } from './tokens-schemas.js'
import { tokenView } from './tokens-view.js'
import { auditContext, requestLogger, type TokenRouteDeps } from './tokens-context.js'


export function adminTokenRoutes(app: FastifyInstance, deps: TokenRouteDeps): void {
  const { service, clock } = deps

  app.get('/admin/tokens', { config: { access: 'admin' }, schema: { response: { 200: TokenList } } }, async (request) => {
    const policy = request.rg.policy
    const records = await service.list()
    const users = [...new Set(records.map((r) => r.user))]
    const allowed = await Promise.all(users.map((u) => service.userMayHoldTokens(u, policy)))
    const active = new Map(users.map((u, i) => [u, allowed[i]!]))
    const now = clock.now()
    return { allApiTokens: records.map((r) => tokenView(r, now, active.get(r.user)!)) }
  })

  app.delete<{ Params: IdParams }>(
    '/admin/delete/:id',
    { config: { access: 'admin' }, schema: { params: IdParams, response: {} } },
    async (request, reply) => {
      const id = Number(request.params.id)
      const deleted = await service.remove(id)
      if (deleted === null) throw rgError('RG_ERR_UNKNOWN_ID', `No API token with id ${id}`)
      auditToken(requestLogger(request), 'token.delete', deleted, auditContext(request))
      return reply.type('text/plain; charset=utf-8').send(`API token ${deleted.id} (${deleted.name}) of ${deleted.user} was deleted`)
    },
  )
}
