// The token page with Kerberos, against a private MIT KDC and curl --negotiate: where kerberos.paths covers
// the page, who-am-I answers a client without a credential with a Negotiate challenge and never a Basic one
// (a browser would prompt for a password); the client's ticket gets a restgate session (cookie and CSRF
// token) as the Kerberos user, and the calls that follow need only the cookie. Last, a real browser with a
// ticket (chromium) opens the page and is logged in without the form.
import t from 'tap'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { sessionKeyOf } from '../../src/sessions/id.js'

const exec = promisify(execFile)
const CHROMIUM = '/usr/bin/chromium'
const kdc = await startKdc(t)
const stub = await startStubJira(t)
const kerberos = { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: tempDir(t) }
const PAGE_PATHS = ['/rest/**', '/restgate/**']

async function restgate(paths: readonly string[]) {
  const rg = await startRestgate(t, testPolicy(stub.url, { kerberos: { ...kerberos, paths } }))
  // Clients build the service name from the URL's host: HTTP@localhost.
  return { rg, base: `http://localhost:${new URL(rg.url).port}` }
}

const covered = await restgate(PAGE_PATHS)
const session = `${covered.base}/restgate/tokens/api/session`
const dir = tempDir(t)

interface CurlResult {
  readonly status: number
  readonly headers: string
  readonly json: Record<string, unknown>
}

/** curl as `user` (their ticket cache); `negotiate` false makes a plain call that sends cookies only. */
async function curl(user: string, url: string, options: { negotiate?: boolean; args?: string[] } = {}): Promise<CurlResult> {
  const auth = options.negotiate === false ? [] : ['--negotiate', '-u', ':']
  const { stdout } = await exec('curl', ['-sS', ...auth, '-D', '-', '-w', '\n%{http_code}', ...(options.args ?? []), url], { env: kdc.clientEnv(user) })
  const lines = stdout.trimEnd().split('\n')
  const text = lines.slice(0, -1).join('\n')
  const split = text.lastIndexOf('\r\n\r\n')
  return { status: Number(lines.at(-1)), headers: text.slice(0, split), json: JSON.parse(text.slice(split + 4)) as Record<string, unknown> }
}

/** Every WWW-Authenticate value in curl's dump of the response headers. */
const challenges = (headers: string): string[] => [...headers.matchAll(/^www-authenticate: *(.*?)\r?$/gim)].map((m) => m[1]!)

