// The WebSocket benchmark's upstream, as Synchrony would be: echoes every message on any path (the `ws`
// package), and answers plain HTTP with 200 so readiness can be probed. Its own process:
// `node dist/bench/servers/ws-echo.js PORT`.
import http from 'node:http'
import { WebSocketServer } from 'ws'

const port = Number(process.argv[2])
const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'))
const wss = new WebSocketServer({ server, perMessageDeflate: false })
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })))
server.listen(port, '127.0.0.1')
process.once('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate()
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
