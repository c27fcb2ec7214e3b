// Requests with `Connection: upgrade` (a WebSocket): Node hands their socket over in the server's
// `upgrade` event instead of answering them. restgate routes such a request through Fastify like any other
// (canonical path, product scope, the one auth hook, policy, lockout), on a response bound to that socket,
// so the upgrade is decided exactly as a plain request would be. The proxy scope then passes a WebSocket on
// (proxy/tunnel.ts); any other answer (a refusal, a local resource) is an ordinary HTTP response, after
// which the socket is closed: it left HTTP parsing, so nothing else can follow on it, and it is never
// left half-open.
import { ServerResponse, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

const kUpgrade = Symbol('restgate.upgrade')

export interface PendingUpgrade {
  readonly socket: Socket
  /** Bytes the client sent after the request head (the first frames), for the upstream. */
  readonly head: Buffer
  /** Set by the tunnel once it owns the socket: the response's end then does not close it. */
  taken: boolean
}

type Marked = IncomingMessage & { [kUpgrade]?: PendingUpgrade }

export function upgradeOf(req: IncomingMessage): PendingUpgrade | undefined {
  return (req as Marked)[kUpgrade]
}

/** Why an upgrade is refused before any rule runs; undefined for `GET` with `Upgrade: websocket` alone. */
export function upgradeError(req: IncomingMessage): string | undefined {
  if (upgradeOf(req) === undefined) return undefined
  // h2c (RFC 7540 §3.2) through a proxy turns one checked request into a connection of unchecked ones
  // (h2c smuggling): only the WebSocket handshake (RFC 6455 §4.1: a GET) is passed on.
  const upgrade = req.headers.upgrade
  if (upgrade === undefined || upgrade.trim().toLowerCase() !== 'websocket') return `Upgrade: ${upgrade ?? '(none)'} is not passed on`
  if (req.method !== 'GET') return 'a WebSocket handshake is a GET'
  if (req.httpVersion !== '1.1') return 'a WebSocket handshake needs HTTP/1.1'
  return undefined
}

/** Routes every upgrade request through `route` (Fastify's routing) on a response bound to its socket. */
export function routeUpgrades(server: Server, route: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.on('upgrade', (req: IncomingMessage, duplex: Duplex, head: Buffer) => {
    const socket = duplex as Socket
    const pending: PendingUpgrade = { socket, head, taken: false }
    ;(req as Marked)[kUpgrade] = pending
    socket.on('error', () => socket.destroy())
    const res = new ServerResponse(req)
    res.assignSocket(socket)
    res.shouldKeepAlive = false
    res.on('finish', () => {
      if (!pending.taken) socket.destroySoon()
    })
    route(req, res)
  })
}
