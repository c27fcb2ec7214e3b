// Request ids: one per request, in the access line and audit lines, sent to the upstream and returned to
// the client as X-Request-Id. A load balancer listed in server.trustedProxies may hand its own id on (so
// one id follows the request through every hop); anyone else's is ignored, since a client could otherwise
// name its requests after someone else's in the logs.
import type { IncomingMessage } from 'node:http'
import type { CidrSet } from '../match/cidr.js'

export const REQUEST_ID_HEADER = 'x-request-id'

/**
 * 1-128 characters that can neither split a header or a log line nor read as a list (no space, comma,
 * quote or control character): UUIDs, nginx's `$request_id`, AWS and Heroku ids, base64.
 */
const ACCEPTED = /^[A-Za-z0-9._~:/+=@-]{1,128}$/

export function acceptableRequestId(value: string): boolean {
  return ACCEPTED.test(value)
}

/**
 * Fastify's `genReqId`. Without trusted proxies nothing is read from the request. Node joins repeated
 * X-Request-Id headers with ", ", which the character rule refuses: two ids are no id.
 */
export function createRequestIdGenerator(trusted: CidrSet): (req: IncomingMessage) => string {
  // Unique within this process, and across processes of one host (the pid and start time).
  const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}-`
  let counter = 0
  const own = (): string => prefix + (++counter).toString(36)
  if (trusted.empty) return own
  return (req) => {
    const sent = req.headers[REQUEST_ID_HEADER]
    if (typeof sent !== 'string' || !ACCEPTED.test(sent)) return own()
    const peer = req.socket.remoteAddress
    return peer !== undefined && trusted.contains(peer) ? sent : own()
  }
}
