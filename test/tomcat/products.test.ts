// Jira at /jira and Confluence at /confluence on a real Tomcat 10.1 (Debian's tomcat10), behind one
// restgate: routing by context path and nothing outside them, restgate's own resources under each, one
// token and one session on both, Location and Set-Cookie paths, ;jsessionid= URL sessions, Tomcat's
// RemoteIpValve reading restgate's X-Forwarded-* headers, and a Synchrony-style WebSocket on Tomcat's own
// WebSocket implementation (cookie and token, 1 MB each way, a close from each side, refusals, spoofing).
import t from 'tap'
import { once } from 'node:events'
import WebSocket from 'ws'
import { startTomcat, type Tomcat } from '../helpers/tomcat.js'
import { startRestgate, type TestRestgate } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { basic } from '../helpers/tokens.js'

const TOKENS = '/rest/ksso/api/apitokens/2.0'
const SYNCHRONY = '/confluence/synchrony/v1/bayeux-sync1'

interface Echoed {
  contextPath: string
  requestURI: string
  requestURL: string
  serverName: string
  serverPort: number
  scheme: string
  requestedSessionId: string | null
  sessionFromURL: boolean
  sessionUser: string | null
  headers: Record<string, string[]>
}

let tomcat: Tomcat
let rg: TestRestgate
let host: string
let token: string

t.before(async () => {
  tomcat = await startTomcat(t)
  rg = await startRestgate(t, {
    server: { host: '127.0.0.1', port: 8000, admin: { enabled: false } },
    products: [
      { name: 'jira', type: 'jira', url: `${tomcat.url}/jira` },
      { name: 'wiki', type: 'confluence', url: `${tomcat.url}/confluence` },
    ],
    apiTokens: { paths: ['/rest/**', '/synchrony/**'] },
    anonymous: 'deny',
    directory: { source: 'upstream', product: 'wiki', admins: { groups: ['wiki-admins'] } },
  })
  host = new URL(rg.url).host
  // The first token, made with a password that Confluence itself checks (GET /confluence/rest/api/user/current).
  const res = await httpRequest(`${rg.url}/confluence${TOKENS}/user/tokens`, {
    method: 'POST',
    headers: { authorization: basic('alice', 'pw'), 'content-type': 'application/json' },
    body: '{}',
  })
  if (res.status !== 201) throw new Error(`token create: ${res.status} ${res.body.toString()}`)
  token = res.json<{ apiToken: string }>().apiToken
})

const get = (path: string, headers: Record<string, string> = {}) => httpRequest(`${rg.url}${path}`, { headers })

t.test('each context path goes to its own product; anything else is restgate\'s 404, never forwarded', async (t) => {
  const jira = (await get('/jira/echo')).json<Echoed>()
  t.equal(jira.contextPath, '/jira')
  t.equal(jira.requestURI, '/jira/echo')
  const wiki = (await get('/confluence/echo?q=1')).json<Echoed>()
  t.equal(wiki.contextPath, '/confluence')
  for (const path of ['/', '/other/echo', '/jiraX/echo', '/rest/api/2/myself', '/rest/ksso/api/info/1.0/ping', '/manager/html']) {
    const res = await get(path)
    t.equal(res.status, 404, path)
    t.equal(res.json()['code'], 'RG_ERR_NOT_FOUND', `${path}: restgate's answer`)
  }
})

t.test('the management API, the session resource and the token page sit under each context path', async (t) => {
  for (const cp of ['/jira', '/confluence']) {
    const ping = await get(`${cp}/rest/ksso/api/info/1.0/ping`)
    t.equal(ping.json()['response'], 'pong', `${cp}: ping`)
    const page = await get(`${cp}/restgate/tokens/`)
    t.equal(page.status, 200)
    t.match(page.body.toString(), `${cp}/restgate/tokens/assets/tokens.js`, `${cp}: the page links under its own path`)
  }
  // The page's example command calls the product's own who-am-I, under its context path.
  const { id } = await rg.sessions.service.create('alice', 'kerberos', '127.0.0.1')
  for (const [cp, example] of [['/jira', '/jira/rest/api/2/myself'], ['/confluence', '/confluence/rest/api/user/current']] as const) {
    const me = await get(`${cp}/restgate/tokens/api/session`, { cookie: `RESTGATE_SESSION=${id}` })
    t.equal(me.status, 200, `${cp}: the page's session`)
    t.equal(me.json()['example'], example, `${cp}: the example command's URL is the product's own`)
  }
  // Admin rights from Confluence's groups (directory.product: wiki): alice is in wiki-admins there.
  const all = await get(`/jira${TOKENS}/admin/tokens`, { authorization: `Bearer ${token}` })
  t.equal(all.status, 200, 'admin by Confluence group membership')
  const snap = await get('/confluence/rest/ksso/api/snapshot/1.0/config/snapshot/', { authorization: `Bearer ${token}` })
  t.equal(snap.status, 200)
})

t.test('one token works on both products; restgate says who it is to each', async (t) => {
  for (const cp of ['/jira', '/confluence']) {
    const seen = (await get(`${cp}/rest/api/x`, { authorization: `Bearer ${token}`, 'X-Forwarded-User': 'admin' })).json<Echoed>()
    t.same(seen.headers['x-forwarded-user'], ['alice'], `${cp}: restgate's user only`)
    t.same(seen.headers['x-forwarded-auth'], ['token'])
    t.equal(seen.headers['authorization'], undefined, 'the token is not forwarded')
  }
  const anonymous = await get('/jira/rest/api/x')
  t.equal(anonymous.status, 401, 'anonymous: deny on /rest/** of every product')
})

