// /rest/auth/1/session: a restgate token as the password opens a restgate session answered in Jira's shape;
// GET describes it, DELETE ends it; Jira passwords and requests without a restgate session go to Jira.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { bearer } from '../helpers/tokens.js'
import { SESSION_PATH, cookiePair, loginCookie, postLogin } from '../helpers/sessions.js'

t.test('POST with a token opens a session: Jira shape, cookie attributes, the cookie then works as alice', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const res = await postLogin(rg.url, { username: 'alice', password: secret })
  t.equal(res.status, 200)
  const body = res.json<{ session: { name: string; value: string }; loginInfo: { failedLoginCount: number } }>()
  t.equal(body.session.name, 'RESTGATE_SESSION')
  t.match(body.session.value, /^rgs_[A-Za-z0-9_-]{43}$/)
  t.same(body.loginInfo, { failedLoginCount: 0 })
  const setCookie = res.headers['set-cookie']!
  t.equal(setCookie.length, 1)
  t.match(setCookie[0], new RegExp(`^RESTGATE_SESSION=${body.session.value}; Max-Age=28800; Path=/; HttpOnly; SameSite=Lax$`))
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(stub.requests.length, 0, 'a token login never reaches Jira')

  const cookie = cookiePair(res)!
  const proxied = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { cookie: `${cookie}; JSESSIONID=j1`, 'x-atlassian-token': 'no-check' } })
  t.equal(proxied.status, 200)
  const seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-user'], 'alice')
  t.equal(seen.headers['x-forwarded-auth'], 'session')
  t.equal(seen.headers['cookie'], 'JSESSIONID=j1', 'restgate\'s cookie is not forwarded, Jira\'s is')
  t.equal(seen.headers['x-atlassian-token'], 'no-check', 'X-Atlassian-Token passes through untouched')
  t.notOk(rg.logs.text().includes(body.session.value), 'the cookie value is never logged')
  t.ok(rg.logs.lines.some((l) => l['audit'] === true && l['event'] === 'session.create' && l['user'] === 'alice'))
})

t.test('GET describes the session; DELETE ends it (204, cookie cleared) and the cookie is then refused', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const cookie = await loginCookie(rg.url, 'alice', secret)

  const got = await httpRequest(`${rg.url}${SESSION_PATH}`, { headers: { cookie, host: 'jira.example.com' } })
  t.equal(got.status, 200)
  t.same(got.json(), { self: 'http://jira.example.com/rest/api/latest/user?username=alice', name: 'alice', loginInfo: { failedLoginCount: 0 } })
  t.equal((await httpRequest(`${rg.url}/rest/auth/latest/session`, { headers: { cookie } })).status, 200, '/latest too')

  const del = await httpRequest(`${rg.url}${SESSION_PATH}`, { method: 'DELETE', headers: { cookie } })
  t.equal(del.status, 204)
  t.match(del.headers['set-cookie']![0], /^RESTGATE_SESSION=; Max-Age=0; /)
  t.ok(rg.logs.lines.some((l) => l['event'] === 'session.end' && l['user'] === 'alice' && l['reason'] === 'logout'))

  const after = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { cookie } })
  t.equal(after.status, 401)
  t.equal(after.json()['code'], 'RG_ERR_SESSION_EXPIRED')
  t.match(after.headers['set-cookie']![0], /^RESTGATE_SESSION=; Max-Age=0; /)
  t.equal(stub.requests.length, 0, 'nothing reached Jira, not even as anonymous')
})

