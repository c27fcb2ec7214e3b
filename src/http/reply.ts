// Sending restgate's own errors: JSON `{ code, message }`, the code's status, any challenge headers.
import type { ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import { ERRORS, RgError, type ErrorCode } from '../errors.js'

export function sendError(reply: FastifyReply, err: RgError): FastifyReply {
  reply.code(err.statusCode).type('application/json; charset=utf-8').header('cache-control', 'no-store')
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value)
  return reply.send(err.toJSON())
}

/** For responses written outside Fastify's reply (the forwarder writes to the raw response). */
export function writeRawError(res: ServerResponse, code: ErrorCode, message?: string): void {
  const body = JSON.stringify({ code, message: message ?? ERRORS[code].message })
  res.writeHead(ERRORS[code].status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  })
  res.end(body)
}
