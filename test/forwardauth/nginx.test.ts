// restgate beside a real nginx (Debian's 1.22, auth_request) in front of the stub Jira, configured exactly
// as docs/forward-auth.md shows: the page's block with only the addresses, the port and the certificate
// changed. Real clients over TLS: curl --negotiate and requests-kerberos against a private KDC, API tokens,
// Jira passwords, the session resource and cookie, the management API; then spoofed headers, the bypass
// table, refusals, and the unsafe variants the page warns about, each shown to leak or break.
import t from 'tap'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { promisify } from 'node:util'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira, type Recorded } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest, type HttpOptions, type HttpResult } from '../helpers/http.js'
import { localhostCertificate, startFrontNginx } from '../helpers/nginx.js'
import { accepted, refused } from '../helpers/bypass-table.js'
import { TOKENS_API, basic, bearer } from '../helpers/tokens.js'
import { cookiePair } from '../helpers/sessions.js'
import { repoPath } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'
import { readAssertion } from '../helpers/assertion.js'

const exec = promisify(execFile)
const kdc = await startKdc(t)
const stub = await startStubJira(t)
stub.users.set('alice', { password: 'alice-jira-pw', groups: ['jira-users'] })
stub.users.set('bob', { password: 'bob-jira-pw' })
const tls = await localhostCertificate(t)
const keyDir = tempDir(t)
const keyFile = join(keyDir, 'signing.key')
writeFileSync(keyFile, randomBytes(32))
const ca = readFileSync(tls.cert)

const policy = testPolicy(stub.url, {
  server: { trustedProxies: ['127.0.0.1/32'] },
  forwardAuth: { enabled: true },
  // /rest/** is protected (Kerberos and tokens apply there) and needs a login; the rest is open.
  anonymous: 'deny',
  // A Kerberos login also opens a session: its Set-Cookie must reach the client through nginx.
  kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: tempDir(t), sessions: true },
  lockout: { maxFailures: 3 },
  identity: { signing: { keyFile } },
})
const rg = await startRestgate(t, policy)
const rgAddress = new URL(rg.url).host
const front = await startFrontNginx(t, { restgate: rgAddress, jira: `127.0.0.1:${stub.port}`, tls })

const aliceJira = basic('alice', 'alice-jira-pw')
function get(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  return httpRequest(url, { ...options, ca })
}

// Made through nginx, with a Jira password: the management API is one of restgate's own routes.
const created = await get(`${front.url}${TOKENS_API}/user/tokens`, {
  method: 'POST',
  headers: { authorization: aliceJira, 'content-type': 'application/json' },
  body: JSON.stringify({ tokenName: 'nginx' }),
})
if (created.status !== 201) throw new Error(`token create through nginx: ${created.status} ${created.body.toString()}`)
const token = created.json<{ apiToken: string }>().apiToken

/** What reached the stub from this point on. */
function watch(): () => Recorded[] {
  const from = stub.requests.length
  return () => stub.requests.slice(from)
}

