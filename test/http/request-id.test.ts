// X-Request-Id: a trusted proxy's (when it is a sensible token) or restgate's own, the same in the upstream
// request, the client's response, the access line and the audit lines. A client's own is never believed.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { postLogin } from '../helpers/sessions.js'
import { bearer, api } from '../helpers/tokens.js'
import { acceptableRequestId } from '../../src/http/request-id.js'

t.test('what a trusted proxy may hand on as a request id', async (t) => {
  for (const ok of ['0f8fad5b-d9cb-469f-a165-70867728950e', 'a'.repeat(32), 'Root=1-67891233-abcdef012345678912345678', 'x'.repeat(128), 'YWJj+/=', 'host:42@x.y_z~']) {
    t.ok(acceptableRequestId(ok), ok)
  }
  for (const bad of ['', 'x'.repeat(129), 'a b', 'a,b', 'one, two', '"q"', 'a\r\nX-Evil: 1', 'a;b', 'caf\u00e9', 'tab\there']) {
    t.notOk(acceptableRequestId(bad), JSON.stringify(bad))
  }
})

t.test("a client's X-Request-Id is ignored: restgate's own id goes upstream, comes back and is logged", async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const res = await httpRequest(`${rg.url}/rest/api/2/issue/TEST-1`, { headers: { 'x-request-id': 'forged-by-client' } })
  const id = res.headers['x-request-id'] as string
  t.match(id, /^[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/)
  t.not(id, 'forged-by-client')
  t.same(stub.requests.at(-1)!.rawHeaders.filter((_h, i, all) => i % 2 === 1 && all[i - 1]!.toLowerCase() === 'x-request-id'), [id], 'one X-Request-Id upstream: ours')
  const line = await rg.logs.waitFor((l) => l['msg'] === 'request' && l['path'] === '/rest/api/2/issue/TEST-1')
  t.equal(line['reqId'], id, 'the access line has the same id')
  const second = await httpRequest(`${rg.url}/rest/api/2/issue/TEST-1`)
  t.not(second.headers['x-request-id'], id, 'a new one per request')
})

t.test('from server.trustedProxies a valid id is used end to end; an invalid one is replaced', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { trustedProxies: ['127.0.0.0/8'] } }))
  const lb = '7d3f1a2b9c8e4f60a1b2c3d4e5f60718'
  const res = await httpRequest(`${rg.url}/rest/api/2/issue/LB-1`, { headers: { 'x-request-id': lb } })
  t.equal(res.headers['x-request-id'], lb)
  t.equal(stub.requests.at(-1)!.headers['x-request-id'], lb)
  t.equal((await rg.logs.waitFor((l) => l['msg'] === 'request' && l['path'] === '/rest/api/2/issue/LB-1'))['reqId'], lb)

  for (const headers of [{ 'x-request-id': 'has space' }, { 'x-request-id': 'x'.repeat(200) }, ['X-Request-Id', 'one', 'X-Request-Id', 'two']]) {
    const other = await httpRequest(`${rg.url}/rest/api/2/issue/LB-2`, { headers })
    const id = other.headers['x-request-id'] as string
    t.match(id, /^[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/, `replaced: ${JSON.stringify(headers)}`)
    t.equal(stub.requests.at(-1)!.headers['x-request-id'], id)
  }
})

t.test('local answers, refusals and upstream failures carry the id; audit lines name the request', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { anonymous: 'deny' }))
  for (const path of ['/rest/ksso/api/info/1.0/ping', '/rest/api/2/denied', '/rest/%2e%2e/x']) {
    const res = await httpRequest(`${rg.url}${path}`)
    t.ok(res.headers['x-request-id'], `${path}: ${res.status}`)
  }
  const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)

  const login = await postLogin(rg.url, { username: 'alice', password: secret })
  t.equal(login.status, 200)
  const created = rg.logs.lines.find((l) => l['audit'] === true && l['event'] === 'session.create')!
  t.equal(created['reqId'], login.headers['x-request-id'], 'session.create names the login request')

  const made = await api(rg.url, '/user/tokens', { method: 'POST', auth: bearer(secret), body: { tokenName: 'ci' } })
  t.equal(made.status, 201)
  const audit = rg.logs.lines.find((l) => l['audit'] === true && l['event'] === 'token.create')!
  t.equal(audit['reqId'], made.headers['x-request-id'], 'token.create names the API request')

  await stub.close()
  const failed = await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: { authorization: bearer(secret) } })
  t.equal(failed.status, 502)
  t.ok(failed.headers['x-request-id'], 'a 502 written by the forwarder has one too')
})
