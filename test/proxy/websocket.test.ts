// WebSocket upgrades through restgate against an echo server: decided like any request (the chain, the
// policy, identity headers), then piped both ways; refusals are plain HTTP answers and the socket closes.
import t from 'tap'
import { once } from 'node:events'
import net from 'node:net'
import WebSocket from 'ws'
import { startWsEcho } from '../helpers/ws-echo.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'

const wsUrl = (httpUrl: string, path: string): string => httpUrl.replace(/^http/, 'ws') + path

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024 })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })))
    })
    ws.once('error', reject)
  })
}

function echo(ws: WebSocket, data: Buffer | string): Promise<Buffer> {
  return new Promise((resolve) => {
    ws.once('message', (m: Buffer) => resolve(m))
    ws.send(data)
  })
}

/** A raw upgrade request: the whole answer, and whether the server closed the socket after it. */
async function rawUpgrade(url: string, lines: string[]): Promise<{ text: string; closed: boolean }> {
  const u = new URL(url)
  const socket = net.connect(Number(u.port), u.hostname)
  await once(socket, 'connect')
  socket.write(lines.join('\r\n') + '\r\n\r\n')
  let text = ''
  socket.on('data', (c: Buffer) => (text += c.toString()))
  const closed = await Promise.race([once(socket, 'close').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))])
  socket.destroy()
  return { text, closed }
}

const handshake = (path: string, host: string, extra: string[] = []): string[] => [
  `GET ${path} HTTP/1.1`,
  `Host: ${host}`,
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  ...extra,
]

t.test('an anonymous upgrade passes where the policy lets it, and a 1 MB message goes each way', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url))
  const ws = await open(wsUrl(rg.url, '/synchrony/v1/bayeux-sync1'))
  t.teardown(() => ws.terminate())
  const big = Buffer.alloc(1024 * 1024, 7)
  const back = await echo(ws, big)
  t.equal(back.length, big.length)
  t.ok(back.equals(big), '1 MB back unchanged')
  t.equal(echoServer.upgrades.at(-1)!.url, '/synchrony/v1/bayeux-sync1')
  ws.close(1000)
  const [code] = (await once(ws, 'close')) as [number]
  t.equal(code, 1000, 'the close handshake went through')
})

t.test('spoofed identity headers on an upgrade never reach the upstream; restgate adds its own for a token', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, {
    server: { host: '127.0.0.1', port: 8000, admin: { enabled: false } },
    products: [
      { name: 'jira', type: 'jira', url: `${echoServer.url}/jira` },
      { name: 'wiki', type: 'confluence', url: `${echoServer.url}/confluence` },
    ],
    apiTokens: { paths: ['/rest/**', '/synchrony/**'] },
  })
  const anon = await open(wsUrl(rg.url, '/confluence/synchrony/x'), { 'X-Forwarded-User': 'admin', 'x_forwarded_user': 'admin', 'X-Forwarded-Auth': 'token' })
  anon.terminate()
  const seen = echoServer.upgrades.at(-1)!
  t.equal(seen.headers['x-forwarded-user'], undefined, 'anonymous: no user at all')
  t.notOk(seen.rawHeaders.some((h) => /x.forwarded.(user|auth)/i.test(h)), 'no spelling of it either')
  t.equal(seen.url, '/confluence/synchrony/x', 'forwarded under its context path')
  t.equal(seen.headers['x-forwarded-host'], new URL(rg.url).host)

  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const ws = await open(wsUrl(rg.url, '/confluence/synchrony/y'), { authorization: `Bearer ${secret}`, 'X-Forwarded-User': 'admin' })
  t.teardown(() => ws.terminate())
  const withToken = echoServer.upgrades.at(-1)!
  t.same(withToken.rawHeaders.filter((_, i, a) => i % 2 === 1 && /^x-forwarded-user$/i.test(a[i - 1]!)), ['alice'], 'only restgate\'s copy')
  t.equal(withToken.headers['x-forwarded-auth'], 'token')
  t.equal(withToken.headers['authorization'], undefined, 'the consumed token is not forwarded')
  t.equal((await echo(ws, 'hello')).toString(), 'hello')
})

t.test('a refused upgrade is the ordinary 401 JSON answer, then the socket is closed', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url, { anonymous: 'deny' }))
  const err = (await open(wsUrl(rg.url, '/rest/x')).catch((e: unknown) => e)) as { status: number; body: string }
  t.equal(err.status, 401)
  t.equal(JSON.parse(err.body).code, 'RG_ERR_UNAUTHENTICATED')
  const raw = await rawUpgrade(rg.url, handshake('/rest/x', new URL(rg.url).host))
  t.match(raw.text, /^HTTP\/1\.1 401 /)
  t.match(raw.text, /connection: close/i)
  t.ok(raw.closed, 'closed by restgate, not left half-open')
  t.equal(echoServer.upgrades.length, 0, 'nothing reached the upstream')
})

