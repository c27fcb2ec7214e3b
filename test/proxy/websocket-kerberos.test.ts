// A WebSocket upgrade authenticated by Kerberos, as a domain machine's browser opens Synchrony's: the
// handshake carries a fresh SPNEGO token, restgate accepts it like any request's, and the product sees
// restgate's identity headers, never the ticket.
import t from 'tap'
import WebSocket from 'ws'
import { startKdc } from '../helpers/kdc.js'
import { startWsEcho } from '../helpers/ws-echo.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { tempDir } from '../helpers/tmp.js'

const kdc = await startKdc(t)

function open(url: string, headers: Record<string, string>): Promise<WebSocket | { status: number; headers: Record<string, unknown> }> {
  const ws = new WebSocket(url, { headers })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => {
      res.resume()
      resolve({ status: res.statusCode ?? 0, headers: res.headers })
    })
    ws.once('error', reject)
  })
}

t.test('a Negotiate token on the upgrade: accepted, identity headers added, the ticket not forwarded; none: 401 Negotiate', async (t) => {
  const echoServer = await startWsEcho(t)
  const rg = await startRestgate(
    t,
    testPolicy(echoServer.url, {
      anonymous: 'deny',
      kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: tempDir(t), paths: ['/rest/**', '/synchrony/**'] },
    }),
  )
  const url = rg.url.replace(/^http/, 'ws') + '/synchrony/v1/bayeux-sync1'
  const ws = await open(url, { authorization: `Negotiate ${await kdc.token('alice')}`, 'User-Agent': 'Mozilla/5.0', 'X-Forwarded-User': 'admin' })
  t.ok(ws instanceof WebSocket, 'opened')
  if (!(ws instanceof WebSocket)) return
  t.teardown(() => ws.terminate())
  const seen = echoServer.upgrades.at(-1)!
  t.same(seen.rawHeaders.filter((_, i, a) => i % 2 === 1 && /^x-forwarded-user$/i.test(a[i - 1]!)), ['alice'], "only restgate's copy")
  t.equal(seen.headers['x-forwarded-auth'], 'kerberos')
  t.equal(seen.headers['authorization'], undefined, 'the SPNEGO token is not forwarded')
  const back = await new Promise<Buffer>((resolve) => {
    ws.once('message', (m: Buffer) => resolve(m))
    ws.send('hello')
  })
  t.equal(back.toString(), 'hello')

  const before = echoServer.upgrades.length
  const refused = await open(url, { 'User-Agent': 'Mozilla/5.0' })
  t.notOk(refused instanceof WebSocket, 'no token: not opened')
  if (refused instanceof WebSocket) return
  t.equal(refused.status, 401)
  t.match(refused.headers['www-authenticate'], /Negotiate/)
  t.equal(echoServer.upgrades.length, before, 'the refused upgrade never reached the product')
})
