// The proxy scope: everything that is not answered locally. Authentication runs in onRequest, so bodies
// stream through untouched; the handler strips what the upstream must not see, adds identity and forwards.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { forward, hasBody } from './forward.js'
import { createGroupsHook } from '../directory/groups-hook.js'
import { forwardTarget } from '../http/canonical.js'
import { frontOrigin } from '../http/front.js'
import { upgradeOf } from '../http/upgrade.js'
import { upstreamHeadersFor, type ProxyPluginOptions } from './options.js'
import { openTunnel } from './tunnel.js'

export type { ProxyPluginOptions } from './options.js'

export interface ForwardHooks {
  /** Told the upstream's status for each forwarded request (the session login counts refused passwords). */
  readonly onUpstreamStatus?: (request: FastifyRequest, status: number) => void
}

export function createForwardHandler(opts: ProxyPluginOptions, hooks: ForwardHooks = {}) {
  const { upstream, metrics } = opts
  const onUpstreamStatus = hooks.onUpstreamStatus
  return function forwardHandler(request: FastifyRequest, reply: FastifyReply): void {
    const state = request.rg
    const raw = request.raw
    const headers = upstreamHeadersFor(request, opts)
    reply.hijack()
    forward(reply.raw, {
      upstream,
      method: request.method,
      path: forwardTarget(raw, request.url),
      headers,
      // A scope that had to read the body first (the session login) hands it on as a Buffer.
      body: Buffer.isBuffer(request.body) ? request.body : hasBody(raw) ? raw : null,
      timeoutMs: (state.product ?? opts.product).timeoutMs,
      responseHeaders: state.auth?.responseHeaders,
      // nginx's `proxy_redirect default`: a Tomcat without proxyName links to its own origin; the client
      // is sent to the same path at the address it used. Paths need no rewriting: they are the same here.
      location: { upstreamOrigin: upstream.origin, frontOrigin: frontOrigin(state.front) },
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
  const forwardHandler = createForwardHandler(opts)
  // A WebSocket handshake passed the same hooks as any request; only what happens next differs.
  const handler = (request: FastifyRequest, reply: FastifyReply): void | Promise<void> => {
    const pending = upgradeOf(request.raw)
    return pending === undefined ? forwardHandler(request, reply) : openTunnel(request, reply, pending, opts, opts.tunnels)
  }
  app.all('/', handler)
  app.all('/*', handler)
}
