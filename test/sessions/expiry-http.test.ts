// Session cookies over HTTP with an injected clock: idle and absolute expiry answered with 401 and a cleared
// cookie, forged and truncated cookies the same, never forwarded as anonymous; Secure when https.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { cookiePair, loginCookie, manualClock, postLogin } from '../helpers/sessions.js'

const get = (url: string, cookie: string, headers: Record<string, string> = {}) =>
  httpRequest(`${url}/rest/api/2/issue/X-1`, { headers: { cookie, ...headers } })

t.test('idle timeout: used within it the session slides; left alone it expires with 401 and a cleared cookie', async (t) => {
  const stub = await startStubJira(t)
  const clock = manualClock()
  const rg = await startRestgate(t, testPolicy(stub.url, { sessions: { idleTimeout: '10m', absoluteTimeout: '1h' } }), { clock })
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const cookie = await loginCookie(rg.url, 'alice', secret)
  for (let i = 0; i < 5; i++) {
    clock.advance(9 * 60_000)
    t.equal((await get(rg.url, cookie)).status, 200, `${(i + 1) * 9} minutes in, used every 9`)
  }
  const forwarded = stub.requests.length
  clock.advance(10 * 60_000)
  const res = await get(rg.url, cookie)
  t.equal(res.status, 401)
  t.same(res.json(), { code: 'RG_ERR_SESSION_EXPIRED', message: 'Your session expired after a period of inactivity: log in again' })
  t.match(res.headers['set-cookie']![0], /^RESTGATE_SESSION=; Max-Age=0; .*HttpOnly; SameSite=Lax$/)
  t.equal(stub.requests.length, forwarded, 'not forwarded, not even as anonymous')
  t.ok(rg.logs.lines.some((l) => l['audit'] === true && l['event'] === 'session.expire' && l['reason'] === 'idle'))
})

t.test('absolute timeout ends a session in constant use', async (t) => {
  const stub = await startStubJira(t)
  const clock = manualClock()
  const rg = await startRestgate(t, testPolicy(stub.url, { sessions: { idleTimeout: '10m', absoluteTimeout: '30m' } }), { clock })
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const login = await postLogin(rg.url, { username: 'alice', password: secret })
  t.match(login.headers['set-cookie']![0], /Max-Age=1800;/, 'the browser drops it at the absolute timeout too')
  const cookie = cookiePair(login)!
  for (let i = 0; i < 5; i++) {
    clock.advance(5 * 60_000)
    t.equal((await get(rg.url, cookie)).status, 200)
  }
  clock.advance(5 * 60_000)
  const res = await get(rg.url, cookie)
  t.equal(res.status, 401)
  t.match(res.json()['message'], /maximum lifetime/)
})

t.test('forged, truncated, padded and empty cookies: 401 and cleared, on any protected path and method', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const good = (await loginCookie(rg.url, 'alice', secret)).split('=')[1]!
  const bad = ['rgs_' + 'A'.repeat(43), good.slice(0, -1), good + 'A', good.slice(0, 20), '', '%00', good.toUpperCase(), 'rgt_' + good.slice(4)]
  for (const value of bad) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue`, { method: 'POST', headers: { cookie: `RESTGATE_SESSION=${value}`, 'content-type': 'application/json' }, body: '{}' })
    t.equal(res.status, 401, JSON.stringify(value.slice(0, 10)))
    t.equal(res.json()['code'], 'RG_ERR_SESSION_EXPIRED')
    t.match(res.headers['set-cookie']![0], /^RESTGATE_SESSION=; Max-Age=0/)
  }
  t.equal(stub.requests.length, 0)
  t.equal((await get(rg.url, `RESTGATE_SESSION=${good}`)).status, 200, 'the real one still works')
})

t.test('Secure: set over https from a trusted proxy, not for a client claiming https itself; always/never', async (t) => {
  const stub = await startStubJira(t)
  const trusted = await startRestgate(t, testPolicy(stub.url, { server: { trustedProxies: ['127.0.0.1/32'] } }))
  const { secret } = await trusted.tokens.service.create('alice', {}, trusted.runtime.current.policy)
  const viaLb = await postLogin(trusted.url, { username: 'alice', password: secret }, { 'x-forwarded-proto': 'https' })
  t.match(viaLb.headers['set-cookie']![0], /; Secure$/)
  const plain = await postLogin(trusted.url, { username: 'alice', password: secret })
  t.notMatch(plain.headers['set-cookie']![0], /Secure/)

  const untrusted = await startRestgate(t, testPolicy(stub.url))
  const { secret: s2 } = await untrusted.tokens.service.create('alice', {}, untrusted.runtime.current.policy)
  const claimed = await postLogin(untrusted.url, { username: 'alice', password: s2 }, { 'x-forwarded-proto': 'https' })
  t.notMatch(claimed.headers['set-cookie']![0], /Secure/, 'X-Forwarded-Proto from an untrusted client is ignored')

  const always = await startRestgate(t, testPolicy(stub.url, { sessions: { secure: 'always', cookieName: '__Host-RG' } }))
  const { secret: s3 } = await always.tokens.service.create('alice', {}, always.runtime.current.policy)
  const res = await postLogin(always.url, { username: 'alice', password: s3 })
  t.match(res.headers['set-cookie']![0], /^__Host-RG=rgs_[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax; Secure$/)
  t.equal(res.json<{ session: { name: string } }>().session.name, '__Host-RG')
  const cookie = cookiePair(res, '__Host-RG')!
  t.equal((await get(always.url, cookie)).status, 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
})
