// The token page's server side: its files with a strict CSP, never forwarded; the login form's check
// against Jira and the lockout hook; the session cookie; who-am-I without a browser password prompt.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, type PolicyInput } from '../helpers/restgate.js'
import { httpRequest, type HttpResult } from '../helpers/http.js'
import { sessionKeyOf } from '../../src/sessions/id.js'

type T = Parameters<typeof startStubJira>[0]
const T0 = Date.UTC(2026, 10, 23, 9)

async function setup(t: T, extra: PolicyInput = {}) {
  const clock = { at: T0, now() { return this.at } }
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  stub.users.set('root', { password: 'root-pw' })
  const rg = await startRestgate(t, testPolicy(stub.url, { directory: { admins: { users: ['root'] } }, ...extra }), { clock })
  const login = (username: string, password: string, path = '/restgate/tokens') =>
    httpRequest(`${rg.url}${path}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  return { clock, stub, rg, login }
}

const cookieOf = (res: HttpResult): string => String(res.headers['set-cookie']).split(';')[0]!

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

t.test('the page and its two files: strict CSP, no framing, no caching, never forwarded', async (t) => {
  const { rg, stub } = await setup(t)
  const files: Array<[string, RegExp]> = [
    ['/restgate/tokens', /^text\/html/],
    ['/restgate/tokens/assets/tokens.css', /^text\/css/],
    ['/restgate/tokens/assets/tokens.js', /^text\/javascript/],
  ]
  for (const [path, type] of files) {
    const res = await httpRequest(`${rg.url}${path}`)
    t.equal(res.status, 200, path)
    t.match(res.headers['content-type'], type)
    t.equal(res.headers['content-security-policy'], CSP)
    t.equal(res.headers['x-frame-options'], 'DENY')
    t.equal(res.headers['cache-control'], 'no-store')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
  }
  const html = (await httpRequest(`${rg.url}/restgate/tokens`)).body.toString()
  t.match(html, '<link rel="stylesheet" href="/restgate/tokens/assets/tokens.css">')
  t.match(html, '<script src="/restgate/tokens/assets/tokens.js" defer></script>')
  t.notMatch(html, /<script>|<style|style="|\son[a-z]+="/i, 'no inline script, style or handler')
  t.notMatch(html, '{{base}}')
  for (const path of ['/restgate/tokens/other', '/restgate/tokens/assets/x.js', '/restgate/tokens/api/nope']) {
    const res = await httpRequest(`${rg.url}${path}`)
    t.equal(res.status, 404, path)
    t.equal(res.json()['code'], 'RG_ERR_NOT_FOUND')
  }
  t.equal(stub.requests.length, 0, 'Jira saw none of it')
})

t.test('the management API without a credential: Basic challenge for scripts, only Bearer for the page (no browser password prompt)', async (t) => {
  const { rg, stub } = await setup(t)
  const url = `${rg.url}/rest/ksso/api/apitokens/2.0/user/tokens`
  const script = await httpRequest(url)
  t.equal(script.status, 401)
  t.match(String(script.headers['www-authenticate']), /^Basic realm=/, 'curl is told it may use Basic')
  // The page's calls carry X-Requested-With (every call) and X-RG-CSRF (changes): a vanished cookie must
  // give the page its JSON 401 (then its own login form), never the browser's password dialog.
  const marked: Array<Record<string, string>> = [{ 'x-requested-with': 'XMLHttpRequest' }, { 'x-rg-csrf': 'stale' }]
  for (const headers of marked) {
    const page = await httpRequest(url, { headers })
    t.equal(page.status, 401, Object.keys(headers)[0])
    t.equal(page.json()['code'], 'RG_ERR_UNAUTHENTICATED')
    t.equal(page.headers['www-authenticate'], 'Bearer realm="restgate"', 'a challenge no browser answers by itself (RFC 9110 wants one on every 401)')
  }
  const js = (await httpRequest(`${rg.url}/restgate/tokens/assets/tokens.js`)).body.toString()
  t.match(js, "'x-requested-with': 'XMLHttpRequest'", 'the page sends the marker on every call')
  t.equal(stub.requests.length, 0)
})

t.test('tokenPage.path moves the page; tokenPage.enabled: false leaves the path to Jira', async (t) => {
  const moved = await setup(t, { tokenPage: { path: '/self-service/api-tokens' } })
  const res = await httpRequest(`${moved.rg.url}/self-service/api-tokens`)
  t.equal(res.status, 200)
  t.match(res.body.toString(), 'href="/self-service/api-tokens/assets/tokens.css"')
  t.equal((await moved.login('alice', 'alice-pw', '/self-service/api-tokens')).status, 200)
  const off = await setup(t, { tokenPage: { enabled: false } })
  const forwarded = await httpRequest(`${off.rg.url}/restgate/tokens`)
  t.equal(forwarded.status, 200)
  t.equal(off.stub.requests.at(-1)!.url, '/restgate/tokens', 'forwarded like any other path')
})

t.test('who am I: not logged in is a 401 without a Basic challenge (no browser password prompt)', async (t) => {
  const { rg } = await setup(t)
  const res = await httpRequest(`${rg.url}/restgate/tokens/api/session`)
  t.equal(res.status, 401)
  t.equal(res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.match(res.json()['message'], /log in/)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="restgate"', 'neither Basic nor Negotiate: the page shows its form')
})

t.test('login: a Jira password checked by Jira opens a restgate session (the one cookie: HttpOnly, SameSite=Lax)', async (t) => {
  const { rg, stub, login } = await setup(t)
  const res = await login('alice', 'alice-pw')
  t.equal(res.status, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(stub.requests.at(-1), { method: 'GET', url: '/rest/api/2/myself' })
  const setCookie = String(res.headers['set-cookie'])
  t.match(setCookie, /^RESTGATE_SESSION=rgs_[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/)
  const body = res.json()
  t.equal(body['user'], 'alice')
  t.match(body['csrf'], /^[A-Za-z0-9_-]{32}$/)
  const who = await httpRequest(`${rg.url}/restgate/tokens/api/session`, { headers: { cookie: `other=1; ${cookieOf(res)}` } })
  t.equal(who.status, 200)
  t.match(who.json(), { user: 'alice', method: 'session', loginMethod: 'password', admin: false, csrf: body['csrf'], mayCreate: true, mayWrite: true, maxLifetimeDays: 365, api: '/rest/ksso/api/apitokens/2.0' })
  const value = cookieOf(res).split('=')[1]!
  t.notMatch(rg.logs.text(), value, 'the cookie value is never logged')
  t.notMatch(rg.logs.text(), 'alice-pw', 'nor the password')
  t.ok(rg.logs.lines.some((l) => l['audit'] === true && l['event'] === 'session.login' && l['actor'] === 'alice'), 'the login is audited')
  t.equal(JSON.stringify(await rg.store.getSession(value)), 'null', 'the store keeps a hash, not the value')
  const record = await rg.store.getSession(sessionKeyOf(rg.tokens.service.hasher, value))
  t.match(record, { user: 'alice', method: 'password', csrf: body['csrf'] }, "one record type: the sessions service's, the CSRF token in it")
  // The same cookie is a restgate session on the proxy too (main's sessions, one cookie name).
  const proxied = await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: { cookie: cookieOf(res) } })
  t.equal(proxied.status, 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
})

t.test('login refused: a clear 401, nothing set; restgate tokens are not passwords; bad bodies are 400', async (t) => {
  const { login, rg } = await setup(t)
  const wrong = await login('alice', 'nope')
  t.equal(wrong.status, 401)
  t.equal(wrong.json()['code'], 'RG_ERR_LOGIN_FAILED')
  t.match(wrong.json()['message'], /user ?name or password is not correct/)
  t.equal(wrong.headers['set-cookie'], undefined)
  const token = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const asToken = await login('alice', token.secret)
  t.equal(asToken.status, 401)
  t.match(asToken.json()['message'], /API token, not a password/)
  for (const body of ['{}', '{"username":"alice"}', '{"username":"alice","password":"x","extra":1}', 'not json']) {
    const res = await httpRequest(`${rg.url}/restgate/tokens/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    t.equal(res.status, 400, body)
    t.equal(res.headers['set-cookie'], undefined)
  }
  const colon = await login('a:b', 'x')
  t.equal(colon.status, 400)
})