t.test('without a restgate session, GET and DELETE go to Jira; a Jira password POST goes to Jira byte for byte', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const get = await httpRequest(`${rg.url}${SESSION_PATH}`, { headers: { cookie: 'JSESSIONID=abc' } })
  t.equal(get.status, 200)
  t.equal(stub.requests.at(-1)!.method, 'GET')
  t.equal(stub.requests.at(-1)!.headers['cookie'], 'JSESSIONID=abc')
  const del = await httpRequest(`${rg.url}${SESSION_PATH}`, { method: 'DELETE', headers: { cookie: 'JSESSIONID=abc' } })
  t.equal(del.status, 200)
  t.equal(stub.requests.at(-1)!.method, 'DELETE')

  const raw = '{"username":"bob","password":"jira-secret"}'
  const post = await postLogin(rg.url, raw, { 'x-atlassian-token': 'no-check' })
  t.equal(post.status, 200)
  const seen = stub.requests.at(-1)!
  t.equal(seen.method, 'POST')
  t.equal(seen.url, SESSION_PATH)
  t.equal(seen.bytes, Buffer.byteLength(raw))
  t.equal(seen.sha256, (await import('node:crypto')).createHash('sha256').update(raw).digest('hex'), 'the body arrives unchanged')
  t.equal(seen.headers['x-forwarded-user'], undefined)
  t.equal(seen.headers['x-atlassian-token'], 'no-check')
  t.equal(post.headers['set-cookie'], undefined, 'restgate set no cookie of its own')

  const notJson = await postLogin(rg.url, 'username=bob&password=x', { 'content-type': 'application/x-www-form-urlencoded' })
  t.equal(notJson.status, 200, 'a body restgate cannot read is Jira\'s to answer')
  t.equal(stub.requests.at(-1)!.bytes, 'username=bob&password=x'.length)
})

t.test('passwords: deny refuses Jira passwords at the login, tokens still open sessions', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { passwords: 'deny' }))
  const res = await postLogin(rg.url, { username: 'bob', password: 'jira-secret' })
  t.equal(res.status, 401)
  t.equal(res.json()['code'], 'RG_ERR_PASSWORDS_DISABLED')
  const garbled = await postLogin(rg.url, '{"username":"bob",')
  t.equal(garbled.status, 401, 'an unreadable body is not handed to Jira either')
  t.equal(stub.requests.length, 0)
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  t.equal((await postLogin(rg.url, { username: 'alice', password: secret })).status, 200)
})

t.test('token logins that must fail: wrong user, unknown, damaged, read-only, path-limited, sessions off', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const policy = rg.runtime.current.policy
  const { secret } = await rg.tokens.service.create('alice', {}, policy)
  const { secret: readOnly } = await rg.tokens.service.create('alice', { scope: 'read' }, policy)
  const { secret: limited } = await rg.tokens.service.create('alice', { paths: ['/rest/**'] }, policy)
  const { secret: elsewhere } = await rg.tokens.service.create('alice', { paths: ['/rest/api/2/search'] }, policy)

  const wrongUser = await postLogin(rg.url, { username: 'bob', password: secret })
  t.equal(wrongUser.status, 401)
  t.equal(wrongUser.json()['code'], 'RG_ERR_TOKEN_INVALID')
  const unknown = await postLogin(rg.url, { username: 'alice', password: secret.slice(0, -4) + 'AAAA' })
  t.equal(unknown.status, 401)
  const damaged = await postLogin(rg.url, { username: 'alice', password: secret.slice(0, -1) })
  t.equal(damaged.status, 401)
  t.match(damaged.json()['message'], /damaged/)
  // The refusal says the token's own limit, the real reason: not that the login is a POST, nor that
  // /rest/auth/1/session lies outside the token's paths.
  const limits: Array<[string, string, RegExp]> = [
    ['read-only', readOnly, /^This API token has scope "read" \(GET, HEAD and OPTIONS only\), and a session would allow every method: it cannot open one/],
    ['path-limited', limited, /^This API token is limited to the paths \/rest\/\*\*, and a session would reach every path: it cannot open one/],
    ['limited elsewhere', elsewhere, /^This API token is limited to the paths \/rest\/api\/2\/search, and a session/],
  ]
  for (const [name, tok, message] of limits) {
    const res = await postLogin(rg.url, { username: 'alice', password: tok })
    t.equal(res.status, 403, name)
    t.equal(res.json()['code'], 'RG_ERR_TOKEN_SCOPE', name)
    t.match(res.json()['message'], message, name)
    t.notMatch(res.json()['message'], /not POST|outside them/, name)
    t.equal(res.headers['set-cookie'], undefined, name)
  }
  t.equal(stub.requests.length, 0, 'no token ever reached Jira')
  t.equal(await rg.store.getCounter('lockout:user:bob', Date.now()).then((c) => c?.count), 1, 'the wrong user counted')

  const off = await startRestgate(t, testPolicy(stub.url, { sessions: { enabled: false } }))
  const { secret: s2 } = await off.tokens.service.create('alice', {}, off.runtime.current.policy)
  const refused = await postLogin(off.url, { username: 'alice', password: s2 })
  t.equal(refused.status, 403)
  t.match(refused.json()['message'], /sessions\.enabled/)
  t.equal(stub.requests.length, 0)
})