/** One request with the target exactly as given (no client-side checks), over TLS to nginx. */
function raw(port: number, target: string, headers: Record<string, string> = {}): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const lines = [`GET ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
      // Byte for byte: the table's strings are what Node hands restgate, one character a byte (latin1).
      socket.write(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'))
    })
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (c: string) => (text += c))
    socket.on('error', reject)
    socket.on('end', () => {
      const split = text.indexOf('\r\n\r\n')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), head: text.slice(0, split), body: text.slice(split + 4) })
    })
  })
}

/** Percent-decoding byte by byte (a byte a character), as the table's strings are written. */
function decodeBytes(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
}

/** How Tomcat's default connector reads a target: `;params` cut per segment, then decoded, dot segments resolved. */
function tomcatReading(target: string): string {
  const out: string[] = []
  for (const seg of target.split('?', 1)[0]!.split('/').slice(1)) {
    const s = decodeBytes(seg.split(';', 1)[0]!)
    if (s === '..') out.pop()
    else if (s !== '.') out.push(s)
  }
  return '/' + out.join('/')
}

async function curl(user: string, url: string, extra: string[] = []) {
  const { stdout } = await exec('curl', ['-sS', '--cacert', tls.cert, '--negotiate', '-u', ':', '-D', '-', '-w', '\n%{http_code}', ...extra, url], {
    env: kdc.clientEnv(user),
  })
  const lines = stdout.trimEnd().split('\n')
  return { status: Number(lines.at(-1)), text: lines.slice(0, -1).join('\n') }
}

t.test('curl --negotiate through nginx: Jira sees the user, never the ticket; the mutual-auth token reaches the client', async (t) => {
  const seen = watch()
  const r = await curl('alice', `${front.url}/rest/api/2/myself`, ['-H', 'X-Forwarded-User: admin'])
  t.equal(r.status, 200)
  t.match(r.text, /\r?\nWWW-Authenticate: Negotiate [A-Za-z0-9+/=]{20,}\r?\n/i, "restgate's AP-REP on the 200, through nginx")
  t.match(r.text, /"name":"alice"/)
  t.equal(seen().length, 1, 'the 401 challenge came from restgate: Jira saw one request')
  const jira = seen()[0]!
  t.equal(jira.headers['x-forwarded-user'], 'alice', 'not the client-sent admin')
  t.equal(jira.headers['x-forwarded-auth'], 'kerberos')
  t.equal(jira.headers['authorization'], undefined, 'the consumed ticket stays with restgate')
  const line = await rg.logs.waitFor((l) => l['class'] === 'auth' && l['user'] === 'alice')
  t.equal(line['original'], 'GET /rest/api/2/myself', 'the access line names the request decided on')

  // kerberos.sessions: the handshake's Set-Cookie, on the 200 through nginx; the cookie alone then logs in.
  const set = /\r?\nSet-Cookie: (RESTGATE_SESSION=[^;]+);[^\r\n]*Secure/i.exec(r.text)
  t.ok(set, 'the session cookie reached the client, Secure (the client used https)')
  const again = await get(`${front.url}/rest/api/2/issue/TEST-0`, { headers: { cookie: set![1]! } })
  t.equal(again.status, 200)
  t.equal(seen().at(-1)!.headers['x-forwarded-auth'], 'session')
  t.equal(seen().at(-1)!.headers['cookie'], undefined, "restgate's cookie stays with restgate")
})

for (const mode of ['REQUIRED', 'OPTIONAL'] as const) {
  t.test(`python requests-kerberos through nginx, mutual authentication ${mode}`, async (t) => {
    const seen = watch()
    const { stdout } = await exec('/usr/bin/python3', [repoPath('test', 'fixtures', 'requests_kerberos_client.py'), `${front.url}/rest/api/2/myself`, mode], {
      env: { ...kdc.clientEnv('bob'), REQUESTS_CA_BUNDLE: tls.cert },
    })
    const r = JSON.parse(stdout) as { status?: number; body?: Record<string, unknown>; negotiate?: string; error?: string; message?: string }
    t.equal(r.error, undefined, r.message ?? 'no client error')
    t.equal(r.status, 200)
    t.equal(r.body?.['name'], 'bob')
    t.match(r.negotiate, /^Negotiate [A-Za-z0-9+/=]+$/)
    t.equal(seen().at(-1)!.headers['authorization'], undefined)
  })
}

t.test('API tokens through nginx, in Basic and in Bearer: Jira sees the user and no Authorization', async (t) => {
  for (const authorization of [basic('alice', token), bearer(token)]) {
    const seen = watch()
    const res = await get(`${front.url}/rest/api/2/issue/TEST-1?fields=summary`, { headers: { authorization } })
    t.equal(res.status, 200, authorization.split(' ')[0])
    t.equal(seen().length, 1)
    const jira = seen()[0]!
    t.equal(jira.url, '/rest/api/2/issue/TEST-1?fields=summary', 'the target as the client sent it')
    t.equal(jira.headers['x-forwarded-user'], 'alice')
    t.equal(jira.headers['x-forwarded-auth'], 'token')
    t.equal(jira.headers['authorization'], undefined, 'the token restgate consumed does not reach Jira')
    t.match(readAssertion(readFileSync(keyFile), jira.headers['x-restgate-assertion'], { method: 'GET', target: jira.url }), { user: 'alice', method: 'token' },
      "the assertion verifies against the request line Jira received")
  }
  // A target Jira receives as sent, not as restgate reads it: the assertion is signed for what Jira gets.
  const seen = watch()
  await get(`${front.url}/rest/api/2/issue;jsessionid=J1/TEST-1`, { method: 'DELETE', headers: { authorization: bearer(token) } })
  const jira = seen()[0]!
  t.equal(jira.url, '/rest/api/2/issue;jsessionid=J1/TEST-1')
  t.ok(readAssertion(readFileSync(keyFile), jira.headers['x-restgate-assertion'], { method: 'DELETE', target: jira.url }), 'signed for DELETE and the raw target')
  t.notOk(readAssertion(readFileSync(keyFile), jira.headers['x-restgate-assertion'], { method: 'GET', target: jira.url }), 'and for nothing else')
})

t.test('a Jira password passes through untouched, and Jira answers for it', async (t) => {
  const seen = watch()
  const ok = await get(`${front.url}/rest/api/2/myself`, { headers: { authorization: aliceJira } })
  t.equal(ok.status, 200)
  t.equal(ok.json()['name'], 'alice', "Jira checked alice's password")
  t.equal(seen()[0]!.headers['authorization'], aliceJira, 'Jira got the Authorization header as sent')
  t.equal(seen()[0]!.headers['x-forwarded-user'], undefined, 'restgate vouched for nobody')
  const wrong = await get(`${front.url}/rest/api/2/myself`, { headers: { authorization: basic('alice', 'nope') } })
  t.equal(wrong.status, 401, "Jira's own refusal reaches the client")
  t.same(wrong.json()['errorMessages'], ['Login failed'], 'untouched by the error pages')
})

t.test('the management API is proxied to restgate and answered there', async (t) => {
  const seen = watch()
  const ping = await get(`${front.url}/rest/ksso/api/info/1.0/ping`)
  t.equal(ping.status, 200)
  t.equal(ping.json()['response'], 'pong')
  const list = await get(`${front.url}/rest/ksso/api/apitokens/2.0/user/tokens`, { headers: { authorization: bearer(token) } })
  t.equal(list.status, 200)
  t.match(list.body.toString(), /"tokenName":"nginx"/)
  t.equal(seen().length, 0, 'none of it reached Jira')
})

t.test('/rest/auth/1/session through nginx: a token login, then the cookie alone, then logging out', async (t) => {
  const login = await get(`${front.url}/rest/auth/1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: token }),
  })
  t.equal(login.status, 200)
  t.match(login.headers['set-cookie']?.[0], /; Secure/, 'Secure: the client used https (X-Forwarded-Proto from nginx)')
  const cookie = cookiePair(login)!
  const seen = watch()
  const res = await get(`${front.url}/rest/api/2/issue/TEST-2`, { headers: { cookie: `JSESSIONID=jira-own; ${cookie}` } })
  t.equal(res.status, 200)
  const jira = seen()[0]!
  t.equal(jira.headers['x-forwarded-user'], 'alice')
  t.equal(jira.headers['x-forwarded-auth'], 'session')
  t.equal(jira.headers['cookie'], 'JSESSIONID=jira-own', "Jira keeps its own cookie and never sees restgate's")
  const me = await get(`${front.url}/rest/auth/1/session`, { headers: { cookie } })
  t.equal(me.json()['name'], 'alice')
  const out = await get(`${front.url}/rest/auth/1/session`, { method: 'DELETE', headers: { cookie } })
  t.equal(out.status, 204)
  const stale = await get(`${front.url}/rest/api/2/issue/TEST-2`, { headers: { cookie } })
  t.equal(stale.status, 401)
  t.equal(stale.json()['code'], 'RG_ERR_SESSION_EXPIRED', "restgate's JSON body, through nginx's error page")
  t.match(stale.headers['set-cookie']?.[0], /^RESTGATE_SESSION=;/, 'the stale cookie is cleared')
  t.equal(stale.headers['www-authenticate'], 'Negotiate', 'a ticket logs in again at once')
  t.equal(seen().length, 1, 'the stale cookie was not forwarded')
})

