// buildApp(deps): the whole HTTP surface as sibling encapsulated scopes, each with its own auth hook.
// Nothing happens at import time and nothing here opens a socket: main.ts does that.
import { readFileSync } from 'node:fs'
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import { ERRORS, RgError, isRgError, rgError, type ErrorCode } from './errors.js'
import type { RuntimeHolder } from './reload/runtime.js'
import type { Clock } from './clock.js'
import type { Metrics } from './observability/metrics.js'
import type { Authenticator } from './auth/types.js'
import { createGate } from './auth/hook.js'
import { compileCidrSet } from './match/cidr.js'
import { canonicalRewrite, pathError } from './http/canonical.js'
import { frontOf, peerOf, type Front } from './http/front.js'
import { routeUpgrades, upgradeError } from './http/upgrade.js'
import { createTunnels, type Tunnels } from './proxy/tunnels.js'
import { proxyTrust } from './http/trust.js'
import type { Product } from './policy/compile.js'
import { watchResponse } from './http/access-log.js'
import { createAccessLineWriter } from './observability/logger.js'
import { lazyChildLogger } from './observability/lazy-child.js'
import { sendError, writeRawError } from './http/reply.js'
import { createRequestIdGenerator, REQUEST_ID_HEADER } from './http/request-id.js'
import { createBodyWatch, type SlowBody } from './http/slow-body.js'
import './http/request-state.js'
import { hasBody } from './proxy/forward.js'
import { proxyPlugin, type ProxyPluginOptions } from './proxy/plugin.js'
import type { IdentitySigner } from './upstream/identity.js'
import type { OAuthSigner } from './upstream/oauth-box.js'
import type { Upstream } from './upstream/pool.js'
import { API_PREFIX, apiPlugin } from './api/plugin.js'
import { createStaticDirectory, type Directory } from './directory/static.js'
import { StoreUnavailableError } from './store/types.js'

export interface Lifecycle {
  /** Set when SIGTERM arrived: new requests on kept-alive connections get 503 and Connection: close. */
  closing: boolean
}

export interface AppDeps {
  readonly runtime: RuntimeHolder
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: Clock
  /** One per product, in the policy's order: its name and the pool to its upstream. */
  readonly products: ReadonlyArray<ProductUpstream>
  /** The proxy's chain, in order: session, API token, Kerberos. */
  readonly authenticators?: readonly Authenticator[]
  /** The management API's chain: the proxy's plus ones only the API accepts (a Jira password). */
  readonly apiAuthenticators?: readonly Authenticator[]
  readonly directory?: Directory
  readonly signer?: IdentitySigner
  /** Signs requests restgate authenticated when the policy sets identity.oauth. */
  readonly oauth?: OAuthSigner
  readonly apiFamilies?: ReadonlyArray<readonly [string, string, FastifyPluginAsync]>
  /** Local scopes registered beside the proxy (the session resource, the token page), each given the proxy's
   *  options so a scope can forward what is not its own. */
  readonly localScopes?: ReadonlyArray<FastifyPluginAsync<ProxyPluginOptions>>
  readonly lifecycle?: Lifecycle
  /** The WebSockets open through this restgate (closed at shutdown and when their login ends). */
  readonly tunnels?: Tunnels
}

export interface ProductUpstream {
  readonly name: string
  readonly upstream: Upstream
}

/** Placeholder front of a request refused before its Host was read: never used to build anything. */
const NO_FRONT: Front = Object.freeze({ proto: 'http', host: '', port: 0 })

// Methods Confluence's WebDAV and other clients use, so they are forwarded rather than refused.
const EXTRA_METHODS: Array<[string, boolean]> = [
  ['PROPFIND', true],
  ['PROPPATCH', true],
  ['MKCOL', true],
  ['COPY', false],
  ['MOVE', false],
  ['LOCK', true],
  ['UNLOCK', false],
  ['REPORT', true],
]

function clientErrorBody(code: ErrorCode): string {
  return JSON.stringify({ code, message: ERRORS[code].message })
}

