// apitokens/2.0/user/...: a user's own tokens. Another user's token id is answered exactly like an unknown
// one (404), so ids cannot be probed.
import type { FastifyInstance } from 'fastify'
import { rgError } from '../errors.js'
import { auditToken } from '../tokens/audit.js'
import { classifyToken } from '../tokens/format.js'
import type { TokenRecord } from '../store/types.js'
import {
  CreateBody,
  CreatedView,
  ExpiryStatus,
  IdParams,
  IdQuery,
  RefreshBody,
  TokenView,
  TokenList,
} from './tokens-schemas.js'
import { createdView, expiryStatus, tokenView } from './tokens-view.js'
import { auditContext, callerOf, requestLogger, type TokenRouteDeps } from './tokens-context.js'


export function userTokenRoutes(app: FastifyInstance, deps: TokenRouteDeps): void {
  const { service, clock } = deps

  async function ownToken(user: string, id: number): Promise<TokenRecord> {
    const record = await service.get(id)
    if (record === null || record.user !== user) throw rgError('RG_ERR_UNKNOWN_ID', `You have no API token with id ${id}`)
    return record
  }

  app.get('/user/tokens', { schema: { response: { 200: TokenList } } }, async (request) => {
    const user = callerOf(request).identity.user
    const [records, active] = await Promise.all([service.list(user), service.userMayHoldTokens(user, request.rg.policy)])
    const now = clock.now()
    return { allApiTokens: records.map((r) => tokenView(r, now, active)) }
  })

  app.post<{ Body: CreateBody }>(
    '/user/tokens',
    { schema: { body: CreateBody, response: { 201: CreatedView } } },
    async (request, reply) => {
      const user = callerOf(request).identity.user
      const policy = request.rg.policy
      if (!(await service.userMayHoldTokens(user, policy))) {
        throw rgError('RG_ERR_TOKEN_NOT_ALLOWED', 'You are not allowed to create API tokens: ask an administrator (apiTokens.creators.groups)')
      }
      const body = request.body
      const { record, secret } = await service.create(
        user,
        {
          name: body.tokenName,
          description: body.description,
          validForDays: body.validForDays === undefined ? undefined : Number(body.validForDays),
          isValidForever: body.isValidForever,
          scope: body.scope,
          paths: body.paths,
        },
        policy,
      )
      auditToken(requestLogger(request), 'token.create', record, auditContext(request))
      reply.code(201).header('cache-control', 'no-store')
      return createdView(record, secret)
    },
  )

  app.delete<{ Params: IdParams }>('/user/delete/:id', { schema: { params: IdParams, response: {} } }, async (request, reply) => {
    const user = callerOf(request).identity.user
    const record = await ownToken(user, Number(request.params.id))
    const deleted = await service.remove(record.id)
    if (deleted === null) throw rgError('RG_ERR_UNKNOWN_ID', `You have no API token with id ${record.id}`)
    auditToken(requestLogger(request), 'token.delete', deleted, auditContext(request))
    return reply.type('text/plain; charset=utf-8').send(`API token ${deleted.id} (${deleted.name}) was deleted`)
  })

  app.get<{ Querystring: IdQuery }>(
    '/user/expiry/status',
    { schema: { querystring: IdQuery, response: { 200: ExpiryStatus } } },
    async (request) => {
      const record = await ownToken(callerOf(request).identity.user, Number(request.query.id))
      return expiryStatus(record, clock.now())
    },
  )

  app.put<{ Body: RefreshBody | undefined }>(
    '/user/refresh',
    { schema: { body: RefreshBody, response: { 200: TokenView } } },
    async (request) => {
      const caller = callerOf(request).identity
      const secret = request.body?.apiToken
      const id = request.body?.id
      let record: TokenRecord | null
      if (secret !== undefined && id !== undefined) {
        throw rgError('RG_ERR_BAD_REQUEST', 'Send either apiToken or id, not both')
      } else if (id !== undefined) {
        record = await ownToken(caller.user, id)
      } else if (secret !== undefined) {
        if (classifyToken(secret) !== 'token') {
          throw rgError('RG_ERR_BAD_REQUEST', 'body.apiToken is not a restgate API token (wrong prefix, length or checksum)')
        }
        record = (await service.lookup(secret))?.record ?? null
        // The secret proves possession; the caller must also be its owner. Both misses read the same.
        if (record === null || record.user !== caller.user) throw rgError('RG_ERR_UNKNOWN_ID', 'You have no such API token')
      } else if (caller.tokenId !== undefined) {
        record = await ownToken(caller.user, caller.tokenId)
      } else {
        throw rgError('RG_ERR_BAD_REQUEST', 'Send the token to refresh as {"apiToken": "..."} or {"id": N}, or authenticate with it')
      }
      const updated = await service.refresh(record, request.rg.policy)
      auditToken(requestLogger(request), 'token.refresh', updated, auditContext(request))
      return tokenView(updated, clock.now(), await service.userMayHoldTokens(caller.user, request.rg.policy))
    },
  )
}
