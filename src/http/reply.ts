// Sending restgate's own errors: JSON `{ code, message }`, the code's status, any challenge headers.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import { ERRORS, RgError, type ErrorCode } from '../errors.js'
import { browserSafeChallenge, challenges, fromPageScript } from '../policy/decide.js'

export function sendError(reply: FastifyReply, err: RgError): FastifyReply {
  reply.code(err.statusCode).type('application/json; charset=utf-8').header('cache-control', 'no-store')
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
  if (err.statusCode === 401 && err.headers['www-authenticate'] === undefined) reply.header('www-authenticate', lastChallenge(reply))
  return reply.send(err.toJSON())
}

/**
 * A 401 whose sender named no challenge (a failed login on the session resource or the token page) still
 * carries one, as RFC 9110 §15.5.2 requires: Negotiate where Kerberos challenges, else Bearer. Never Basic,
 * which a browser would answer with its password dialog, and only Bearer to a page's own script, whose
 * browser would answer Negotiate by itself.
 */
function lastChallenge(reply: FastifyReply): string[] {
  const request = reply.request
  const policy = request.rg?.policy
  if (policy === undefined) return ['Bearer realm="restgate"']
  if (fromPageScript(request.headers)) return [browserSafeChallenge(policy)]
  return challenges(policy, { path: request.url.split('?', 1)[0]!, ip: request.ip, userAgent: request.headers['user-agent'] }, false)
}

/** For responses written outside Fastify's reply (the forwarder writes to the raw response). */
export function writeRawError(res: ServerResponse, code: ErrorCode, message?: string, headers?: OutgoingHttpHeaders): void {
  const body = JSON.stringify({ code, message: message ?? ERRORS[code].message })
  res.writeHead(ERRORS[code].status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  })
  res.end(body)
}
