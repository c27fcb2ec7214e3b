// One access line and one metrics sample per request (its count, its duration, and the requests in flight
// meanwhile), written when the response closes (finished or aborted), whichever way it was answered:
// proxied, local, or refused. No headers, no query string.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AccessLineWriter } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'

/** Status recorded when the client went away before the response was complete (nginx's convention). */
const CLIENT_CLOSED = 499

/** `accessLog` writes the line without redaction (createAccessLineWriter): every field here is chosen. */
export function watchResponse(request: FastifyRequest, reply: FastifyReply, metrics: Metrics, accessLog: AccessLineWriter): void {
  const res = reply.raw
  metrics.requestsInFlight.enter()
  res.once('close', () => {
    metrics.requestsInFlight.leave()
    const state = request.rg
    const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED
    const auth = state.auth
    const method = auth === null ? 'none' : auth.identity.method
    const ms = Number(process.hrtime.bigint() - state.startNs) / 1e6
    metrics.requests.inc({ class: state.routeClass, status, auth: method })
    metrics.requestDuration.observe({ class: state.routeClass }, ms / 1000)
    if (!state.policy.config.logging.accessLog || !accessLog.enabled()) return
    accessLog.write(
      {
        reqId: request.id,
        ip: request.ip,
        method: request.method,
        path: request.url.split('?', 1)[0],
        status,
        user: auth?.identity.user,
        auth: auth === null ? undefined : method,
        decision: state.decision,
        original: state.original === undefined ? undefined : `${state.original.method} ${state.original.path}`,
        ms: Math.round(ms * 1000) / 1000,
        class: state.routeClass,
      },
      status === CLIENT_CLOSED ? 'request aborted by client' : 'request',
    )
  })
}
