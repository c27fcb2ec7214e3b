// Brute-force lockout: wrong tokens, wrong session logins and passwords Jira refuses are counted per user and
// per client address; past lockout.maxFailures the answer is 403 in Jira's shape until the window passes.
import t from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isLocked, lockedOut, retryAfterSeconds } from '../../src/lockout/decide.js'
import { startStubJira, type StubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { httpRequest } from '../helpers/http.js'
import { api, basic, bearer } from '../helpers/tokens.js'
import { manualClock } from '../helpers/sessions.js'
import { postLogin } from '../helpers/sessions.js'
import { counterValue } from '../helpers/metrics.js'

const WINDOW = 60_000
/** Addresses are taken from X-Forwarded-For because loopback is a trusted proxy here. */
const lockPolicy = (url: string, extra: Record<string, unknown> = {}) =>
  testPolicy(url, { server: { trustedProxies: ['127.0.0.1/32'] }, lockout: { maxFailures: 3, window: '60s' }, ...extra })
const from = (ip: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...headers })

function jiraLogin(stub: StubJira): void {
  stub.handle = (req: IncomingMessage, res: ServerResponse, rec) => {
    if (req.url !== '/rest/auth/1/session' || req.method !== 'POST') return false
    const { username, password } = JSON.parse(rec.text) as { username: string; password: string }
    const ok = stub.users.get(username)?.password === password
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json', ...(ok ? { 'set-cookie': 'JSESSIONID=j; Path=/' } : {}) })
    res.end(ok ? '{"session":{"name":"JSESSIONID","value":"j"}}' : '{"errorMessages":["Login failed"]}')
    return true
  }
}

t.test('pure decisions: locked at the limit within the window; Retry-After in whole seconds; Jira\'s header', async (t) => {
  t.notOk(isLocked(null, 3, 0))
  t.notOk(isLocked({ count: 2, resetAt: 10 }, 3, 0))
  t.ok(isLocked({ count: 3, resetAt: 10 }, 3, 0))
  t.notOk(isLocked({ count: 9, resetAt: 10 }, 3, 10), 'the window has passed')
  t.equal(retryAfterSeconds(1001, 0), 2)
  t.equal(retryAfterSeconds(5, 10), 1)
  const err = lockedOut(60_000, 0)
  t.equal(err.statusCode, 403)
  t.equal(err.code, 'RG_ERR_LOCKED_OUT')
  t.same(err.headers, { 'x-seraph-loginreason': 'AUTHENTICATION_DENIED', 'retry-after': '60' })
})

t.test('wrong tokens lock the user: 403 shape, even the right token, until the window passes', async (t) => {
  const stub = await startStubJira(t)
  const clock = manualClock()
  const rg = await startRestgate(t, lockPolicy(stub.url), { clock })
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const wrong = secret.slice(0, 10) + (secret[10] === 'A' ? 'B' : 'A') + secret.slice(11)
  for (let i = 0; i < 3; i++) {
    const res = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from(`198.51.100.${i + 1}`, { authorization: basic('alice', wrong) }) })
    t.equal(res.status, 401, `failure ${i + 1} is a plain 401`)
  }
  const locked = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from('203.0.113.9', { authorization: basic('alice', secret) }) })
  t.equal(locked.status, 403)
  t.equal(locked.json()['code'], 'RG_ERR_LOCKED_OUT')
  t.equal(locked.headers['x-seraph-loginreason'], 'AUTHENTICATION_DENIED')
  t.equal(locked.headers['retry-after'], '60')
  t.equal(stub.requests.length, 0, 'nothing reached Jira')
  const start = rg.logs.lines.find((l) => l['audit'] === true && l['event'] === 'lockout.start' && l['user'] === 'alice')
  t.ok(start)
  t.match(start!['reqId'], /\w/, 'the audit line names the request whose failure started it')
  t.equal(await counterValue(rg.metrics.lockoutEvents, { event: 'start' }), 1, 'restgate_lockout_events_total{event="start"}')
  t.equal(await counterValue(rg.metrics.lockoutEvents, { event: 'refused' }), 1, 'the locked attempt, counted')
  t.equal(await counterValue(rg.metrics.authFailures, { method: 'api-token', code: 'RG_ERR_TOKEN_INVALID' }), 3, 'the failures are the token authenticator\'s, by name')
  t.equal(await counterValue(rg.metrics.authFailures, { method: 'api-token', code: 'RG_ERR_LOCKED_OUT' }), 1)

  clock.advance(WINDOW - 10_000)
  const later = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from('203.0.113.9', { authorization: basic('alice', secret) }) })
  t.equal(later.headers['retry-after'], '10', 'Retry-After counts down')
  clock.advance(10_000)
  const after = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from('203.0.113.9', { authorization: basic('alice', secret) }) })
  t.equal(after.status, 200, 'the window passed')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
})

