// The client's side of a request as restgate has checked it: scheme, host[:port] and port. Set once in the
// root onRequest hook; the forwarder sends it as X-Forwarded-Proto, -Host and -Port, Location headers that
// point at the upstream are rewritten to it, and restgate's own absolute links (the session resource's
// `self`, a snapshot's `baseUrl`) are built from it. A trusted proxy's X-Forwarded-* count, no one else's.
import type { FastifyRequest } from 'fastify'
import { parseHostHeader, parsePort } from '../policy/host-header.js'

export interface Front {
  readonly proto: 'http' | 'https'
  /** host[:port] as the client wrote it (the Host header, or a trusted proxy's X-Forwarded-Host). */
  readonly host: string
  readonly port: number
}

/** The connection's peer address, IPv4-mapped IPv6 read as IPv4 (what trustedProxies lists). */
export function peerOf(address: string | undefined): string {
  const a = address ?? ''
  return a.startsWith('::ffff:') ? a.slice(7) : a
}

/** Host headers in the raw list: Node keeps the first and drops the others, which another reader may not. */
function hostCount(rawHeaders: readonly string[]): number {
  let n = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length === 4 && name.toLowerCase() === 'host') n++
  }
  return n
}

function lastEntry(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  const text = Array.isArray(value) ? value[value.length - 1]! : value
  const comma = text.lastIndexOf(',')
  return (comma === -1 ? text : text.slice(comma + 1)).trim()
}

/** The checked front of the request, or why it cannot be believed. `viaProxy`: the peer is a trusted proxy. */
export function frontOf(request: FastifyRequest, viaProxy: boolean): Front | string {
  if (hostCount(request.raw.rawHeaders) > 1) return 'more than one Host header'
  // request.host and request.protocol read X-Forwarded-Host/-Proto only from server.trustedProxies.
  const host = request.host
  if (host.length === 0) return 'no Host header'
  const parsed = parseHostHeader(host)
  if (!parsed.ok) return parsed.reason
  const proto = request.protocol
  if (proto !== 'http' && proto !== 'https') return 'X-Forwarded-Proto is neither http nor https'
  let port = parsed.port
  if (port === undefined && viaProxy) {
    const forwarded = lastEntry(request.headers['x-forwarded-port'])
    if (forwarded !== undefined) {
      port = parsePort(forwarded)
      if (port === undefined) return 'X-Forwarded-Port is not a port'
    }
  }
  return { proto, host, port: port ?? (proto === 'https' ? 443 : 80) }
}

/** `https://restgate.example.com` (with the port when the client wrote one): where the client reached us. */
export function frontOrigin(front: Front): string {
  return `${front.proto}://${front.host}`
}
