// Who may call a management API route, declared on the route itself (`config.access`), never by URL prefix.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { rgError } from '../errors.js'
import { createGate } from '../auth/hook.js'
import type { Authenticator } from '../auth/types.js'
import type { Directory } from '../directory/static.js'
import { sendError } from '../http/reply.js'
import { fromPageScript } from '../policy/decide.js'

export type Access = 'public' | 'user' | 'admin'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
}

/**
 * The management API's auth hook: the API chain through the one gate (a local scope: no identity is a 401,
 * with Basic offered to scripts but never to a page's own script), then the route's access level.
 */
export function createApiAuthHook(authenticators: readonly Authenticator[], directory: Directory) {
  const gate = createGate({ authenticators, scope: 'local', offerBasic: (req) => !fromPageScript(req.headers) })
  return async function apiAuth(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const access = request.routeOptions.config.access ?? 'user'
    if (access === 'public') return undefined
    const answered = await gate.check(request, reply)
    if (answered !== undefined || access !== 'admin') return answered
    const user = request.rg.auth!.identity.user
    let admin: boolean
    try {
      admin = await directory.isAdmin(user, request.rg.policy)
    } catch (err) {
      // A directory that cannot answer never grants admin rights.
      request.log.warn({ err: (err as Error).message }, 'directory lookup failed')
      return sendError(reply, rgError('RG_ERR_FORBIDDEN', 'Administrator rights could not be checked: try again shortly'))
    }
    if (!admin) {
      request.rg.decision = 'not admin'
      return sendError(reply, rgError('RG_ERR_FORBIDDEN', 'This needs restgate administrator rights'))
    }
    return undefined
  }
}