t.test('no credential: who-am-I answers 401 with Negotiate and no Basic challenge; the page itself loads without one', async (t) => {
  const res = await httpRequest(`${covered.rg.url}/restgate/tokens/api/session`)
  t.equal(res.status, 401)
  t.equal(res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.equal(res.headers['www-authenticate'], 'Negotiate', 'Negotiate alone: a browser never shows a password prompt for it')
  const page = await httpRequest(`${covered.rg.url}/restgate/tokens`)
  t.equal(page.status, 200, 'the page and its login form load for everyone')
  t.equal(page.headers['www-authenticate'], undefined)
})

t.test('curl --negotiate gets a session as the Kerberos user; then the cookie alone works, and changes need the CSRF token', async (t) => {
  const jar = join(dir, 'alice.jar')
  const forwarded = stub.requests.length
  const login = await curl('alice', session, { args: ['-c', jar] })
  t.equal(login.status, 200)
  t.match(login.json, { user: 'alice', method: 'kerberos', admin: false, mayCreate: true })
  const csrf = login.json['csrf'] as string
  t.match(csrf, /^[A-Za-z0-9_-]{32}$/)
  t.match(challenges(login.headers).at(-1), /^Negotiate [A-Za-z0-9+/=]{20,}$/, 'the mutual-authentication token on the answer')
  t.match(login.headers, /^set-cookie: RESTGATE_SESSION=rgs_[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax\r?$/im)
  t.match(readFileSync(jar, 'utf8'), /#HttpOnly_localhost\tFALSE\t\/\tFALSE\t\d+\tRESTGATE_SESSION\trgs_[A-Za-z0-9_-]{43}/)

  // The cookie alone: no Authorization header, no handshake.
  const again = await curl('alice', session, { negotiate: false, args: ['-b', jar] })
  t.equal(again.status, 200)
  t.match(again.json, { user: 'alice', method: 'session', loginMethod: 'kerberos', csrf })
  t.same(challenges(again.headers), [])

  const tokens = `${covered.base}/rest/ksso/api/apitokens/2.0/user/tokens`
  const post = ['-b', jar, '-X', 'POST', '-H', 'content-type: application/json', '--data', '{"tokenName":"from-kerberos","scope":"read"}']
  const noCsrf = await curl('alice', tokens, { negotiate: false, args: post })
  t.equal(noCsrf.status, 403)
  t.equal(noCsrf.json['code'], 'RG_ERR_CSRF')
  t.same(await covered.rg.tokens.service.list('alice'), [], 'nothing was created')
  const created = await curl('alice', tokens, { negotiate: false, args: [...post, '-H', `X-RG-CSRF: ${csrf}`] })
  t.equal(created.status, 201)
  t.match(created.json, { tokenName: 'from-kerberos', scope: 'read' })
  t.match(await covered.rg.tokens.service.list('alice'), [{ user: 'alice', name: 'from-kerberos', scope: 'read' }], "alice's token")
  t.equal(stub.requests.length, forwarded, 'Jira saw none of it')
})

t.test('an expired session on who-am-I carries the Negotiate challenge: the answer with the stale cookie is a new Kerberos login', async (t) => {
  const stale = 'RESTGATE_SESSION=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
  const bare = await httpRequest(`${covered.rg.url}/restgate/tokens/api/session`, { headers: { cookie: stale } })
  t.equal(bare.status, 401)
  t.equal(bare.json()['code'], 'RG_ERR_SESSION_EXPIRED')
  t.equal(bare.headers['www-authenticate'], 'Negotiate')
  // On the management API: a script is challenged (curl --negotiate logs in again at once); the page's own
  // call is not (it asks who-am-I above instead, and a browser gets one new session there).
  const api = `${covered.rg.url}/rest/ksso/api/apitokens/2.0/user/tokens`
  const script = await httpRequest(api, { headers: { cookie: stale } })
  t.equal(script.json()['code'], 'RG_ERR_SESSION_EXPIRED')
  t.equal(script.headers['www-authenticate'], 'Negotiate')
  const fromPage = await httpRequest(api, { headers: { cookie: stale, 'x-requested-with': 'XMLHttpRequest' } })
  t.equal(fromPage.status, 401)
  t.equal(fromPage.json()['code'], 'RG_ERR_SESSION_EXPIRED')
  t.equal(fromPage.headers['www-authenticate'], 'Bearer realm="restgate"', 'no Negotiate: the browser would answer it by itself')
  t.match(String(fromPage.headers['set-cookie']), /^RESTGATE_SESSION=; Max-Age=0/, 'the dead cookie is cleared')
  const relogin = await curl('bob', session, { args: ['-H', `Cookie: ${stale}`] })
  t.equal(relogin.status, 200)
  t.match(relogin.json, { user: 'bob', method: 'kerberos' })
  t.match(relogin.headers, /^set-cookie: RESTGATE_SESSION=rgs_[A-Za-z0-9_-]{43};/im, 'a new session, not the stale one')
})

t.test('with kerberos.sessions on, who-am-I reuses the session the handshake opened: one cookie, one session', async (t) => {
  const rg = await startRestgate(t, testPolicy(stub.url, { kerberos: { ...kerberos, paths: PAGE_PATHS, sessions: true } }))
  const base = `http://localhost:${new URL(rg.url).port}`
  const jar = join(dir, 'kerberos-sessions.jar')
  const login = await curl('alice', `${base}/restgate/tokens/api/session`, { args: ['-c', jar] })
  t.equal(login.status, 200)
  t.match(login.json, { user: 'alice', method: 'kerberos', loginMethod: 'kerberos' })
  t.equal([...login.headers.matchAll(/^set-cookie: RESTGATE_SESSION=rgs_/gim)].length, 1, 'one Set-Cookie')
  t.equal(rg.logs.lines.filter((l) => l['event'] === 'session.create').length, 1, 'one session created')
  const again = await curl('alice', `${base}/restgate/tokens/api/session`, { negotiate: false, args: ['-b', jar] })
  t.match(again.json, { user: 'alice', method: 'session', loginMethod: 'kerberos', csrf: login.json['csrf'] }, "the handshake's session, with its CSRF token")
})

t.test('where kerberos.paths leaves the page out: no Negotiate or Basic challenge, and a Negotiate token there is no login', async (t) => {
  const { rg, base } = await restgate(['/rest/**'])
  const res = await httpRequest(`${rg.url}/restgate/tokens/api/session`)
  t.equal(res.status, 401)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="restgate"', 'the login form, without a browser prompt of any kind')
  const viaCurl = await curl('alice', `${base}/restgate/tokens/api/session`)
  t.equal(viaCurl.status, 401)
  t.same(challenges(viaCurl.headers), ['Bearer realm="restgate"'])
  const token = await kdc.token('alice')
  const sent = await httpRequest(`${rg.url}/restgate/tokens/api/session`, { headers: { authorization: `Negotiate ${token}` } })
  t.equal(sent.status, 401)
  t.equal(sent.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.equal(sent.headers['set-cookie'], undefined)
})

t.test('an excluded user agent gets no Negotiate challenge on the page either (the login form instead)', async (t) => {
  const res = await httpRequest(`${covered.rg.url}/restgate/tokens/api/session`, { headers: { 'user-agent': 'Java/17.0.2' } })
  t.equal(res.status, 401)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="restgate"')
})

t.test('a browser with a Kerberos ticket opens the page and is logged in, without the form or a prompt', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, async (t) => {
  // Chromium answers Negotiate only for servers it is told to trust (Windows: the Local intranet zone;
  // here the same policy as a switch), with the ticket cache of its environment: a domain login.
  // On Linux it runs its network service outside the sandbox (so GSSAPI can load) only once a profile has
  // seen a Negotiate header; the profile's Local State says so from the start.
  const profile = tempDir(t)
  writeFileSync(join(profile, 'Local State'), JSON.stringify({ net: { received_http_auth_negotiate_headers: true } }))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--auth-server-allowlist=localhost', '--disable-auth-negotiate-cname-lookup'],
    env: kdc.clientEnv('alice'),
  })
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('pageerror', (err) => t.fail(`page error: ${err.message}`))
  const statuses: number[] = []
  page.on('response', (r) => {
    if (r.url().endsWith('/api/session')) statuses.push(r.status())
  })
  await page.goto(`${covered.base}/restgate/tokens`)
  await page.locator('#app').waitFor()
  t.equal(await page.locator('#who-name').textContent(), 'alice')
  t.equal(await page.locator('#login').isHidden(), true, 'the login form never showed')
  t.same(statuses, [200], 'the Negotiate round trip happened inside the browser: the page saw one answer')
  t.match(await context.cookies(), [{ name: 'RESTGATE_SESSION', httpOnly: true, sameSite: 'Lax' }])
  await page.locator('#tokens').waitFor()
  t.match(await page.locator('#tokens').textContent(), 'from-kerberos', "alice's token, created with curl above, is listed")

  // The session ends (idle timeout, logout elsewhere): the next action logs the browser in again by itself.
  const [cookie] = await context.cookies()
  // Ended through the session service (as a logout in another tab does), so every instance's cache drops it.
  t.not(await covered.rg.sessions.service.end(sessionKeyOf(covered.rg.tokens.service.hasher, cookie!.value), '127.0.0.1'), null, 'the session is gone')
  await page.locator('#reload').click()
  await page.locator('#message').getByText('you are logged in again').waitFor()
  t.equal(await page.locator('#login').isHidden(), true, 'still no login form')
  const [renewed] = await context.cookies()
  t.not(renewed!.value, cookie!.value, 'a new session')
})
