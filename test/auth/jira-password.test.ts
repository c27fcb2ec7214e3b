// The management API's extra identity: Basic with a Jira password, checked by asking Jira. Answers are
// cached briefly; failures are refused with a code; the proxy never uses it.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { api, basic } from '../helpers/tokens.js'

type T = Parameters<typeof startStubJira>[0]

async function setup(t: T) {
  const clock = { at: Date.UTC(2026, 10, 23, 9), now() { return this.at } }
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const rg = await startRestgate(t, testPolicy(stub.url), { clock })
  const asked = () => stub.requests.filter((r) => r.url === '/rest/api/2/myself').length
  return { clock, stub, rg, asked }
}

t.test('a Jira password is checked by Jira once, then cached briefly under an HMAC', async (t) => {
  const { rg, asked, clock } = await setup(t)
  const auth = basic('alice', 'alice-pw')
  t.equal((await api(rg.url, '/user/tokens', { auth })).status, 200)
  t.equal((await api(rg.url, '/user/tokens', { auth })).status, 200)
  t.equal(asked(), 1, 'Jira asked once')
  clock.at += 61_000
  t.equal((await api(rg.url, '/user/tokens', { auth })).status, 200)
  t.equal(asked(), 2, 'asked again after the cache time')
  t.notMatch(rg.logs.text(), 'alice-pw')
})

t.test('refusals: wrong password, CAPTCHA, Jira down or confused', async (t) => {
  const { rg, stub, asked } = await setup(t)
  const wrong = basic('alice', 'nope')
  for (let i = 0; i < 2; i++) {
    const res = await api(rg.url, '/user/tokens', { auth: wrong })
    t.equal(res.status, 401)
    t.equal(res.json()['code'], 'RG_ERR_LOGIN_FAILED')
  }
  t.equal(asked(), 2, 'a refusal is not cached')

  stub.handle = (req, res) => {
    if (req.url !== '/rest/api/2/myself') return false
    res.writeHead(403, { 'x-seraph-loginreason': 'AUTHENTICATION_DENIED', 'content-type': 'text/html' })
    res.end('<html>CAPTCHA</html>')
    return true
  }
  const captcha = await api(rg.url, '/user/tokens', { auth: basic('bob', 'pw') })
  t.equal(captcha.status, 401)
  t.match(captcha.json()['message'], /CAPTCHA/)

  stub.handle = (req, res) => {
    if (req.url !== '/rest/api/2/myself') return false
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"displayName":"no name"}')
    return true
  }
  const nameless = await api(rg.url, '/user/tokens', { auth: basic('carol', 'pw') })
  t.equal(nameless.status, 502)
  t.equal(nameless.json()['code'], 'RG_ERR_UPSTREAM_BAD_RESPONSE')

  stub.handle = (req, res) => {
    if (req.url !== '/rest/api/2/myself') return false
    res.writeHead(500)
    res.end()
    return true
  }
  const broken = await api(rg.url, '/user/tokens', { auth: basic('dave', 'pw') })
  t.equal(broken.status, 502)
  t.equal(broken.json()['code'], 'RG_ERR_UPSTREAM_BAD_RESPONSE')

  await stub.close()
  const down = await api(rg.url, '/user/tokens', { auth: basic('erin', 'pw') })
  t.equal(down.status, 502)
  t.equal(down.json()['code'], 'RG_ERR_UPSTREAM_UNAVAILABLE')
  t.same(await rg.store.listTokens(), [])
})

t.test('the proxy never uses it: a password goes to Jira untouched and claims no identity', async (t) => {
  const { rg, stub, asked } = await setup(t)
  const auth = basic('alice', 'alice-pw')
  const res = await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: { authorization: auth } })
  t.equal(res.status, 200)
  const seen = stub.requests.at(-1)!
  t.equal(seen.headers['authorization'], auth)
  t.equal(seen.headers['x-forwarded-user'], undefined)
  t.equal(asked(), 0, 'restgate did not check it itself')
})
