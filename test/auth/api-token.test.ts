// API tokens on the proxy: Basic user:TOKEN and Bearer TOKEN reach Jira as the owner without the credential;
// every bad credential is refused with its own JSON code before Jira sees anything, and changes no record.
import t, { type Test } from 'tap'
import { startStubJira, type StubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, type PolicyInput, type TestRestgate } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { basic, bearer } from '../helpers/tokens.js'
import { DAY_MS } from '../../src/tokens/lifetime.js'
import { generateToken } from '../../src/tokens/format.js'

type T = Parameters<typeof startStubJira>[0]

async function setup(t: T, extra: PolicyInput = {}) {
  const clock = { at: Date.UTC(2026, 10, 23, 9), now() { return this.at } }
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, extra), { clock })
  const make = async (user: string, input = {}) => rg.tokens.service.create(user, input, rg.runtime.current.policy)
  const alice = await make('alice')
  return { clock, stub, rg, make, alice }
}

async function snapshot(rg: TestRestgate): Promise<string> {
  await rg.tokens.service.flushUsage()
  return JSON.stringify(await rg.store.listTokens())
}

async function refused(t: Test, rg: TestRestgate, stub: StubJira, auth: string | string[], status: number, code: string, message?: RegExp, path = '/rest/api/2/issue/X') {
  const seen = stub.requests.length
  const headers = Array.isArray(auth) ? auth : ['Authorization', auth]
  const res = await httpRequest(`${rg.url}${path}`, { headers })
  t.equal(res.status, status, `${code}: status`)
  t.equal(res.json()['code'], code)
  if (message !== undefined) t.match(res.json()['message'], message)
  t.equal(stub.requests.length, seen, `${code}: Jira saw nothing`)
  return res
}