t.test('a session from /jira/rest/auth/1/session works on /confluence too', async (t) => {
  const login = await httpRequest(`${rg.url}/jira/rest/auth/1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: token }),
  })
  t.equal(login.status, 200)
  const cookie = String(login.headers['set-cookie']).split(';')[0]!
  t.match(String(login.headers['set-cookie']), /Path=\//, 'Path=/: one session for every product')
  const current = await get('/jira/rest/auth/1/session', { cookie })
  t.equal(current.json<{ self: string }>().self, `http://${host}/jira/rest/api/latest/user?username=alice`, 'self under the context path')
  const seen = (await get('/confluence/rest/api/content', { cookie })).json<Echoed>()
  t.same(seen.headers['x-forwarded-user'], ['alice'])
  t.same(seen.headers['x-forwarded-auth'], ['session'])
  t.equal(seen.headers['cookie'], undefined, "restgate's cookie is not forwarded")
})

t.test('Location: a Tomcat without proxyName is rewritten to the client\'s origin; a valve-aware one builds it right', async (t) => {
  const jira = await get('/jira/redirect')
  t.equal(jira.status, 302)
  t.equal(jira.headers.location, `http://${host}/jira/target?x=1`, `Tomcat said ${tomcat.url}/jira/...: rewritten`)
  const wiki = await get('/confluence/redirect')
  t.equal(wiki.headers.location, '/confluence/target?x=1', 'a relative Location stays as it is')
  const seen = (await get('/confluence/echo')).json<Echoed>()
  t.equal(seen.requestURL, `http://${host}/confluence/echo`, 'RemoteIpValve: Tomcat builds its URLs from X-Forwarded-Host/-Port/-Proto')
  t.equal(seen.serverPort, Number(new URL(rg.url).port))
  t.equal(seen.scheme, 'http')
  t.same(seen.headers['x-forwarded-port'], [new URL(rg.url).port], 'restgate sent the port it was reached on')
})

t.test(';jsessionid= URL sessions reach Tomcat; Set-Cookie keeps its context path', async (t) => {
  const login = await get('/jira/login')
  t.match(String(login.headers['set-cookie']), /^JSESSIONID=[0-9A-F]+; Path=\/jira;/, 'Path=/jira, as Tomcat wrote it')
  const next = login.json<{ next: string }>().next
  t.match(next, /^\/jira\/whoami;jsessionid=[0-9A-F]+$/)
  const seen = (await get(next)).json<Echoed>()
  t.equal(seen.sessionFromURL, true, 'Tomcat read the session id from the URL')
  t.equal(seen.sessionUser, 'anonymous', 'and found the session')
  t.equal(seen.requestURI, next)
  const refused = await get('/jira/whoami;jsessionid=../../x')
  t.equal(refused.status, 400, 'a session id that is not one is refused (the canonical-path wall)')
})

function open(path: string, headers: Record<string, string>): Promise<{ ws: WebSocket; hello: string }> {
  const ws = new WebSocket(`ws://${host}${path}`, { headers, maxPayload: 8 << 20 })
  return new Promise((resolve, reject) => {
    ws.once('message', (m: Buffer) => resolve({ ws, hello: m.toString() }))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body })))
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

t.test('Synchrony over Tomcat WebSocket: a token, 1 MB each way, spoofed identity replaced, a close from the client', async (t) => {
  const { ws, hello } = await open(SYNCHRONY, { authorization: `Bearer ${token}`, 'X-Forwarded-User': 'admin', x_forwarded_user: 'root' })
  t.equal(hello, 'hello alice', "Tomcat's endpoint saw restgate's user and no other")
  const big = Buffer.alloc(1 << 20)
  for (let i = 0; i < big.length; i++) big[i] = i % 251
  const back = await echo(ws, big)
  t.ok(back.equals(big), '1 MB binary there and back')
  const text = 'x'.repeat(1 << 20)
  t.equal((await echo(ws, text)).toString(), text, '1 MB text there and back')
  ws.close(1000, 'client done')
  const [code] = (await once(ws, 'close')) as [number]
  t.equal(code, 1000, 'the closing handshake went through both ways')
})

t.test('Synchrony with the session cookie, and a close from the server', async (t) => {
  const { id } = await rg.sessions.service.create('bob', 'kerberos', '127.0.0.1')
  const { ws, hello } = await open(SYNCHRONY, { cookie: `RESTGATE_SESSION=${id}` })
  t.equal(hello, 'hello bob')
  const big = Buffer.alloc(1 << 20, 0x5a)
  t.ok((await echo(ws, big)).equals(big), '1 MB there and back on the cookie-opened WebSocket too')
  ws.send('close-from-server')
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer]
  t.equal(code, 1000)
  t.equal(reason.toString(), 'server says bye')
})

t.test('a refused upgrade gets the ordinary JSON answer', async (t) => {
  const anonymous = (await open(SYNCHRONY, { 'X-Forwarded-User': 'alice' }).catch((e: unknown) => e)) as { status: number; body: string }
  t.equal(anonymous.status, 401, 'anonymous: deny covers /synchrony/**')
  t.equal(JSON.parse(anonymous.body).code, 'RG_ERR_UNAUTHENTICATED')
  const bad = (await open(SYNCHRONY, { authorization: 'Bearer rgt_notatoken' }).catch((e: unknown) => e)) as { status: number }
  t.ok(bad.status === 401 || bad.status === 403, 'a bad token is refused')
  const outside = (await open('/synchrony/v1/bayeux-sync1', { authorization: `Bearer ${token}` }).catch((e: unknown) => e)) as { status: number }
  t.equal(outside.status, 404, 'outside every context path: 404, never upgraded')
})