t.test('spoofed identity headers never reach Jira, in any case, count or spelling', async (t) => {
  const spoofed = [
    'X-Forwarded-User', 'admin', 'x-forwarded-user', 'root', 'X_Forwarded_User', 'admin', 'X-Forwarded-Auth', 'kerberos',
    'X-Forwarded-Groups', 'jira-administrators', 'X-Restgate-Assertion', 'v1;user=admin', 'X-Forwarded-Groups', 'x',
  ]
  for (const authorization of [undefined, bearer(token)]) {
    const seen = watch()
    // Anonymous on an open path; with a token where tokens count.
    const path = authorization === undefined ? '/secure/Dashboard.jspa' : '/rest/api/2/issue/TEST-6'
    const res = await get(`${front.url}${path}`, { headers: authorization === undefined ? spoofed : [...spoofed, 'Authorization', authorization] })
    t.equal(res.status, 200)
    const jira = seen()[0]!
    t.equal(jira.headers['x-forwarded-user'], authorization === undefined ? undefined : 'alice')
    t.equal(jira.headers['x-forwarded-auth'], authorization === undefined ? undefined : 'token')
    t.equal(jira.headers['x-forwarded-groups'], undefined)
    if (authorization === undefined) t.equal(jira.headers['x-restgate-assertion'], undefined)
    else t.ok(readAssertion(readFileSync(keyFile), jira.headers['x-restgate-assertion'], { method: 'GET', target: path }), "restgate's assertion, not the client's")
    t.notOk(jira.rawHeaders.some((h, i) => i % 2 === 0 && /^x_forwarded_user$/i.test(h)), 'nginx drops underscore spellings')
  }
})

