// The forward-auth endpoint at /restgate/auth, for restgate beside a front proxy that already forwards to
// Jira (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz). The front proxy asks before each request;
// restgate answers with exactly the decision its proxy scope would make for that request: the same
// canonical-path wall on the original URI, the same gate (the proxy's chain: session cookie, API token,
// Kerberos; then the policy for what no authenticator claimed; lockout inside the authenticators), the same
// identity headers. Only the forwarding is left to the front proxy, which is told what to set (answer.ts).
// Auth requests are answered only for the front proxies in server.trustedProxies: anyone else could learn
// from a 200 that a credential is good and what restgate would tell Jira about it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RgError, rgError } from '../errors.js'
import { authRequestOf } from '../auth/hook.js'
import { FORWARD_AUTH_PATH } from '../config/paths.js'
import { createGroupsHook } from '../directory/groups-hook.js'
import { sendError, writeRawError } from '../http/reply.js'
import { peerOf } from '../http/front.js'
import type { ProxyPluginOptions } from '../proxy/options.js'
import { answerHeaders } from './answer.js'
import { envoyForm, readOriginal } from './original.js'

/** Carries a refusal's JSON body for nginx, which passes on only the status of a refused auth subrequest. */
export const ERROR_HEADER = 'x-restgate-error'

/** JSON with every non-ASCII character escaped, so the body fits in a header value unchanged in meaning. */
function asciiJson(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

export async function forwardAuthScope(app: FastifyInstance, opts: ProxyPluginOptions): Promise<void> {
  const { gate, trustedProxies, signer } = opts
  // Under the product's context path, as its other routes: the original request must be under it too.
  const contextPath = opts.product.contextPath
  const endpoint = contextPath + FORWARD_AUTH_PATH

  // The decision needs no body; a front proxy sends none (and one it sends anyway is never read).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))

  app.addHook('onRequest', (request, reply, done) => {
    const state = request.rg
    state.routeClass = 'auth'
    const peer = peerOf(request.socket.remoteAddress)
    if (!trustedProxies.contains(peer)) {
      state.decision = 'untrusted proxy'
      request.log.warn({ peer }, 'auth request from an address outside server.trustedProxies: refused')
      sendError(reply, rgError('RG_ERR_UNTRUSTED_PROXY'))
      return
    }
    const original = readOriginal(request.method, request.url, request.headers, request.raw.url, { endpoint, contextPath })
    if (original instanceof RgError) {
      state.decision = original.code
      sendError(reply, original)
      return
    }
    state.original = original
    gate.hookOn(request, reply, done, authRequestOf(request, original.path, original.method))
  })
  if (opts.directory !== undefined) app.addHook('onRequest', createGroupsHook(opts.directory))

  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode < 400) return done(null, payload)
    // nginx 1.22 hands the client only the first WWW-Authenticate of a refused auth subrequest: one field
    // with every challenge (RFC 9110 §11.6.1 allows a list) reaches the client whole, through any front.
    const challenge = reply.getHeader('www-authenticate')
    if (Array.isArray(challenge)) reply.header('www-authenticate', challenge.join(', '))
    if (typeof payload === 'string' && request.headers['x-original-uri'] !== undefined) reply.header(ERROR_HEADER, asciiJson(payload))
    done(null, payload)
  })

  // The 200 is written straight to the socket, as the proxy scope writes its answers: on every request,
  // Fastify's reply machinery would cost more than the decision itself.
  const answer = (request: FastifyRequest, reply: FastifyReply): void => {
    const headers = request.headers
    const state = request.rg
    const out = answerHeaders({
      policy: state.policy,
      auth: state.auth,
      authorization: headers.authorization,
      cookie: headers.cookie,
      sessionCookie: opts.sessionCookie(),
      signer,
      request: { method: state.original!.method, target: state.original!.target },
      envoy: envoyForm(request.url, endpoint),
      anonymous: state.decision === 'anonymous',
    })
    out.push('content-length', '0')
    reply.hijack()
    try {
      reply.raw.writeHead(200, out)
    } catch (err) {
      // A value no header can carry (a user name outside Latin-1, say): never a 200 without its headers.
      state.decision = 'RG_ERR_INTERNAL'
      request.log.error({ err: (err as Error).message }, 'forward-auth answer could not be written')
      writeRawError(reply.raw, 'RG_ERR_INTERNAL')
      return
    }
    reply.raw.end()
  }
  app.all(FORWARD_AUTH_PATH, answer)
  app.all(`${FORWARD_AUTH_PATH}/*`, answer)
}