/** Node's client errors: the parser's (headers too large, a malformed request) and its timeouts. */
const CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'RG_ERR_HEADERS_TOO_LARGE',
  // server.headersTimeout (headers, or nothing at all, too slow) or server.requestTimeout (the whole request).
  ERR_HTTP_REQUEST_TIMEOUT: 'RG_ERR_REQUEST_TIMEOUT',
}

/**
 * Errors Node raises on a connection outside any response: before a request exists (headers too large,
 * a malformed request line, headers too slow), or when a request's body is too slow to arrive.
 */
function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const code: ErrorCode = CLIENT_ERRORS[err.code ?? ''] ?? 'RG_ERR_BAD_REQUEST'
  const status = ERRORS[code].status
  const body = clientErrorBody(code)
  this.log.info({ code, reason: err.code }, 'client error before request')
  // A response already under way on this connection cannot be followed by another one: just close.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (socket.writable && (inFlight === undefined || inFlight === null || !inFlight.headersSent)) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

const SLOW_BODY: Record<SlowBody, (p: RuntimeHolder['current']['policy']) => string> = {
  idle: (p) => `No request body arrived for ${p.requestBody.timeoutMs} ms (server.bodyTimeout): the connection is closed`,
  rate: (p) => `The request body arrived slower than ${p.requestBody.minRate} bytes a second (server.minBodyRate): the connection is closed`,
}

/** A body too slow to arrive: 408 when no response has started, and the connection closed either way. */
function refuseSlowBody(reply: FastifyReply, why: SlowBody): void {
  const request = reply.request
  const res = reply.raw
  const socket = res.socket
  request.rg.decision = `slow body (${why})`
  request.log.info({ reqId: request.id, why, ip: request.ip }, 'request body too slow: closing the connection')
  // Whoever reads the body (the forwarder's upstream request, a body parser) must hear that it ends here:
  // once a response is complete Node no longer ends the request stream when the connection closes.
  if (socket === null || socket.destroyed) request.raw.destroy()
  else socket.once('close', () => request.raw.destroy())
  if (!res.headersSent && !res.destroyed) {
    // `Connection: close` makes Node close the socket once the answer is written.
    writeRawError(res, 'RG_ERR_REQUEST_TIMEOUT', SLOW_BODY[why](request.rg.policy), { connection: 'close', [REQUEST_ID_HEADER]: request.id })
    setTimeout(() => socket?.destroy(), 1000).unref()
  } else {
    res.destroy()
  }
}

/** Fastify's own errors (bad JSON, schema validation, unsupported media type) in restgate's shape. */
function toRgError(err: Error & { code?: string; statusCode?: number; validation?: unknown }): RgError {
  if (isRgError(err)) return err
  // A store that cannot answer: fail closed with 503, whatever the route was doing.
  if (err instanceof StoreUnavailableError) return rgError('RG_ERR_STORE_UNAVAILABLE')
  if (err.validation !== undefined) return rgError('RG_ERR_BAD_REQUEST', err.message)
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return rgError('RG_ERR_UNSUPPORTED_MEDIA_TYPE')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return rgError('RG_ERR_PAYLOAD_TOO_LARGE')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return rgError('RG_ERR_BAD_REQUEST', err.message)
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && err.code?.startsWith('FST_ERR_CTP'))) {
    return rgError('RG_ERR_BAD_REQUEST', 'The request body is not valid JSON')
  }
  if (err.statusCode === 404) return rgError('RG_ERR_NOT_FOUND')
  if (err.statusCode === 415) return rgError('RG_ERR_UNSUPPORTED_MEDIA_TYPE')
  if (err.statusCode === 413) return rgError('RG_ERR_PAYLOAD_TOO_LARGE')
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return rgError('RG_ERR_BAD_REQUEST', err.message)
  }
  return rgError('RG_ERR_INTERNAL')
}

/**
 * The listener's limits that a reload may change (server.headersTimeout, server.maxConnections): Node reads
 * them from the server object as connections come and go.
 */