t.test('failed logins count toward lockout: past lockout.maxFailures, refused without asking Jira, until the window ends', async (t) => {
  const { login, stub, clock, rg } = await setup(t, { lockout: { maxFailures: 3, window: '15m' } })
  for (let i = 0; i < 3; i++) t.equal((await login('alice', 'wrong')).status, 401)
  const asked = stub.requests.length
  const locked = await login('alice', 'alice-pw')
  t.equal(locked.status, 403)
  t.equal(locked.json()['code'], 'RG_ERR_LOCKED_OUT')
  t.match(locked.json()['message'], /Too many failed logins/)
  t.equal(locked.headers['retry-after'], String(15 * 60))
  t.equal(locked.headers['x-seraph-loginreason'], 'AUTHENTICATION_DENIED')
  t.equal(stub.requests.length, asked, 'Jira was not asked')
  // The same lockout as everywhere: alice's Basic call on the management API is refused too.
  const api = await httpRequest(`${rg.url}/rest/ksso/api/apitokens/2.0/user/tokens`, { headers: { authorization: 'Basic ' + Buffer.from('alice:alice-pw').toString('base64') } })
  t.equal(api.status, 403)
  t.equal(api.json()['code'], 'RG_ERR_LOCKED_OUT')
  t.match(await rg.lockout.status('alice'), { count: 3 }, 'the page failures are in the shared per-user counter')
  clock.at += 15 * 60_000
  t.equal((await login('alice', 'alice-pw')).status, 200, 'the window passed')
})

