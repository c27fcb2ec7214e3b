// What restgate knows about one request, set up once in the root onRequest hook.
import type { Policy } from '../policy/compile.js'
import type { AuthSuccess } from '../model/identity.js'

export type RouteClass = 'proxy' | 'api' | 'session' | 'page' | 'auth' | 'local'

export interface RequestState {
  /** The policy this request is decided under, start to finish. */
  readonly policy: Policy
  readonly startNs: bigint
  routeClass: RouteClass
  auth: AuthSuccess | null
  /** Why the request was refused or passed on, for the access log. */
  decision: string | undefined
  /**
   * A forward-auth request: the request it stands for, its method, the canonical path decided on, and the
   * target as the front proxy forwards it.
   */
  original: OriginalRequest | undefined
}

export interface OriginalRequest {
  readonly method: string
  readonly path: string
  readonly target: string
}

declare module 'fastify' {
  interface FastifyRequest {
    rg: RequestState
  }
}
