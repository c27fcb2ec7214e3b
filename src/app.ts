// buildApp(deps): the whole HTTP surface as sibling encapsulated scopes, each with its own auth hook.
// Nothing happens at import time and nothing here opens a socket: main.ts does that.
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import { ERRORS, RgError, isRgError, rgError, type ErrorCode } from './errors.js'
import type { RuntimeHolder } from './reload/runtime.js'
import type { Clock } from './clock.js'
import type { Metrics } from './observability/metrics.js'
import type { Authenticator } from './auth/types.js'
import { createGate } from './auth/hook.js'
import { compileCidrSet } from './match/cidr.js'
import { canonicalRewrite, pathError } from './http/canonical.js'
import { watchResponse } from './http/access-log.js'
import { createAccessLineWriter } from './observability/logger.js'
import { sendError } from './http/reply.js'
import './http/request-state.js'
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
  readonly upstream: Upstream
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
}

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

/** Errors Node raises before a request exists (headers too large, malformed request line). */
function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'RG_ERR_HEADERS_TOO_LARGE' : 'RG_ERR_BAD_REQUEST'
  const status = ERRORS[code].status
  const body = clientErrorBody(code)
  this.log.info({ code, reason: err.code }, 'client error before request')
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
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

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const boot = deps.runtime.current.config
  const server = boot.server
  const durations = deps.runtime.current.policy.durations
  const trusted = compileCidrSet(server.trustedProxies)
  const idPrefix = `${process.pid.toString(36)}-${Date.now().toString(36)}-`
  let requestCounter = 0
  const lifecycle = deps.lifecycle ?? { closing: false }
  const accessLog = createAccessLineWriter(deps.logger)

  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // Only listed proxies may set the client address (X-Forwarded-For), protocol and host.
    trustProxy: trusted.empty ? false : (address: string) => trusted.contains(address),
    rewriteUrl: canonicalRewrite,
    genReqId: () => idPrefix + (++requestCounter).toString(36),
    keepAliveTimeout: durations.keepAliveTimeoutMs,
    requestTimeout: durations.requestTimeoutMs,
    return503OnClosing: false,
    bodyLimit: 64 * 1024,
    clientErrorHandler,
    routerOptions: { maxParamLength: 16 * 1024 },
    ...(server.tls !== undefined
      ? {
          https: {
            cert: readFileSync(server.tls.cert),
            key: readFileSync(server.tls.key),
            maxHeaderSize: server.maxHeaderBytes,
          },
        }
      : { http: { maxHeaderSize: server.maxHeaderBytes } }),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance

  for (const [method, hasBody] of EXTRA_METHODS) app.addHttpMethod(method, { hasBody })

  app.decorateRequest('rg', null as never)
  app.addHook('onRequest', (request, reply, done) => {
    request.rg = {
      policy: deps.runtime.current.policy,
      startNs: process.hrtime.bigint(),
      routeClass: 'local',
      auth: null,
      decision: undefined,
    }
    watchResponse(request, reply, deps.metrics, accessLog)
    const bad = pathError(request.raw)
    if (bad !== undefined) {
      request.rg.decision = 'bad path'
      sendError(reply, rgError('RG_ERR_BAD_PATH', `The request path cannot be read unambiguously: ${bad}`))
      return
    }
    if (lifecycle.closing) {
      reply.header('connection', 'close')
      sendError(reply, rgError('RG_ERR_SHUTTING_DOWN'))
      return
    }
    done()
  })

  app.setErrorHandler((err, request, reply) => {
    const rg = toRgError(err as Error)
    if (rg.code === 'RG_ERR_INTERNAL') request.log.error({ err }, 'unhandled error')
    if (rg.code === 'RG_ERR_STORE_UNAVAILABLE') request.log.warn({ err: (err as Error).message }, 'store unavailable')
    if (request.rg !== null) request.rg.decision = rg.code
    return sendError(reply, rg)
  })
  app.setNotFoundHandler((_request, reply) => sendError(reply, rgError('RG_ERR_NOT_FOUND')))

  const directory = deps.directory ?? createStaticDirectory()
  const authenticators = deps.authenticators ?? []

  await app.register(apiPlugin, {
    prefix: API_PREFIX,
    authenticators: deps.apiAuthenticators ?? authenticators,
    directory,
    clock: deps.clock,
    families: deps.apiFamilies,
  })
  const proxyOptions: ProxyPluginOptions = {
    upstream: deps.upstream,
    gate: createGate({ authenticators, scope: 'forward', metrics: deps.metrics }),
    trustedProxies: trusted,
    metrics: deps.metrics,
    signer: deps.signer,
    oauth: deps.oauth,
    directory,
    // Stripped even with sessions switched off: a restgate cookie is restgate's credential, never Jira's.
    sessionCookie: () => deps.runtime.current.config.sessions.cookieName,
  }
  for (const scope of deps.localScopes ?? []) await app.register(scope, proxyOptions)
  await app.register(proxyPlugin, proxyOptions)
  return app
}