t.test('Basic user:TOKEN and Bearer TOKEN reach Jira as the owner, without the Authorization header', async (t) => {
  const { rg, stub, alice } = await setup(t)
  for (const auth of [basic('alice', alice.secret), bearer(alice.secret)]) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/TEST-1`, { headers: ['Authorization', auth, 'X-Forwarded-User', 'mallory'] })
    t.equal(res.status, 200)
    const seen = stub.requests.at(-1)!
    t.equal(seen.headers['x-forwarded-user'], 'alice')
    t.equal(seen.headers['x-forwarded-auth'], 'token')
    t.equal(seen.headers['authorization'], undefined, 'the consumed credential is not forwarded')
    t.notMatch(JSON.stringify(seen.rawHeaders), alice.secret)
  }
  await rg.tokens.service.flushUsage()
  t.match(await rg.store.getToken(alice.record.id), { lastUsedAt: Date.UTC(2026, 10, 23, 9), lastUsedIp: '127.0.0.1' })
})

t.test('credentials that are not restgate tokens pass through untouched', async (t) => {
  const { rg, stub } = await setup(t)
  const pat = 'Bearer NjA4MTIzNDU2Nzg5OkFCQ0RFRkdISUpLTE1O'
  const password = basic('alice', 'xyz_not-a-restgate-token')
  for (const auth of [pat, password, basic('alice', 'hunter2')]) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: { authorization: auth } })
    t.equal(res.status, 200)
    t.equal(stub.requests.at(-1)!.headers['authorization'], auth, 'exactly as sent')
    t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], undefined, 'and no identity claimed for it')
  }
  const deny = await setup(t, { passwords: 'deny' })
  await refused(t, deny.rg, deny.stub, password, 401, 'RG_ERR_PASSWORDS_DISABLED', /use an API token/)
  const still = await httpRequest(`${deny.rg.url}/rest/api/2/issue/X`, { headers: { authorization: pat } })
  t.equal(still.status, 200, 'a Jira personal access token is not a password')
})

t.test('bad input on the proxy: each refused with its code, nothing forwarded, nothing changed', async (t) => {
  const { rg, stub, alice, clock, make } = await setup(t)
  const bob = await make('bob')
  const doomed = await make('alice', { validForDays: 1 })
  const revoked = await make('alice')
  await rg.tokens.service.remove(revoked.record.id)
  const before = await snapshot(rg)
  const b64 = (s: string) => 'Basic ' + Buffer.from(s).toString('base64')
  await refused(t, rg, stub, 'Basic %%%not-base64', 401, 'RG_ERR_BAD_CREDENTIALS', /not base64/)
  await refused(t, rg, stub, 'Basic YWxpY2U=x', 401, 'RG_ERR_BAD_CREDENTIALS', /not base64/)
  await refused(t, rg, stub, b64(`alice${alice.secret}`), 401, 'RG_ERR_BAD_CREDENTIALS', /no colon/)
  await refused(t, rg, stub, b64(`:${alice.secret}`), 401, 'RG_ERR_BAD_CREDENTIALS', /no user/)
  await refused(t, rg, stub, b64(`alice:rgt_${'A'.repeat(10 * 1024)}`), 401, 'RG_ERR_TOKEN_INVALID', /damaged/)
  await refused(t, rg, stub, bearer(alice.secret.slice(0, -2)), 401, 'RG_ERR_TOKEN_INVALID', /damaged/)
  await refused(t, rg, stub, bearer(generateToken()), 401, 'RG_ERR_TOKEN_INVALID', /does not exist/)
  await refused(t, rg, stub, basic('alice', revoked.secret), 401, 'RG_ERR_TOKEN_INVALID', /does not exist or was deleted/)
  await refused(t, rg, stub, basic('bob', alice.secret), 401, 'RG_ERR_TOKEN_INVALID', /does not belong/)
  await refused(t, rg, stub, basic('Alice', alice.secret), 401, 'RG_ERR_TOKEN_INVALID', /does not belong/)
  await refused(t, rg, stub, basic('alice', bob.secret), 401, 'RG_ERR_TOKEN_INVALID', /does not belong/)
  await refused(t, rg, stub, ['Authorization', bearer(alice.secret), 'Authorization', bearer(bob.secret)], 401, 'RG_ERR_BAD_CREDENTIALS', /More than one/)
  await refused(t, rg, stub, bearer(alice.secret), 403, 'RG_ERR_TOKEN_SCOPE', /not accepted on this path/, '/secure/Dashboard.jspa')
  clock.at += DAY_MS
  await refused(t, rg, stub, basic('alice', doomed.secret), 401, 'RG_ERR_TOKEN_EXPIRED')
  t.equal(await snapshot(rg), before, 'no token record changed')
  const ok = await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: bearer(alice.secret) } })
  t.equal(ok.status, 200, 'the good token still works')
  const failures = await rg.metrics.registry.getSingleMetric('restgate_auth_failures_total')!.get()
  t.ok(failures.values.some((v) => v.labels['code'] === 'RG_ERR_TOKEN_EXPIRED'), 'refusals are counted')
  t.notMatch(rg.logs.text(), alice.secret, 'no secret in the logs')
})

t.test('networks: deny wins, allow limits; a refused network is 403', async (t) => {
  const denied = await setup(t, { apiTokens: { networks: { deny: ['127.0.0.0/8'] } } })
  await refused(t, denied.rg, denied.stub, bearer(denied.alice.secret), 403, 'RG_ERR_TOKEN_NETWORK')
  const elsewhere = await setup(t, { apiTokens: { networks: { allow: ['10.0.0.0/8', '2001:db8::/32'] } } })
  await refused(t, elsewhere.rg, elsewhere.stub, basic('alice', elsewhere.alice.secret), 403, 'RG_ERR_TOKEN_NETWORK')
  const allowed = await setup(t, { apiTokens: { networks: { allow: ['127.0.0.1/32'], deny: ['10.0.0.0/8'] } } })
  t.equal((await httpRequest(`${allowed.rg.url}/rest/api/2/x`, { headers: { authorization: bearer(allowed.alice.secret) } })).status, 200)
})

t.test('inactive: the owner left apiTokens.creators.groups', async (t) => {
  const { rg, stub, alice } = await setup(t, { apiTokens: { creators: { groups: ['api-users'] } }, directory: { groups: { 'api-users': ['bob'] } } })
  await refused(t, rg, stub, basic('alice', alice.secret), 401, 'RG_ERR_TOKEN_INACTIVE')
})

t.test('switched off: Bearer, Basic, or tokens altogether; restgate tokens are still never forwarded', async (t) => {
  const noBearer = await setup(t, { apiTokens: { bearer: false } })
  await refused(t, noBearer.rg, noBearer.stub, bearer(noBearer.alice.secret), 401, 'RG_ERR_TOKEN_INVALID', /Bearer API tokens are switched off/)
  t.equal((await httpRequest(`${noBearer.rg.url}/rest/api/2/x`, { headers: { authorization: basic('alice', noBearer.alice.secret) } })).status, 200)
  const noBasic = await setup(t, { apiTokens: { basic: false } })
  await refused(t, noBasic.rg, noBasic.stub, basic('alice', noBasic.alice.secret), 401, 'RG_ERR_TOKEN_INVALID', /Basic API tokens are switched off/)
  const off = await setup(t, { apiTokens: { enabled: false } })
  await refused(t, off.rg, off.stub, bearer(off.alice.secret), 401, 'RG_ERR_TOKEN_INVALID', /switched off/)
})

t.test('more paths: apiTokens.paths decides where tokens count', async (t) => {
  const { rg, stub, alice } = await setup(t, { apiTokens: { paths: ['/rest/**', '/secure/**'] } })
  const res = await httpRequest(`${rg.url}/secure/Dashboard.jspa`, { headers: { authorization: bearer(alice.secret) } })
  t.equal(res.status, 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
})

t.test('the store is down: an uncached token is 503, never a pass', async (t) => {
  const { rg, stub, alice } = await setup(t)
  await rg.store.close()
  await refused(t, rg, stub, bearer(alice.secret), 503, 'RG_ERR_STORE_UNAVAILABLE')
})