export function applyServerLimits(app: FastifyInstance, policy: RuntimeHolder['current']['policy']): void {
  const server = app.server
  server.headersTimeout = policy.durations.headersTimeoutMs
  server.requestTimeout = policy.durations.requestTimeoutMs
  server.keepAliveTimeout = policy.durations.keepAliveTimeoutMs
  // Node's 0 would refuse every connection; restgate's 0 means no limit.
  server.maxConnections = policy.config.server.maxConnections === 0 ? Infinity : policy.config.server.maxConnections
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const boot = deps.runtime.current
  const server = boot.config.server
  const durations = deps.runtime.current.policy.durations
  const trusted = compileCidrSet(server.trustedProxies)
  const lifecycle = deps.lifecycle ?? { closing: false }
  const accessLog = createAccessLineWriter(deps.logger)
  const maxHeaderFields = server.maxHeaders * 2
  const bodyWatch = createBodyWatch<FastifyReply>(refuseSlowBody)
  const http = {
    maxHeaderSize: server.maxHeaderBytes,
    // How often Node looks for connections past headersTimeout or requestTimeout (its default is 30 s).
    connectionsCheckingInterval: durations.headersTimeoutMs === 0 ? 1000 : Math.min(1000, Math.max(50, Math.floor(durations.headersTimeoutMs / 4))),
  }

  const app = Fastify({
    loggerInstance: deps.logger,
    childLoggerFactory: lazyChildLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Only listed proxies may set the client address (X-Forwarded-For), protocol and host.
    trustProxy: proxyTrust(trusted),
    rewriteUrl: canonicalRewrite,
    genReqId: createRequestIdGenerator(trusted) as (req: unknown) => string,
    keepAliveTimeout: durations.keepAliveTimeoutMs,
    requestTimeout: durations.requestTimeoutMs,
    return503OnClosing: false,
    bodyLimit: 64 * 1024,
    clientErrorHandler,
    routerOptions: { maxParamLength: 16 * 1024 },
    ...(server.tls !== undefined
      ? { https: { cert: readFileSync(server.tls.cert), key: readFileSync(server.tls.key), ...http } }
      : { http }),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance
  applyServerLimits(app, deps.runtime.current.policy)
  // Node's own line limit (1,000) silently drops the lines past it (Node 20) or refuses them as too large
  // (Node 24): off, so every line is seen (server.maxHeaderBytes still bounds them) and the root hook below
  // refuses more than server.maxHeaders with its own code.
  app.server.maxHeadersCount = 0
  app.addHook('onClose', (_app, done) => {
    bodyWatch.close()
    done()
  })

  for (const [method, withBody] of EXTRA_METHODS) app.addHttpMethod(method, { hasBody: withBody })

  app.decorateRequest('rg', null as never)
  app.addHook('onRequest', (request, reply, done) => {
    const policy = deps.runtime.current.policy
    const url = request.url
    const q = url.indexOf('?')
    request.rg = {
      policy,
      startNs: process.hrtime.bigint(),
      routeClass: 'local',
      auth: null,
      decision: undefined,
      front: NO_FRONT,
      product: null,
      path: q === -1 ? url : url.slice(0, q),
      original: undefined,
    }
    watchResponse(request, reply, deps.metrics, accessLog)
    reply.header(REQUEST_ID_HEADER, request.id)
    const raw = request.raw
    if (raw.rawHeaders.length > maxHeaderFields) {
      request.rg.decision = 'too many headers'
      reply.header('connection', 'close')
      sendError(reply, rgError('RG_ERR_TOO_MANY_HEADERS', `The request has more than ${server.maxHeaders} header lines (server.maxHeaders)`))
      return
    }
    const bad = pathError(raw)
    if (bad !== undefined) {
      request.rg.decision = 'bad path'
      sendError(reply, rgError('RG_ERR_BAD_PATH', `The request path cannot be read unambiguously: ${bad}`))
      return
    }
    const front = frontOf(request, trusted.contains(peerOf(request.socket.remoteAddress)))
    if (typeof front === 'string') {
      request.rg.decision = 'bad host'
      sendError(reply, rgError('RG_ERR_BAD_HOST', `The request's host cannot be believed: ${front}`))
      return
    }
    request.rg.front = front
    const refusedUpgrade = upgradeError(request.raw)
    if (refusedUpgrade !== undefined) {
      request.rg.decision = 'upgrade refused'
      sendError(reply, rgError('RG_ERR_UPGRADE_REFUSED', `${ERRORS.RG_ERR_UPGRADE_REFUSED.message}: ${refusedUpgrade}`))
      return
    }
    if (lifecycle.closing) {
      reply.header('connection', 'close')
      sendError(reply, rgError('RG_ERR_SHUTTING_DOWN'))
      return
    }
    if (hasBody(raw)) bodyWatch.watch(reply, raw, policy.requestBody)
    done()
  })

  app.setErrorHandler((err, request, reply) => {
    const rg = toRgError(err as Error)
    if (rg.code === 'RG_ERR_INTERNAL') request.log.error({ err }, 'unhandled error')
    if (rg.code === 'RG_ERR_STORE_UNAVAILABLE') request.log.warn({ err: (err as Error).message }, 'store unavailable')
    if (request.rg !== null) request.rg.decision = rg.code
    return sendError(reply, rg)
  })
  // Only reached outside every product's context path: nothing there is forwarded to any application.
  app.setNotFoundHandler((request, reply) => {
    if (request.rg !== null && request.rg.product === null) request.rg.decision = 'no product'
    return sendError(reply, rgError('RG_ERR_NOT_FOUND', request.rg?.product == null ? 'No product is served under this path' : undefined))
  })

  const directory = deps.directory ?? createStaticDirectory()
  const authenticators = deps.authenticators ?? []

  const gate = createGate({ authenticators, scope: 'forward', metrics: deps.metrics })
  const tunnels = deps.tunnels ?? createTunnels({ store: { subscribe: () => () => undefined }, now: () => deps.clock.now() })
  routeUpgrades(app.server, (req, res) => app.routing(req, res))
  for (const { name, upstream } of deps.products) {
    const product = boot.policy.products.get(name)
    if (product === undefined) throw new Error(`no product ${name} in the policy`)
    const proxyOptions: ProxyPluginOptions = {
      product,
      upstream,
      gate,
      trustedProxies: trusted,
      metrics: deps.metrics,
      signer: deps.signer,
      oauth: deps.oauth,
      directory,
      tunnels,
      // Stripped even with sessions switched off: a restgate cookie is restgate's credential, never Jira's.
      sessionCookie: () => deps.runtime.current.config.sessions.cookieName,
    }
    // Each product in a scope of its own under its context path: the management API, the session resource
    // and the token page sit under it as they would inside the product, and the proxy forwards only there.
    await app.register(productScope(product, proxyOptions, deps, authenticators, directory), { prefix: product.contextPath })
  }
  return app
}

function productScope(
  boot: Product,
  proxyOptions: ProxyPluginOptions,
  deps: AppDeps,
  authenticators: readonly Authenticator[],
  directory: Directory,
): FastifyPluginAsync {
  const cut = boot.contextPath.length
  return async (app) => {
    app.addHook('onRequest', (request, _reply, done) => {
      const state = request.rg
      // Products are restart-only: the request's own policy has this one, with its live settings.
      state.product = state.policy.products.get(boot.name) ?? boot
      if (cut > 0) state.path = state.path.slice(cut) || '/'
      done()
    })
    await app.register(apiPlugin, {
      prefix: API_PREFIX,
      authenticators: deps.apiAuthenticators ?? authenticators,
      directory,
      clock: deps.clock,
      families: deps.apiFamilies,
    })
    for (const scope of deps.localScopes ?? []) await app.register(scope, proxyOptions)
    await app.register(proxyPlugin, proxyOptions)
  }
}