t.test('failed page logins count per address too: guessing many accounts from one address locks the address', async (t) => {
  const { login, stub } = await setup(t, { lockout: { maxFailures: 3, window: '15m' } })
  stub.users.set('bob', { password: 'bob-pw' })
  for (const user of ['alice', 'bob', 'carol']) t.equal((await login(user, 'wrong')).status, 401, user)
  const asked = stub.requests.length
  const locked = await login('bob', 'bob-pw')
  t.equal(locked.status, 403, 'bob has one failure, but the address has three')
  t.equal(locked.json()['code'], 'RG_ERR_LOCKED_OUT')
  t.equal(stub.requests.length, asked, 'Jira was not asked')
})

t.test('sessions: idle timeout ends one (log in again); logout ends it at once; sessions off means no login form', async (t) => {
  const { rg, login, clock } = await setup(t, { sessions: { idleTimeout: '30m' } })
  const cookie = cookieOf(await login('alice', 'alice-pw'))
  const who = () => httpRequest(`${rg.url}/restgate/tokens/api/session`, { headers: { cookie } })
  clock.at += 29 * 60_000
  t.equal((await who()).status, 200)
  clock.at += 29 * 60_000
  t.equal((await who()).status, 200, 'use slides the idle window')
  clock.at += 31 * 60_000
  const expired = await who()
  t.equal(expired.status, 401)
  t.equal(expired.json()['code'], 'RG_ERR_SESSION_EXPIRED')
  t.match(expired.json()['message'], /log in again/)
  t.equal(expired.headers['www-authenticate'], 'Bearer realm="restgate"')

  const fresh = await login('alice', 'alice-pw')
  const c2 = cookieOf(fresh)
  const noHeader = await httpRequest(`${rg.url}/restgate/tokens/api/logout`, { method: 'POST', headers: { cookie: c2 } })
  t.equal(noHeader.status, 403, 'logout is a change: it needs the CSRF header too')
  const out = await httpRequest(`${rg.url}/restgate/tokens/api/logout`, { method: 'POST', headers: { cookie: c2, 'x-rg-csrf': fresh.json()['csrf'] as string } })
  t.equal(out.status, 200)
  t.match(String(out.headers['set-cookie']), /^RESTGATE_SESSION=; .*Max-Age=0/)
  t.equal((await httpRequest(`${rg.url}/restgate/tokens/api/session`, { headers: { cookie: c2 } })).json()['code'], 'RG_ERR_SESSION_EXPIRED')

  const off = await setup(t, { sessions: { enabled: false } })
  const refused = await off.login('alice', 'alice-pw')
  t.equal(refused.status, 403)
  t.match(refused.json()['message'], /sessions\.enabled/)
})

// Kerberos on the page (a session for a domain browser) runs against a real KDC: kerberos.test.ts.
t.test('who am I with an API token: never a session, and outside apiTokens.paths not even an identity', async (t) => {
  const tokenRg = await setup(t)
  const token = await tokenRg.rg.tokens.service.create('alice', { scope: 'read' }, tokenRg.rg.runtime.current.policy)
  const viaToken = await httpRequest(`${tokenRg.rg.url}/restgate/tokens/api/session`, { headers: { authorization: `Bearer ${token.secret}` } })
  t.equal(viaToken.status, 403, 'the page is outside apiTokens.paths')
  t.equal(viaToken.json()['code'], 'RG_ERR_TOKEN_SCOPE')
  t.equal(viaToken.headers['set-cookie'], undefined, 'a read token is not turned into a session')
  const widened = await setup(t, { apiTokens: { paths: ['/rest/**', '/restgate/**'] } })
  const t2 = await widened.rg.tokens.service.create('alice', { scope: 'read' }, widened.rg.runtime.current.policy)
  const ok = await httpRequest(`${widened.rg.url}/restgate/tokens/api/session`, { headers: { authorization: `Bearer ${t2.secret}` } })
  t.match(ok.json(), { user: 'alice', method: 'token', csrf: null })
  t.equal(ok.headers['set-cookie'], undefined, 'even where tokens count, a token is not turned into a session')
})
