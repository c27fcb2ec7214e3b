// What restgate knows about one request, set up once in the root onRequest hook; the product scope the
// request is routed into fills in its product and the path within it.
import type { Policy, Product } from '../policy/compile.js'
import type { AuthSuccess } from '../model/identity.js'
import type { Front } from './front.js'

export type RouteClass = 'proxy' | 'api' | 'session' | 'page' | 'auth' | 'local'

export interface RequestState {
  /** The policy this request is decided under, start to finish. */
  readonly policy: Policy
  readonly startNs: bigint
  routeClass: RouteClass
  auth: AuthSuccess | null
  /** Why the request was refused or passed on, for the access log. */
  decision: string | undefined
  /** Where the client reached us, checked (the root hook refuses a request whose Host cannot be believed). */
  front: Front
  /** The product whose context path the request is under; null outside every product (a 404). */
  product: Product | null
  /**
   * The canonical path within the product's context path (`/jira/rest/api/2/x` → `/rest/api/2/x`), what
   * every path rule is matched against; without a product, the whole canonical path. No query string.
   */
  path: string
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
