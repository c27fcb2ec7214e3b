// Who may call a management API route, declared on the route itself (`config.access`), never by URL prefix.
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { rgError } from '../errors.js'
import { runChain } from '../auth/chain.js'
import type { Authenticator } from '../auth/types.js'
import type { Directory } from '../directory/static.js'
import { sendError } from '../http/reply.js'
import { authRequestOf } from '../proxy/plugin.js'
import { kerberosChallenges } from '../policy/decide.js'

export type Access = 'public' | 'user' | 'admin'

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
}

/**
 * A call made by a page's own script (the token page): it carries X-Requested-With on every call and
 * X-RG-CSRF on changes. Neither comes with a plain navigation or a cross-site form (a cross-origin fetch
 * that sets one needs a CORS preflight restgate never grants).
 */
export function fromPageScript(headers: IncomingHttpHeaders): boolean {
  return headers['x-requested-with'] !== undefined || headers['x-rg-csrf'] !== undefined
}

/**
 * A script (curl, PowerShell) is told it may answer with Basic. A page's own script is not: a browser
 * answers a Basic challenge to fetch() with its password dialog, so when the session cookie is gone (expired,
 * logged out in another tab) the token page would show a browser prompt instead of its own login form.
 */
export function wantsBasicChallenge(headers: IncomingHttpHeaders): boolean {
  return !fromPageScript(headers)
}

export function createApiAuthHook(authenticators: readonly Authenticator[], directory: Directory) {
  return async function apiAuth(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const access = request.routeOptions.config.access ?? 'user'
    if (access === 'public') return undefined
    const authReq = authRequestOf(request)
    const outcome = await runChain(authenticators, authReq)
    if (outcome instanceof Error) {
      request.rg.decision = outcome.code
      return sendError(reply, outcome)
    }
    if (outcome === undefined) {
      const policy = request.rg.policy
      const challenges: string[] = []
      if (kerberosChallenges(policy, authReq.path, authReq.ip, request.headers['user-agent'])) challenges.push('Negotiate')
      if (wantsBasicChallenge(request.headers)) challenges.push(`Basic realm="${policy.config.server.realm}"`)
      request.rg.decision = 'no identity'
      return sendError(reply, rgError('RG_ERR_UNAUTHENTICATED', undefined, { 'www-authenticate': challenges }))
    }
    request.rg.auth = outcome
    // A mutual-authentication Negotiate token (or a session cookie) belongs on whatever the route answers.
    if (outcome.responseHeaders !== undefined) {
      for (const [name, value] of Object.entries(outcome.responseHeaders)) reply.header(name, value as string | string[])
    }
    if (access === 'admin') {
      let admin: boolean
      try {
        admin = await directory.isAdmin(outcome.identity.user, request.rg.policy)
      } catch (err) {
        // A directory that cannot answer never grants admin rights.
        request.log.warn({ err: (err as Error).message }, 'directory lookup failed')
        return sendError(reply, rgError('RG_ERR_FORBIDDEN', 'Administrator rights could not be checked: try again shortly'))
      }
      if (!admin) {
        request.rg.decision = 'not admin'
        return sendError(reply, rgError('RG_ERR_FORBIDDEN', 'This needs restgate administrator rights'))
      }
    }
    return undefined
  }
}
