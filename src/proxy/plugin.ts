// The proxy scope: everything that is not answered locally. Authentication runs in onRequest, so bodies
// stream through untouched; the handler strips what the upstream must not see, adds identity and forwards.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Gate } from '../auth/hook.js'
import type { CidrSet } from '../match/cidr.js'
import type { Metrics } from '../observability/metrics.js'
import { buildUpstreamHeaders } from './headers.js'
import { forward, hasBody } from './forward.js'
import { identityHeaderValues, type IdentitySigner } from '../upstream/identity.js'
import type { Upstream } from '../upstream/pool.js'
import type { Directory } from '../directory/static.js'
import { createGroupsHook } from '../directory/groups-hook.js'

export interface ProxyPluginOptions {
  readonly upstream: Upstream
  /** The proxy chain's gate (scope `forward`), shared with the session resource. */
  readonly gate: Gate
  readonly trustedProxies: CidrSet
  readonly metrics: Metrics
  readonly signer: IdentitySigner | undefined
  /** Name of restgate's session cookie, removed from the Cookie header sent upstream. */
  readonly sessionCookie: () => string | undefined
  /** Looks up the caller's groups when the policy sends identity.groupsHeader. */
  readonly directory?: Directory
}

/** The address of the connection's other end (a front proxy's, when there is one), IPv4-mapped as IPv4. */
export function peerAddress(request: FastifyRequest): string {
  const a = request.socket.remoteAddress ?? ''
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

export interface ForwardHooks {
  /** Told the upstream's status for each forwarded request (the session login counts refused passwords). */
  readonly onUpstreamStatus?: (request: FastifyRequest, status: number) => void
}

export function createForwardHandler(opts: ProxyPluginOptions, hooks: ForwardHooks = {}) {
  const { upstream, trustedProxies, metrics, signer } = opts
  const onUpstreamStatus = hooks.onUpstreamStatus
  return function forwardHandler(request: FastifyRequest, reply: FastifyReply): void {
    const state = request.rg
    const policy = state.policy
    const auth = state.auth
    const raw = request.raw
    const peer = peerAddress(request)
    const clientXff = request.headers['x-forwarded-for']
    const forwardedFor =
      clientXff !== undefined && clientXff.length > 0 && trustedProxies.contains(peer) ? `${clientXff}, ${peer}` : peer
    const headers = buildUpstreamHeaders(raw.rawHeaders, {
      identityHeaders: policy.identityHeaders,
      // Whenever restgate vouches for the caller, Jira sees no other credential: a session that won over an
      // Authorization header must not forward that header as a second identity.
      dropAuthorization: auth !== null,
      dropCookie: opts.sessionCookie(),
      host: policy.config.upstream.preserveHost ? request.headers.host : undefined,
      forwardedFor,
      forwardedProto: request.protocol,
      forwardedHost: request.host,
      add: auth === null ? [] : identityHeaderValues(policy.config.identity, auth.identity, signer),
    })
    reply.hijack()
    forward(reply.raw, {
      upstream,
      method: request.method,
      path: request.url,
      headers,
      // A scope that had to read the body first (the session login) hands it on as a Buffer.
      body: Buffer.isBuffer(request.body) ? request.body : hasBody(raw) ? raw : null,
      timeoutMs: policy.durations.upstreamTimeoutMs,
      responseHeaders: auth?.responseHeaders,
      onResponse: (status, ns) => {
        metrics.upstreamDuration.observe({ status }, Number(ns) / 1e9)
        onUpstreamStatus?.(request, status)
      },
      onFailure: (err, code) => {
        state.decision = code
        request.log.warn({ reqId: request.id, err: { message: err.message, code: (err as { code?: string }).code } }, 'upstream request failed')
      },
    })
  }
}

/** Registers the catch-all forwarding route in its own scope. */
export async function proxyPlugin(app: FastifyInstance, opts: ProxyPluginOptions): Promise<void> {
  // Bodies are streamed to the upstream as they arrive; nothing here reads or limits them.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined))
  app.addHook('onRequest', (request, _reply, done) => {
    request.rg.routeClass = 'proxy'
    done()
  })
  app.addHook('onRequest', opts.gate.hook)
  if (opts.directory !== undefined) app.addHook('onRequest', createGroupsHook(opts.directory))
  const handler = createForwardHandler(opts)
  app.all('/', handler)
  app.all('/*', handler)
}
