// A WebSocket echo server on loopback (the `ws` package), standing in for Synchrony: it echoes every
// message, records the headers of each upgrade request it accepted, and can refuse one path with 403.
import { once } from 'node:events'
import http, { type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

export interface WsEcho {
  readonly url: string
  readonly upgrades: Array<{ url: string; headers: IncomingHttpHeaders; rawHeaders: string[] }>
  readonly sockets: Set<WebSocket>
  close(): Promise<void>
}

export async function startWsEcho(t: { teardown(fn: () => unknown): void }): Promise<WsEcho> {
  const upgrades: WsEcho['upgrades'] = []
  const sockets = new Set<WebSocket>()
  const server = http.createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade required'))
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith('/refuse') === true) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 9\r\nconnection: close\r\n\r\nforbidden')
      return
    }
    upgrades.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders })
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? undefined : data.toString()
        if (text === 'close-from-server') return ws.close(1000, 'server says bye')
        ws.send(data, { binary: isBinary })
      })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const close = async (): Promise<void> => {
    for (const ws of sockets) ws.terminate()
    wss.close()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.teardown(close)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upgrades, sockets, close }
}
