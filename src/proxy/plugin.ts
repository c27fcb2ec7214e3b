// The proxy scope: everything that is not answered locally. Authentication runs in onRequest, so bodies
// stream through untouched; the handler strips what the upstream must not see, adds identity and forwards.
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Gate } from '../auth/hook.js'
import type { CidrSet } from '../match/cidr.js'
import { rgError } from '../errors.js'
import { sendError } from '../http/reply.js'
import type { Metrics } from '../observability/metrics.js'
import { buildUpstreamHeaders } from './headers.js'
import { forward, hasBody } from './forward.js'
import { FORM_BODY_LIMIT, isFormUrlencoded, readBody } from './form-body.js'
import { identityHeaderValues, type IdentitySigner } from '../upstream/identity.js'
import type { Upstream } from '../upstream/pool.js'
import type { OAuthSigner } from '../upstream/oauth-box.js'
import { parseForm } from '../upstream/oauth1.js'
import type { Directory } from '../directory/static.js'
import { createGroupsHook } from '../directory/groups-hook.js'

export interface ProxyPluginOptions {
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
}

function peerAddress(request: FastifyRequest): string {
  const a = request.socket.remoteAddress ?? ''
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

export interface ForwardHooks {
  /** Told the upstream's status for each forwarded request (the session login counts refused passwords). */
  readonly onUpstreamStatus?: (request: FastifyRequest, status: number) => void
}

export function createForwardHandler(opts: ProxyPluginOptions, hooks: ForwardHooks = {}) {
  const { upstream, trustedProxies, metrics, signer, oauth } = opts
  const onUpstreamStatus = hooks.onUpstreamStatus

  /** Forwards with `target` as the request target and, when OAuth signed it, restgate's Authorization. */
  function send(request: FastifyRequest, reply: FastifyReply, target: string, authorization: string | undefined, body: IncomingMessage | Buffer | null): void {
    const state = request.rg
    const policy = state.policy
    const auth = state.auth
    const raw = request.raw
    const peer = peerAddress(request)
    const clientXff = request.headers['x-forwarded-for']
    const forwardedFor =
      clientXff !== undefined && clientXff.length > 0 && trustedProxies.contains(peer) ? `${clientXff}, ${peer}` : peer
    const add = auth === null ? [] : identityHeaderValues(policy.config.identity, auth.identity, signer, { method: request.method, target })
    if (authorization !== undefined) add.push('authorization', authorization)
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
      add,
    })
    reply.hijack()
    forward(reply.raw, {
      upstream,
      method: request.method,
      path: target,
      headers,
      body,
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

  /** identity.oauth: signed as the user restgate authenticated, or refused when the client sent OAuth parameters. */
  function signAndSend(request: FastifyRequest, reply: FastifyReply, user: string, form: Buffer | undefined, body: IncomingMessage | Buffer | null): void {
    if (oauth === undefined) throw new Error('identity.oauth is configured but restgate has no OAuth signer')
    oauth
      .sign(user, {
        method: request.method,
        target: request.url,
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
      send(request, reply, request.url, undefined, body)
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
  const handler = createForwardHandler(opts)
  app.all('/', handler)
  app.all('/*', handler)
}