t.test('no credential on a protected path: 401 with every challenge in one field and the JSON body; nothing forwarded', async (t) => {
  const seen = watch()
  const res = await get(`${front.url}/rest/api/2/issue/TEST-3`)
  t.equal(res.status, 401)
  t.equal(res.headers['www-authenticate'], 'Negotiate, Basic realm="restgate"', 'nginx 1.22 passes on one WWW-Authenticate: it holds both')
  t.match(res.headers['content-type'], /application\/json/)
  t.equal(res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.equal(seen().length, 0)
})

t.test("a read-only token is refused a POST: restgate decides on the original method, not the subrequest's GET", async (t) => {
  const { secret } = await rg.tokens.service.create('bob', { scope: 'read' }, rg.runtime.current.policy)
  const seen = watch()
  const read = await get(`${front.url}/rest/api/2/issue/TEST-4`, { headers: { authorization: bearer(secret) } })
  t.equal(read.status, 200)
  const write = await get(`${front.url}/rest/api/2/issue`, { method: 'POST', headers: { authorization: bearer(secret), 'content-type': 'application/json' }, body: '{"fields":{}}' })
  t.equal(write.status, 403)
  t.equal(write.json()['code'], 'RG_ERR_TOKEN_SCOPE')
  t.equal(seen().length, 1, 'only the GET reached Jira')
})

t.test('lockout through nginx: counted for the client address nginx reports, refused with 403 and the Seraph reason', async (t) => {
  // Not yet in the token cache: the lockout is checked before the store is asked.
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const seen = watch()
  // Another loopback address stands for another client; what it says in X-Forwarded-For is not believed.
  const wrong = { localAddress: '127.0.0.7', headers: { authorization: bearer('rgt_' + 'x'.repeat(40)), 'x-forwarded-for': '10.9.9.9' } }
  for (let i = 0; i < 3; i++) t.equal((await get(`${front.url}/rest/api/2/issue/TEST-5`, wrong)).status, 401)
  const locked = await get(`${front.url}/rest/api/2/issue/TEST-5`, { localAddress: '127.0.0.7', headers: { authorization: bearer(secret) } })
  t.equal(locked.status, 403)
  t.equal(locked.json()['code'], 'RG_ERR_LOCKED_OUT')
  t.equal(locked.headers['x-seraph-loginreason'], 'AUTHENTICATION_DENIED')
  t.match(locked.headers['retry-after'], /^\d+$/)
  t.equal(seen().length, 0)
  t.ok(rg.logs.lines.some((l) => l['class'] === 'auth' && l['ip'] === '127.0.0.7'), 'the client address is the one nginx saw')
  t.notOk(rg.logs.lines.some((l) => l['ip'] === '10.9.9.9'), "the client's own X-Forwarded-For is not believed")
  const other = await get(`${front.url}/rest/api/2/issue/TEST-5`, { localAddress: '127.0.0.8', headers: { authorization: bearer(secret) } })
  t.equal(other.status, 200, 'another client is not locked out')
})

t.test('the bypass table through nginx: no ambiguous target reaches Jira, even with a valid token', async (t) => {
  const seen = watch()
  for (const [target] of refused) {
    if (!target.startsWith('/')) continue // not origin-form: the next test
    if (/[\u0000\t ]|[^\u0000-\u00ff]/.test(target)) continue // cannot be sent on a request line
    const res = await raw(front.port, target, { Authorization: bearer(token) })
    t.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(target)}: ${res.status}`)
  }
  t.same(seen().map((r) => r.url), [], 'nothing reached the stub')
  const dots = await raw(front.port, '/rest/ksso/api/info/..;/..;/../api/2/issue/X', { Authorization: bearer(token) })
  t.equal(dots.status, 400)
  t.match(dots.body, /"code":"RG_ERR_BAD_PATH"/, "restgate's refusal, in its JSON, through the error page")
})

t.test('targets that are not origin-form: nginx refuses them, or reads the path out, and restgate decides on that', async (t) => {
  for (const target of ['*', 'rest/api/2']) {
    const seen = watch()
    t.equal((await raw(front.port, target, { Authorization: bearer(token) })).status, 400, target)
    t.equal(seen().length, 0)
  }
  const seen = watch()
  const absolute = await raw(front.port, 'http://jira/rest/api/2/issue/X', { Authorization: bearer(token) })
  t.equal(absolute.status, 200)
  t.equal(seen()[0]?.url, '/rest/api/2/issue/X', 'Jira got the path nginx read out of it')
  t.equal(seen()[0]?.headers['x-forwarded-user'], 'alice', 'which is what restgate decided on')
})

t.test("the table's accepted targets reach Jira as sent, and Tomcat reads them as restgate decided", async (t) => {
  for (const [target, path] of accepted) {
    // A raw byte above 0x7f is refused by the stub itself (Node's parser), before any Jira would see it.
    if (/[^\u0000-\u007f]/.test(target)) continue
    const protectedPath = path.startsWith('/rest/')
    const seen = watch()
    const res = await raw(front.port, target, protectedPath ? { Authorization: bearer(token) } : {})
    t.equal(res.status, 200, target)
    const jira = seen()[0]
    t.equal(jira?.url, target, `${target}: forwarded exactly`)
    t.equal(tomcatReading(target), decodeBytes(path), `${target}: one reading`)
    t.equal(jira?.headers['x-forwarded-user'], protectedPath ? 'alice' : undefined)
  }
})

t.test('merge_slashes: nginx may merge // to pick a location, restgate still refuses the target', async (t) => {
  const seen = watch()
  for (const target of ['//rest/api/2/issue/X', '//rest/ksso/api/info/1.0/ping', '/rest//auth/1/session']) {
    const res = await raw(front.port, target, { Authorization: bearer(token) })
    t.equal(res.status, 400, target)
    t.match(res.body, /RG_ERR_BAD_PATH/, target)
  }
  t.equal(seen().length, 0)
})

t.test('a front proxy outside server.trustedProxies gets 403, never a 200', async (t) => {
  const strict = await startRestgate(t, { ...policy, server: { ...(policy['server'] as object), trustedProxies: ['10.0.0.0/8'] } })
  const other = await startFrontNginx(t, { restgate: new URL(strict.url).host, jira: `127.0.0.1:${stub.port}`, tls })
  const seen = watch()
  const res = await get(`${other.url}/secure/Dashboard.jspa`, { headers: { authorization: bearer(token) } })
  t.equal(res.status, 403)
  t.equal(res.json()['code'], 'RG_ERR_UNTRUSTED_PROXY')
  t.equal(seen().length, 0)
})

t.test('without the Authorization line, the token restgate consumed reaches Jira', async (t) => {
  const careless = await startFrontNginx(t, {
    restgate: rgAddress,
    jira: `127.0.0.1:${stub.port}`,
    tls,
    edit: (block) => replaceOnce(block, '        proxy_set_header Authorization $rg_authorization;\n', ''),
  })
  const seen = watch()
  const res = await get(`${careless.url}/rest/api/2/issue/TEST-8`, { headers: { authorization: bearer(token) } })
  t.equal(res.status, 200)
  t.equal(seen()[0]!.headers['x-forwarded-user'], 'alice')
  t.equal(seen()[0]!.headers['authorization'], bearer(token), 'Jira sees a credential it would count as a failed login')
})

t.test('unsafe: proxy_pass with a URI part lets an anonymous request reach a protected path', async (t) => {
  const leak = '/public/..%3Bx/rest/api/2/issue/X'
  const safe = watch()
  const r1 = await raw(front.port, leak)
  t.equal(r1.status, 200, 'not a protected path: it passes anonymously')
  t.equal(safe()[0]?.url, leak, 'documented: Jira gets the target restgate decided on')
  t.equal(tomcatReading(safe()[0]!.url), '/public/..;x/rest/api/2/issue/X', 'which Tomcat reads outside /rest/')

  const unsafe = await startFrontNginx(t, {
    restgate: rgAddress,
    jira: `127.0.0.1:${stub.port}`,
    tls,
    edit: (block) => replaceOnce(block, '        proxy_pass http://jira;\n', '        proxy_pass http://jira/;\n'),
  })
  const leaked = watch()
  const r2 = await raw(unsafe.port, leak)
  t.equal(r2.status, 200)
  const jira = leaked()[0]!
  t.equal(jira.url, '/public/..;x/rest/api/2/issue/X', "nginx forwarded its own decoded reading")
  t.equal(tomcatReading(jira.url), '/rest/api/2/issue/X', 'which Tomcat serves as a protected REST resource')
  t.equal(jira.headers['x-forwarded-user'], undefined, 'anonymously, though /rest/** needs a login: the leak')
})

t.test('unsafe: X-Original-URI $uri is the subrequest\'s own URI, so every request is decided as /restgate/auth', async (t) => {
  const target = '/rest/api/2/issue/TEST-7'
  const safe = watch()
  t.equal((await raw(front.port, target)).status, 401, 'documented: no credential on a protected path')
  t.equal(safe().length, 0)
  const unsafe = await startFrontNginx(t, {
    restgate: rgAddress,
    jira: `127.0.0.1:${stub.port}`,
    tls,
    edit: (block) => replaceOnce(block, 'X-Original-URI $request_uri;', 'X-Original-URI $uri;'),
  })
  const leaked = watch()
  t.equal((await raw(unsafe.port, target)).status, 200)
  t.equal(leaked()[0]?.url, target)
  t.equal(leaked()[0]?.headers['x-forwarded-user'], undefined, 'anonymously, though /rest/** needs a login: the leak')
  const line = await rg.logs.waitFor((l) => l['original'] === 'GET /restgate/auth')
  t.equal(line['class'], 'auth', 'restgate was asked about its own endpoint, not the request')
})

t.test('unsafe: a location that skips the auth subrequest opens more than it names', async (t) => {
  const trick = '/public/..;/rest/api/2/issue/X'
  const safe = watch()
  const r1 = await raw(front.port, trick)
  t.equal(r1.status, 400, "documented: restgate's wall refuses the dot segment")
  t.equal(safe().length, 0)
  const unsafe = await startFrontNginx(t, {
    restgate: rgAddress,
    jira: `127.0.0.1:${stub.port}`,
    tls,
    edit: (block) => replaceOnce(block, '    location / {\n', '    location /public/ { proxy_pass http://jira; }\n\n    location / {\n'),
  })
  const leaked = watch()
  t.equal((await raw(unsafe.port, trick)).status, 200)
  const jira = leaked()[0]!
  t.equal(tomcatReading(jira.url), '/rest/api/2/issue/X', 'Tomcat serves a protected path')
  t.equal(jira.headers['x-forwarded-user'], undefined, 'to nobody in particular: the leak')
})

function replaceOnce(text: string, what: string, by: string): string {
  const at = text.indexOf(what)
  if (at === -1 || text.indexOf(what, at + 1) !== -1) throw new Error(`the documented block must contain ${JSON.stringify(what)} exactly once`)
  return text.slice(0, at) + by + text.slice(at + what.length)
}
