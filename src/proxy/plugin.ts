// The proxy scope: everything that is not answered locally. Authentication runs in onRequest, so bodies
// stream through untouched; the handler strips what the upstream must not see, adds identity and forwards.
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { rgError } from '../errors.js'
import { sendError } from '../http/reply.js'
import { forward, hasBody } from './forward.js'
import { FORM_BODY_LIMIT, isFormUrlencoded, readBody } from './form-body.js'
import { parseForm } from '../upstream/oauth1.js'
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
  const { upstream, metrics, oauth } = opts
  const onUpstreamStatus = hooks.onUpstreamStatus

  /** Forwards with `target` as the request target and, when OAuth signed it, restgate's Authorization. */
  function send(request: FastifyRequest, reply: FastifyReply, target: string, authorization: string | undefined, body: IncomingMessage | Buffer | null): void {
    const state = request.rg
    const headers = upstreamHeadersFor(request, opts, { target, authorization })
    reply.hijack()
    forward(reply.raw, {
      upstream,
      method: request.method,
      path: target,
      headers,
      body,
      timeoutMs: (state.product ?? opts.product).timeoutMs,
      queue: (state.product ?? opts.product).queue,
      requestId: request.id,
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
        // A request refused for a busy upstream is in the access line; a line each would flood the log
        // exactly when the upstream is overloaded.
        if (code === 'RG_ERR_UPSTREAM_BUSY') return
        request.log.warn({ reqId: request.id, err: { message: err.message, code: (err as { code?: string }).code } }, 'upstream request failed')
      },
    })
  }

  /** identity.oauth: signed as the user restgate authenticated, or refused when the client sent OAuth parameters. */
  function signAndSend(request: FastifyRequest, reply: FastifyReply, user: string, form: Buffer | undefined, body: IncomingMessage | Buffer | null): void {
    if (oauth === undefined) throw new Error('identity.oauth is configured but restgate has no OAuth signer')
    oauth
      .sign(user, {
        method: request.method,
        target: forwardTarget(request.raw, request.url),
        formPairs: form === undefined ? undefined : parseForm(form.toString('latin1')),
      })
      .then(
        (signed) => {
          if ('clash' in signed) {
            request.rg.decision = 'RG_ERR_OAUTH_PARAMETER'
            request.log.warn({ reqId: request.id, user, parameter: signed.clash }, 'request carries an OAuth parameter of its own: not signed, refused')
            sendError(reply, rgError('RG_ERR_OAUTH_PARAMETER', `The request carries ${signed.clash} itself: restgate signs upstream requests as the authenticated user`))
            return
          }
          send(request, reply, signed.target, signed.authorization, body)
        },
        (err: Error) => {
          // Never forward unsigned what restgate vouches for: an error, not a pass-through.
          request.rg.decision = 'RG_ERR_INTERNAL'
          request.log.error({ reqId: request.id, err: err.message }, 'OAuth signing failed')
          sendError(reply, rgError('RG_ERR_INTERNAL'))
        },
      )
  }

  return function forwardHandler(request: FastifyRequest, reply: FastifyReply): void {
    const state = request.rg
    const raw = request.raw
    // A scope that had to read the body first (the session login) hands it on as a Buffer.
    const body = Buffer.isBuffer(request.body) ? request.body : hasBody(raw) ? raw : null
    const auth = state.auth
    // Never signed: what restgate did not authenticate (anonymous, a Jira password passed through).
    if (auth === null || state.policy.config.identity.oauth === undefined) {
      send(request, reply, forwardTarget(raw, request.url), undefined, body)
      return
    }
    const user = auth.identity.user
    if (body === null || !isFormUrlencoded(request.headers['content-type'])) {
      signAndSend(request, reply, user, undefined, body)
      return
    }
    if (Buffer.isBuffer(body)) {
      signAndSend(request, reply, user, body, body)
      return
    }
    readBody(raw, FORM_BODY_LIMIT).then(
      (form) => {
        if (form === 'too-large') {
          state.decision = 'RG_ERR_PAYLOAD_TOO_LARGE'
          reply.header('connection', 'close')
          sendError(reply, rgError('RG_ERR_PAYLOAD_TOO_LARGE', `A form body to sign may hold at most ${FORM_BODY_LIMIT} bytes`))
          return
        }
        signAndSend(request, reply, user, form, form)
      },
      (err: Error) => {
        request.log.info({ reqId: request.id, err: err.message }, 'client went away while sending a form body')
        raw.destroy()
      },
    )
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