t.test('a bad cookie with a working Authorization: the explicit credential decides; a good cookie wins and Authorization is dropped', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const policy = rg.runtime.current.policy
  const { secret: aliceTok } = await rg.tokens.service.create('alice', {}, policy)
  const { secret: bobTok } = await rg.tokens.service.create('bob', {}, policy)
  const stale = 'RESTGATE_SESSION=rgs_' + 'A'.repeat(43)
  const withToken = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: { cookie: stale, authorization: bearer(bobTok) } })
  t.equal(withToken.status, 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'bob')
  t.equal(stub.requests.at(-1)!.headers['cookie'], undefined)

  const odd = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: { cookie: stale, authorization: 'Foo bar' } })
  t.equal(odd.status, 401, 'an Authorization nobody verifies does not rescue a dead cookie')
  t.equal(odd.json()['code'], 'RG_ERR_SESSION_EXPIRED')
  const password = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: { cookie: stale, authorization: 'Basic ' + Buffer.from('dave:jira-pw').toString('base64') } })
  t.equal(password.status, 401, 'a Jira password goes to Jira, which judges it')
  t.equal(stub.requests.at(-1)!.headers['authorization'], 'Basic ' + Buffer.from('dave:jira-pw').toString('base64'))
  t.equal(stub.requests.at(-1)!.headers['cookie'], undefined)

  const cookie = await loginCookie(rg.url, 'alice', aliceTok)
  await httpRequest(`${rg.url}/rest/api/2/issue/Y`, { headers: { cookie, authorization: 'Basic ' + Buffer.from('carol:pw').toString('base64') } })
  const seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-user'], 'alice')
  t.equal(seen.headers['authorization'], undefined, 'Jira never sees a second identity')
})

t.test('the cookie counts only on protected paths; elsewhere it is stripped and the request passes', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const res = await httpRequest(`${rg.url}/secure/Dashboard.jspa`, { headers: { cookie: 'RESTGATE_SESSION=forged; a=b' } })
  t.equal(res.status, 200)
  t.equal(stub.requests.at(-1)!.headers['cookie'], 'a=b')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], undefined)
})

t.test('the login body: too large is refused unforwarded; no content type is still read; PUT streams to Jira', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const big = await postLogin(rg.url, JSON.stringify({ username: 'bob', password: 'x'.repeat(70 * 1024) }))
  t.equal(big.status, 413)
  t.equal(big.json()['code'], 'RG_ERR_PAYLOAD_TOO_LARGE')
  t.equal(stub.requests.length, 0)

  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const bare = await httpRequest(`${rg.url}${SESSION_PATH}`, { method: 'POST', headers: [], body: JSON.stringify({ username: 'alice', password: secret }) })
  t.equal(bare.status, 200, 'a login without Content-Type is read like Jira reads it')
  t.match(cookiePair(bare), /^RESTGATE_SESSION=rgs_/)

  const put = await httpRequest(`${rg.url}${SESSION_PATH}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  t.equal(put.status, 200)
  t.equal(stub.requests.at(-1)!.method, 'PUT')
  t.equal(stub.requests.at(-1)!.bytes, 7)
})