t.test('per address: guesses over many users lock the address; a success resets only its own address', async (t) => {
  const stub = await startStubJira(t)
  const clock = manualClock()
  const rg = await startRestgate(t, lockPolicy(stub.url), { clock })
  const policy = rg.runtime.current.policy
  const { secret: bobTok } = await rg.tokens.service.create('bob', {}, policy)
  const unknown = async (ip: string) => httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from(ip, { authorization: bearer(bobTok.slice(0, -6) + 'AAAAAA') }) })
  // Two Bearer guesses (no user named) from A, one from B.
  t.equal((await unknown('192.0.2.10')).status, 401)
  t.equal((await unknown('192.0.2.10')).status, 401)
  t.equal((await unknown('192.0.2.20')).status, 401)
  // Bob logs in from B: B's counter is cleared, A's is not.
  t.equal((await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from('192.0.2.20', { authorization: bearer(bobTok) }) })).status, 200)
  await new Promise((r) => setImmediate(r))
  t.equal(await rg.store.getCounter('lockout:ip:192.0.2.20', clock.now()), null, 'B reset by the success there')
  t.equal((await rg.store.getCounter('lockout:ip:192.0.2.10', clock.now()))?.count, 2, 'A untouched')
  t.equal((await unknown('192.0.2.10')).status, 401, 'third failure from A')
  const lockedA = await httpRequest(`${rg.url}/rest/api/2/myself`, {
    headers: from('192.0.2.10', { authorization: basic('carol', 'rgt_' + 'A'.repeat(40)) }),
  })
  t.equal(lockedA.status, 403, 'any user from A is refused now')
  t.ok(rg.logs.lines.some((l) => l['event'] === 'lockout.start' && l['ip'] === '192.0.2.10'))
  // B is fine (bob's token is cached, and B's counter is clear anyway).
  t.equal((await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from('192.0.2.20', { authorization: bearer(bobTok) }) })).status, 200)
})

