// Streams one request to the upstream and its response back, straight between the two sockets: no
// buffering, backpressure both ways, and the upstream request cancelled as soon as the client goes away.
// A request waits for a free upstream connection in upstream/queue.ts, within its limits, or is refused
// with 503 without ever reaching the upstream.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher } from 'undici'
import { appendHeaders, buildClientHeaders, rewriteLocation } from './headers.js'
import { upstreamErrorCode } from '../upstream/errors.js'
import type { Upstream } from '../upstream/pool.js'
import type { QueueLimits, Refusal, Ticket } from '../upstream/queue.js'
import { REQUEST_ID_HEADER } from '../http/request-id.js'
import { writeRawError } from '../http/reply.js'
import { rgError, type ErrorCode } from '../errors.js'

export interface ForwardOptions {
  readonly upstream: Upstream
  readonly method: string
  /** Canonical path plus the original query string. */
  readonly path: string
  /** Flat [name, value, ...] list, already sanitized. */
  readonly headers: string[]
  /** Stream the client body when the request has one. */
  readonly body: IncomingMessage | Buffer | null
  readonly timeoutMs: number
  /** How many requests may wait for a connection, and how long. */
  readonly queue: QueueLimits
  /** Returned to the client as X-Request-Id, in place of any the upstream sent. */
  readonly requestId: string
  /** Added to the client response (appended to any the upstream sent). */
  readonly responseHeaders: Readonly<Record<string, string | readonly string[]>> | undefined
  /** Location headers that point at the upstream's origin are rewritten to the client's. */
  readonly location?: { readonly upstreamOrigin: string; readonly frontOrigin: string }
  /** Upstream answered with headers: status and nanoseconds since dispatch. */
  readonly onResponse?: (status: number, elapsedNs: bigint) => void
  /** The exchange failed; `sent` tells whether an error response could still be written. */
  readonly onFailure?: (err: Error, code: ErrorCode, sent: boolean) => void
}

class ClientClosed extends Error {
  constructor() {
    super('client closed the connection')
    this.name = 'ClientClosed'
  }
}

/** True when the client request carries a body to stream (RFC 9112 §6.3). */
export function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding']
  if (te !== undefined) return true
  const cl = req.headers['content-length']
  return cl !== undefined && cl !== '0'
}

const REFUSALS: Record<Refusal, (opts: ForwardOptions) => string> = {
  full: (o) => `Every connection to the upstream application is busy and ${o.queue.maxQueued} requests are waiting already (upstream.maxQueued): try again shortly`,
  timeout: (o) => `No connection to the upstream application came free within ${o.queue.timeoutMs} ms (upstream.queueTimeout): try again shortly`,
}

class ForwardHandler implements Dispatcher.DispatchHandler, Ticket {
  private controller: Dispatcher.DispatchController | null = null
  private clientClosed = false
  /** The client response is complete already (bodiless statuses). */
  private ended = false
  /** Handed to the pool: the queue must hear once when the exchange is over. */
  private started = false
  private startNs = 0n
  /** Takes the request out of the queue while it waits (set by forward()). */
  withdraw: () => void = () => undefined
  private readonly onDrain = (): void => this.controller?.resume()

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: ForwardOptions,
  ) {
    res.once('close', () => {
      if (res.writableFinished) return
      this.clientClosed = true
      if (!this.started) this.withdraw()
      this.controller?.abort(new ClientClosed())
    })
  }

  start(): void {
    this.started = true
    this.startNs = process.hrtime.bigint()
    const opts = this.opts
    opts.upstream.pool.dispatch(
      {
        path: opts.path,
        method: opts.method as Dispatcher.HttpMethod,
        headers: opts.headers,
        body: opts.body,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      },
      this,
    )
  }

  refuse(reason: Refusal): void {
    const res = this.res
    const canWrite = !res.headersSent && !res.destroyed
    const err = rgError('RG_ERR_UPSTREAM_BUSY', REFUSALS[reason](this.opts))
    this.opts.onFailure?.(err, err.code, canWrite)
    if (canWrite) writeRawError(res, err.code, err.message, { 'retry-after': '1', [REQUEST_ID_HEADER]: this.opts.requestId })
  }

  /** Once per started exchange, whichever way it ended. */
  private release(): void {
    if (!this.started) return
    this.started = false
    this.opts.upstream.queue.leave()
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.clientClosed) controller.abort(new ClientClosed())
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return // 1xx: informational, the final response follows
    this.opts.onResponse?.(statusCode, process.hrtime.bigint() - this.startNs)
    const out = buildClientHeaders(headers)
    out[REQUEST_ID_HEADER] = this.opts.requestId
    appendHeaders(out, this.opts.responseHeaders)
    const loc = this.opts.location
    if (loc !== undefined && typeof out['location'] === 'string') out['location'] = rewriteLocation(out['location'], loc.upstreamOrigin, loc.frontOrigin)
    // 204 and 304 never have a body (RFC 9110 §6.4.1): finish now, whatever the upstream's framing says.
    // Some upstreams send Content-Length on them, which the transport would otherwise report as an error.
    const bodiless = statusCode === 204 || statusCode === 304
    if (statusCode === 204) delete out['content-length']
    try {
      this.res.writeHead(statusCode, out)
    } catch (err) {
      // Node refused a header value the upstream sent (control characters): the response is unusable.
      controller.abort(err as Error)
      return
    }
    if (bodiless) {
      this.ended = true
      this.res.end()
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.ended) return
    if (!this.res.write(chunk)) {
      controller.pause()
      this.res.once('drain', this.onDrain)
    }
  }

  onResponseEnd(): void {
    this.release()
    if (!this.ended) this.res.end()
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.release()
    // Answered already: by this handler, or by the root's slow-body guard (whose 408 ended the body).
    if (this.ended || this.clientClosed || err instanceof ClientClosed || this.res.writableEnded) return
    const code = upstreamErrorCode(err)
    const res = this.res
    const canWrite = !res.headersSent && !res.destroyed
    this.opts.onFailure?.(err, code, canWrite)
    if (canWrite) writeRawError(res, code, undefined, { [REQUEST_ID_HEADER]: this.opts.requestId })
    else res.destroy(err)
  }
}

export function forward(res: ServerResponse, opts: ForwardOptions): void {
  const handler = new ForwardHandler(res, opts)
  handler.withdraw = opts.upstream.queue.enter(handler, opts.queue)
}