t.test('h2c and other upgrades are refused with 400, never forwarded', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url))
  const host = new URL(rg.url).host
  const h2c = await rawUpgrade(rg.url, [`GET /rest/x HTTP/1.1`, `Host: ${host}`, 'Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA'])
  t.match(h2c.text, /^HTTP\/1\.1 400 /)
  t.match(h2c.text, /RG_ERR_UPGRADE_REFUSED/)
  t.ok(h2c.closed)
  const post = await rawUpgrade(rg.url, ['POST /rest/x HTTP/1.1', `Host: ${host}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Content-Length: 0'])
  t.match(post.text, /RG_ERR_UPGRADE_REFUSED/)
  const both = await rawUpgrade(rg.url, handshake('/rest/x', host).map((l) => (l === 'Upgrade: websocket' ? 'Upgrade: websocket, h2c' : l)))
  t.match(both.text, /RG_ERR_UPGRADE_REFUSED/)
  t.equal(echoServer.upgrades.length, 0)
})

t.test("the upstream's own refusal of an upgrade goes back as it is", async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url))
  const raw = await rawUpgrade(rg.url, handshake('/refuse', new URL(rg.url).host))
  t.match(raw.text, /^HTTP\/1\.1 403 /)
  t.match(raw.text, /forbidden$/)
  t.ok(raw.closed)
})

t.test('a close from the server side reaches the client', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url))
  const ws = await open(wsUrl(rg.url, '/synchrony/z'))
  ws.send('close-from-server')
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer]
  t.equal(code, 1000)
  t.equal(reason.toString(), 'server says bye')
  await rg.logs.waitFor((l) => l['msg'] === 'websocket closed')
})

t.test('an upgrade by a token that is revoked meanwhile is closed, with a log line, even under a frame flood', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url, { apiTokens: { paths: ['/rest/**', '/synchrony/**'] } }))
  const { record, secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const ws = await open(wsUrl(rg.url, '/synchrony/flood'), { authorization: `Bearer ${secret}` })
  let flooding = true
  const flood = (): void => {
    while (flooding && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 1024 * 1024) ws.send(Buffer.alloc(16 * 1024))
    if (flooding && ws.readyState === WebSocket.OPEN) setImmediate(flood)
  }
  ws.on('message', () => undefined)
  flood()
  const closed = once(ws, 'close')
  await new Promise((r) => setTimeout(r, 100))
  await rg.tokens.service.remove(record.id)
  await closed
  flooding = false
  const line = await rg.logs.waitFor((l) => l['msg'] === 'websocket closed')
  t.equal(line['user'], 'alice')
  t.match(String(line['reason']), /token ended or revoked/)
  t.ok(Number(line['sent']) > 0, 'frames were flowing')
})

t.test('a session upgrade closes when the session is ended', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url, { apiTokens: { paths: ['/rest/**', '/synchrony/**'] } }))
  const { id, record } = await rg.sessions.service.create('bob', 'token', '127.0.0.1')
  const ws = await open(wsUrl(rg.url, '/synchrony/s'), { cookie: `RESTGATE_SESSION=${id}` })
  t.equal((await echo(ws, 'hi')).toString(), 'hi')
  t.equal(echoServer.upgrades.at(-1)!.headers['x-forwarded-user'], 'bob')
  t.equal(echoServer.upgrades.at(-1)!.headers['cookie'], undefined, "restgate's cookie is not forwarded")
  const closed = once(ws, 'close')
  await rg.sessions.service.end(record.key, '127.0.0.1')
  await closed
  const line = await rg.logs.waitFor((l) => l['msg'] === 'websocket closed')
  t.match(String(line['reason']), /session ended or revoked/)
})

t.test('SIGTERM-style close waits server.drainTimeout for open WebSockets, then closes them', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url, { server: { drainTimeout: '300ms' } }))
  const ws = await open(wsUrl(rg.url, '/synchrony/drain'))
  const closed = once(ws, 'close')
  const started = Date.now()
  await rg.close()
  await closed
  const ms = Date.now() - started
  t.ok(ms >= 250 && ms < 5000, `closed after the drain timeout (${ms} ms)`)
})

t.test('server.maxWebSockets bounds the connections upgrades open to the product: one more is a 503, a closed one frees its place', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(t, testPolicy(echoServer.url, { server: { maxWebSockets: 2 } }))
  const url = wsUrl(rg.url, '/synchrony/v1/bayeux-sync1')
  const first = await open(url)
  const second = await open(url)
  t.teardown(() => [first, second].forEach((ws) => ws.terminate()))
  const upgradesBefore = echoServer.upgrades.length
  type Refusal = { status?: number; body?: string; headers?: Record<string, string> }
  const third = await open(url).then(
    (ws): Refusal | undefined => {
      ws.terminate()
      t.fail('a third WebSocket opened')
      return undefined
    },
    (err: Refusal) => err,
  )
  t.equal(third?.status, 503)
  t.match(JSON.parse(third?.body ?? '{}'), { code: 'RG_ERR_UPSTREAM_BUSY', message: /2 WebSockets are open already \(server\.maxWebSockets\)/ })
  t.equal(third?.headers?.['retry-after'], '1')
  t.equal(echoServer.upgrades.length, upgradesBefore, 'the refused one never reached the product')
  first.close(1000)
  await once(first, 'close')
  // The place is freed once restgate has seen both sockets close.
  let again: WebSocket | undefined
  for (let i = 0; i < 50 && again === undefined; i++) {
    again = await open(url).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)))
  }
  t.ok(again, 'a new WebSocket opens once one has closed')
  t.equal((await echo(again!, 'hi')).toString(), 'hi')
  again!.terminate()
})
