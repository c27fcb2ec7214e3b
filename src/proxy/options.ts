// What the proxy scope is given (shared with the session resource and the token page, which forward or
// sit beside it), and the upstream request headers of a request the scope decided on: one function for a
// forwarded request and a WebSocket upgrade, so both follow the same header rules.
import type { FastifyRequest } from 'fastify'
import type { Gate } from '../auth/hook.js'
import type { CidrSet } from '../match/cidr.js'
import type { Metrics } from '../observability/metrics.js'
import type { Directory } from '../directory/static.js'
import type { Product } from '../policy/compile.js'
import { identityHeaderValues, type IdentitySigner } from '../upstream/identity.js'
import type { Upstream } from '../upstream/pool.js'
import type { OAuthSigner } from '../upstream/oauth-box.js'
import { buildUpstreamHeaders } from './headers.js'
import { peerOf } from '../http/front.js'
import type { Tunnels } from './tunnels.js'

export interface ProxyPluginOptions {
  /** The product this scope serves, as the policy at start-up had it (requests read their own policy's). */
  readonly product: Product
  readonly upstream: Upstream
  /** The proxy chain's gate (scope `forward`), shared with the session resource. */
  readonly gate: Gate
  readonly trustedProxies: CidrSet
  readonly metrics: Metrics
  readonly signer: IdentitySigner | undefined
  /** Signs requests restgate authenticated when the policy sets identity.oauth. */
  readonly oauth?: OAuthSigner
  /** Name of restgate's session cookie, removed from the Cookie header sent upstream. */
  readonly sessionCookie: () => string | undefined
  /** Looks up the caller's groups when the policy sends identity.groupsHeader. */
  readonly directory?: Directory
  /** The WebSockets open through this restgate. */
  readonly tunnels: Tunnels
}

export interface UpstreamRequestLine {
  /** The request target sent upstream (the signed assertion and OAuth cover it). */
  readonly target: string
  /** restgate's own Authorization (an OAuth signature), added after every removal. */
  readonly authorization?: string
  /** A WebSocket upgrade: `Upgrade: websocket` and `Connection: upgrade` go upstream. */
  readonly keepUpgrade?: boolean
}

/** The upstream request's headers for a request the proxy scope decided on (a forward or an upgrade). */
export function upstreamHeadersFor(request: FastifyRequest, opts: ProxyPluginOptions, line: UpstreamRequestLine): string[] {
  const state = request.rg
  const policy = state.policy
  const auth = state.auth
  const peer = peerOf(request.socket.remoteAddress)
  const clientXff = request.headers['x-forwarded-for']
  const forwardedFor =
    clientXff !== undefined && clientXff.length > 0 && opts.trustedProxies.contains(peer) ? `${clientXff}, ${peer}` : peer
  const front = state.front
  return buildUpstreamHeaders(request.raw.rawHeaders, {
    identityHeaders: policy.identityHeaders,
    // Whenever restgate vouches for the caller, Jira sees no other credential: a session that won over an
    // Authorization header must not forward that header as a second identity. An anonymous request's
    // Authorization header carries no credential (`Bearer `): nothing to forward either.
    dropAuthorization: auth !== null || state.decision === 'anonymous',
    dropCookie: opts.sessionCookie(),
    host: (state.product ?? opts.product).preserveHost ? front.host : undefined,
    forwardedFor,
    forwardedProto: front.proto,
    forwardedHost: front.host,
    forwardedPort: String(front.port),
    keepUpgrade: line.keepUpgrade,
    requestId: request.id,
    add: identityHeadersFor(request, opts, line),
  })
}

function identityHeadersFor(request: FastifyRequest, opts: ProxyPluginOptions, line: UpstreamRequestLine): string[] {
  const auth = request.rg.auth
  if (auth === null) return []
  const add = identityHeaderValues(request.rg.policy.config.identity, auth.identity, opts.signer, { method: request.method, target: line.target })
  if (line.authorization !== undefined) add.push('authorization', line.authorization)
  return add
}

