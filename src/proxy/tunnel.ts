// A WebSocket upgrade the proxy scope let through: the upgrade request goes to the upstream with the same
// header rules as any forwarded request (client copies of identity headers stripped, restgate's added,
// the consumed credential removed) plus `Upgrade: websocket`; on the product's 101 both sockets are piped
// into each other until either side closes. `pipe` carries backpressure both ways and costs no JavaScript
// per message: restgate never parses a frame. The tunnel closes when it idles past
// server.websocketIdleTimeout, when the session or token that opened it ends (proxy/tunnels.ts), and at
// shutdown after server.drainTimeout.
import type { Socket } from 'node:net'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { forwardTarget } from '../http/canonical.js'
import { frontOrigin } from '../http/front.js'
import { writeRawError } from '../http/reply.js'
import type { PendingUpgrade } from '../http/upgrade.js'
import { upstreamErrorCode } from '../upstream/errors.js'
import { requestUpgrade } from '../upstream/upgrade.js'
import { appendHeaders, buildClientHeaders, rewriteLocation } from './headers.js'
import { upstreamHeadersFor, type ProxyPluginOptions } from './options.js'
import type { Tunnels } from './tunnels.js'

export async function openTunnel(request: FastifyRequest, reply: FastifyReply, pending: PendingUpgrade, opts: ProxyPluginOptions, tunnels: Tunnels): Promise<void> {
  const state = request.rg
  const res = reply.raw
  reply.hijack()
  const max = state.policy.config.server.maxWebSockets
  const place = tunnels.reserve(max)
  if (place === undefined) {
    state.decision = 'RG_ERR_UPSTREAM_BUSY'
    request.log.warn({ open: tunnels.size, max }, 'WebSocket refused: server.maxWebSockets are open')
    writeRawError(res, 'RG_ERR_UPSTREAM_BUSY', `${max} WebSockets are open already (server.maxWebSockets): try again shortly`, { 'retry-after': '1', connection: 'close' })
    return
  }
  try {
    await upgradeWithin(request, reply, pending, opts, tunnels)
  } finally {
    // Added to the open ones by then, or never opened: either way no longer opening.
    place.release()
  }
}

async function upgradeWithin(request: FastifyRequest, reply: FastifyReply, pending: PendingUpgrade, opts: ProxyPluginOptions, tunnels: Tunnels): Promise<void> {
  const state = request.rg
  const product = state.product ?? opts.product
  const res = reply.raw
  let target = forwardTarget(request.raw, request.url)
  let outcome
  try {
    // identity.oauth: the upgrade request is signed as the user like any request restgate authenticated.
    let authorization: string | undefined
    if (state.auth !== null && state.policy.config.identity.oauth !== undefined) {
      if (opts.oauth === undefined) throw new Error('identity.oauth is configured but restgate has no OAuth signer')
      const signed = await opts.oauth.sign(state.auth.identity.user, { method: 'GET', target })
      if ('clash' in signed) {
        state.decision = 'RG_ERR_OAUTH_PARAMETER'
        writeRawError(res, 'RG_ERR_OAUTH_PARAMETER', `The request carries ${signed.clash} itself: restgate signs upstream requests as the authenticated user`)
        return
      }
      authorization = signed.authorization
      target = signed.target
    }
    outcome = await requestUpgrade(opts.upstream, {
      path: target,
      headers: upstreamHeadersFor(request, opts, { target, authorization, keepUpgrade: true }),
      timeoutMs: Math.min(product.timeoutMs, 30_000),
    })
  } catch (err) {
    const code = upstreamErrorCode(err)
    state.decision = code
    request.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'upstream upgrade failed')
    if (!res.headersSent && !pending.socket.destroyed) writeRawError(res, code)
    return
  }
  const response = outcome.response
  const headers = appendHeaders(buildClientHeaders(response.headers), state.auth?.responseHeaders)
  if (typeof headers['location'] === 'string') headers['location'] = rewriteLocation(headers['location'], opts.upstream.origin, frontOrigin(state.front))
  if (outcome.kind === 'response') {
    // The product did not switch protocols (a 403, a 404): its answer goes back as it is, then the socket closes.
    state.decision = 'upgrade refused upstream'
    res.writeHead(response.statusCode ?? 502, headers)
    response.pipe(res)
    return
  }
  const client = pending.socket
  const upstream = outcome.socket
  if (client.destroyed) {
    upstream.destroy()
    return
  }
  pending.taken = true
  state.decision = 'websocket'
  res.writeHead(101, { ...headers, connection: 'Upgrade', upgrade: 'websocket' })
  res.end()
  if (pending.head.length > 0) upstream.write(pending.head)
  if (outcome.head.length > 0) client.write(outcome.head)
  pipeTogether(request, client, upstream, tunnels, state.policy.durations.websocketIdleMs)
}

function pipeTogether(request: FastifyRequest, client: Socket, upstream: Socket, tunnels: Tunnels, idleMs: number): void {
  const identity = request.rg.auth?.identity
  const opened = Date.now()
  let closed = false
  let why = 'closed'
  const close = (reason: string): void => {
    if (closed) return
    closed = true
    why = reason
    client.destroy()
    upstream.destroy()
  }
  const remove = tunnels.add({ identity, close })
  let ends = 0
  const done = (): void => {
    remove()
    if (!closed) close(why)
    request.log.info(
      { user: identity?.user, auth: identity?.method, reason: why, seconds: Math.round((Date.now() - opened) / 100) / 10, sent: client.bytesRead, received: client.bytesWritten },
      'websocket closed',
    )
  }
  for (const [from, to, side] of [[client, upstream, 'client'], [upstream, client, 'upstream']] as const) {
    from.setNoDelay(true)
    from.setTimeout(idleMs, () => close('idle timeout'))
    from.on('error', () => close(`${side} error`))
    // A close (FIN) from one side ends the other's writing: the WebSocket closing handshake goes through.
    from.on('end', () => {
      if (++ends === 2) close(`closed by ${side}`)
      else why = `closed by ${side}`
    })
    from.pipe(to)
  }
  let pendingClose = 2
  const onClose = (): void => {
    if (--pendingClose === 0) done()
    else close(why)
  }
  client.once('close', onClose)
  upstream.once('close', onClose)
}
