// An upgrade request to the upstream on a connection of its own (an upgraded connection never goes back
// to the keep-alive pool): the product answers 101 and the socket is the tunnel's, or it answers with an
// ordinary response (a 403 from Tomcat, a 404), which goes back to the client as it is.
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { Upstream } from './pool.js'

export type UpgradeOutcome =
  | { readonly kind: 'upgraded'; readonly response: IncomingMessage; readonly socket: Socket; readonly head: Buffer }
  | { readonly kind: 'response'; readonly response: IncomingMessage }

export interface UpgradeRequest {
  readonly path: string
  /** Flat [name, value, ...], Upgrade and Connection included. */
  readonly headers: string[]
  /** For the connection and for the answer's head. */
  readonly timeoutMs: number
}

export function requestUpgrade(upstream: Upstream, req: UpgradeRequest): Promise<UpgradeOutcome> {
  const c = upstream.connect
  const headers = req.headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host') ? req.headers : [...req.headers, 'host', upstream.host]
  return new Promise((resolve, reject) => {
    const options = { host: c.hostname, port: c.port, method: 'GET', path: req.path, headers, agent: false as const }
    const outgoing = c.https ? https.request({ ...options, ...c.tls }) : http.request(options)
    // One bound for the connection and the answer's head; the tunnel's idle timeout takes over after a 101.
    const timer = setTimeout(() => outgoing.destroy(Object.assign(new Error('upstream upgrade timed out'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), req.timeoutMs)
    const settle = (): void => clearTimeout(timer)
    outgoing.once('upgrade', (response, socket, head) => {
      settle()
      resolve({ kind: 'upgraded', response, socket: socket as Socket, head })
    })
    outgoing.once('response', (response) => {
      settle()
      resolve({ kind: 'response', response })
    })
    outgoing.once('error', (err) => {
      settle()
      reject(err)
    })
    outgoing.end()
  })
}