t.test('session logins and Jira passwords count; locked logins never reach Jira; admins clear a lockout', async (t) => {
  const stub = await startStubJira(t)
  jiraLogin(stub)
  stub.users.set('alice', { password: 'alice-pw' })
  stub.users.set('admin', { password: 'admin-pw' })
  const clock = manualClock()
  const rg = await startRestgate(t, lockPolicy(stub.url, { directory: { admins: { users: ['admin'] } } }), { clock })
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)

  t.equal((await postLogin(rg.url, { username: 'alice', password: 'wrong' }, from('198.51.100.7'))).status, 401, 'Jira refused')
  t.equal((await postLogin(rg.url, { username: 'alice', password: 'wrong2' }, from('198.51.100.7'))).status, 401)
  const tokenTry = await postLogin(rg.url, { username: 'alice', password: secret.slice(0, -3) + 'AAA' }, from('198.51.100.8'))
  t.equal(tokenTry.status, 401, 'a wrong token at the session login')
  await rg.logs.waitFor((l) => l['event'] === 'lockout.start' && l['user'] === 'alice')
  const jiraCalls = stub.requests.length
  t.equal(jiraCalls, 2)

  const refused = await postLogin(rg.url, { username: 'alice', password: 'alice-pw' }, from('198.51.100.9'))
  t.equal(refused.status, 403)
  t.equal(refused.headers['x-seraph-loginreason'], 'AUTHENTICATION_DENIED')
  t.equal(stub.requests.length, jiraCalls, 'a locked user\'s password is not tried on Jira')
  t.equal((await postLogin(rg.url, { username: 'alice', password: secret }, from('198.51.100.9'))).status, 403, 'nor her token')
  await rg.tokens.service.lookup(secret) // now cached: a login still checks the lockout
  t.equal((await postLogin(rg.url, { username: 'alice', password: secret }, from('198.51.100.9'))).status, 403, 'nor her cached token')

  const status = await api(rg.url, '/rest/ksso/api/lockout/1.0/alice', { auth: basic('admin', 'admin-pw'), headers: from('192.0.2.1') })
  t.equal(status.status, 200)
  t.same(status.json(), { user: 'alice', failures: 3, lockedUntil: clock.now() + WINDOW })
  const { secret: bobTok } = await rg.tokens.service.create('bob', {}, rg.runtime.current.policy)
  const notAdmin = await api(rg.url, '/rest/ksso/api/lockout/1.0/alice', { method: 'DELETE', auth: basic('bob', bobTok), headers: from('192.0.2.2') })
  t.equal(notAdmin.status, 403)
  t.equal(notAdmin.json()['code'], 'RG_ERR_FORBIDDEN')
  const cleared = await api(rg.url, '/rest/ksso/api/lockout/1.0/alice', { method: 'DELETE', auth: basic('admin', 'admin-pw'), headers: from('192.0.2.1') })
  t.equal(cleared.status, 200)
  t.same(cleared.json(), { user: 'alice', cleared: true })
  t.ok(rg.logs.lines.some((l) => l['audit'] === true && l['event'] === 'lockout.clear' && l['user'] === 'alice' && l['actor'] === 'admin' && l['reqId'] === cleared.headers['x-request-id']))
  t.equal(await counterValue(rg.metrics.lockoutEvents, { event: 'clear' }), 1, 'restgate_lockout_events_total{event="clear"}')
  const ok = await postLogin(rg.url, { username: 'alice', password: secret }, from('198.51.100.9'))
  t.equal(ok.status, 200, 'cleared: the token opens a session again')
  const bad = await api(rg.url, '/rest/ksso/api/lockout/1.0/alice?ip=not-an-ip', { method: 'DELETE', auth: basic('admin', 'admin-pw'), headers: from('192.0.2.1') })
  t.equal(bad.status, 400)
  t.match(bad.json()['message'], /query parameter ip must be an IPv4 or IPv6 address/)
})

t.test('a Jira password for the management API that Jira refuses counts too', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const rg = await startRestgate(t, lockPolicy(stub.url))
  for (let i = 0; i < 3; i++) {
    t.equal((await api(rg.url, '/user/tokens', { auth: basic('alice', `nope${i}`), headers: from('198.51.100.1') })).status, 401)
  }
  const locked = await api(rg.url, '/user/tokens', { auth: basic('alice', 'alice-pw'), headers: from('198.51.100.2') })
  t.equal(locked.status, 403)
  t.equal(locked.json()['code'], 'RG_ERR_LOCKED_OUT')
})

t.test('the lockout store down: fail closed with 503, a password is not handed to Jira unchecked', async (t) => {
  const redis = await startRedis(t)
  const stub = await startStubJira(t)
  jiraLogin(stub)
  const rg = await startRestgate(t, lockPolicy(stub.url, { store: { type: 'redis', redis: { url: redis.url, keyPrefix: uniquePrefix('lock') } } }))
  await redis.stop()
  const res = await postLogin(rg.url, { username: 'alice', password: 'pw' }, from('198.51.100.1'))
  t.equal(res.status, 503)
  t.equal(res.json()['code'], 'RG_ERR_STORE_UNAVAILABLE')
  t.equal(stub.requests.length, 0)
})

t.test('lockout.enabled: false counts nothing', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, lockPolicy(stub.url, { lockout: { enabled: false, maxFailures: 1 } }))
  for (let i = 0; i < 3; i++) {
    t.equal((await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: from('198.51.100.1', { authorization: bearer('rgt_' + 'A'.repeat(40)) }) })).status, 401)
  }
  t.equal(await rg.store.getCounter('lockout:ip:198.51.100.1', Date.now()), null)
})
