// An Authorization header that carries no credential (`Bearer `, `Basic`, only whitespace) is no credential:
// under `anonymous: deny` it is a 401 like no header at all, never passed to Jira as something to check; where
// anonymous requests pass, it goes on as anonymous, without the empty header.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { parseAuthorization } from '../../src/auth/authorization.js'

const EMPTY = ['Bearer ', 'Bearer', 'Basic ', 'Basic', 'bearer \t ', '   ', '']

t.test('parseAuthorization: a scheme with nothing after it, or nothing at all, is no credential', async (t) => {
  for (const h of EMPTY) t.equal(parseAuthorization(h), undefined, JSON.stringify(h))
  t.same(parseAuthorization('Bearer  abc '), { scheme: 'bearer', value: 'abc' })
  t.same(parseAuthorization('Basic YTpi'), { scheme: 'basic', value: 'YTpi' })
})

t.test('anonymous: deny refuses an empty credential with 401 and its challenge; Jira never sees it', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { anonymous: 'deny' }))
  for (const authorization of EMPTY) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: ['Authorization', authorization] })
    t.equal(res.status, 401, JSON.stringify(authorization))
    t.equal(res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
    t.match(res.headers['www-authenticate'], /^Basic realm="restgate"$/)
  }
  t.equal(stub.requests.length, 0)
})

t.test('anonymous: passthrough forwards it as anonymous, without the empty header', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  for (const authorization of ['Bearer ', 'Basic']) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: ['Authorization', authorization, 'X-Forwarded-User', 'mallory'] })
    t.equal(res.status, 200)
    const seen = stub.requests.at(-1)!
    t.equal(seen.headers['authorization'], undefined, `${JSON.stringify(authorization)}: not forwarded`)
    t.equal(seen.headers['x-forwarded-user'], undefined, 'and no identity')
  }
  const line = await rg.logs.waitFor((l) => l['msg'] === 'request' && l['path'] === '/rest/api/2/issue/X')
  t.equal(line['decision'], 'anonymous')
})

t.test('forward-auth decides the same: an empty credential passed on as anonymous is not handed back to the front proxy', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { forwardAuth: { enabled: true }, server: { trustedProxies: ['127.0.0.1/32'] } }))
  for (const authorization of ['Bearer ', 'Basic']) {
    const res = await httpRequest(`${rg.url}/restgate/auth`, {
      headers: ['Authorization', authorization, 'X-Original-URI', '/rest/api/2/issue/X', 'X-Original-Method', 'GET'],
    })
    t.equal(res.status, 200, JSON.stringify(authorization))
    t.equal(res.headers['authorization'], undefined, `${JSON.stringify(authorization)}: not in the answer, so nginx sends none`)
    t.equal(res.headers['x-forwarded-user'], undefined)
  }
  const envoy = await httpRequest(`${rg.url}/restgate/auth/rest/api/2/issue/X`, { headers: ['Authorization', 'Bearer '] })
  t.equal(envoy.status, 200)
  t.match(envoy.headers['x-envoy-auth-headers-to-remove'], /authorization/, 'Envoy is told to remove it')
  const deny = await startRestgate(t, testPolicy(stub.url, { anonymous: 'deny', forwardAuth: { enabled: true }, server: { trustedProxies: ['127.0.0.1/32'] } }))
  const refused = await httpRequest(`${deny.url}/restgate/auth`, { headers: ['Authorization', 'Bearer ', 'X-Original-URI', '/rest/api/2/issue/X', 'X-Original-Method', 'GET'] })
  t.equal(refused.status, 401, 'under anonymous: deny, a 401 as in proxy mode')
  t.equal(stub.requests.length, 0, 'nothing forwarded by restgate itself')
})
