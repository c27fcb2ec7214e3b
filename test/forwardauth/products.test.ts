// Forward-auth with two products under their context paths: each product's endpoint sits under its own
// context path, as its other routes do, and decides only on original requests under that path, with its
// path rules relative to it. Nothing outside every context path is answered as if it were a product's.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { basic } from '../helpers/tokens.js'

const stub = await startStubJira(t)
const rg = await startRestgate(t, {
  server: { host: '127.0.0.1', port: 8000, admin: { enabled: false }, trustedProxies: ['127.0.0.1/32'] },
  products: [
    { name: 'jira', type: 'jira', url: `${stub.url}/jira`, timeout: '5s', connectTimeout: '2s' },
    { name: 'wiki', type: 'confluence', url: `${stub.url}/wiki`, timeout: '5s', connectTimeout: '2s' },
  ],
  forwardAuth: { enabled: true },
  anonymous: 'deny',
  apiTokens: { paths: ['/rest/api/**'] },
})
const { secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)

const ask = (endpoint: string, uri: string, headers: Record<string, string> = {}) =>
  httpRequest(`${rg.url}${endpoint}`, { headers: { 'x-original-uri': uri, 'x-original-method': 'GET', ...headers } })

t.test("each product's endpoint decides on its own paths: a token accepted, its identity headers given", async (t) => {
  for (const [endpoint, uri] of [
    ['/jira/restgate/auth', '/jira/rest/api/2/issue/X-1'],
    ['/wiki/restgate/auth', '/wiki/rest/api/user/current'],
  ] as const) {
    const ok = await ask(endpoint, uri, { authorization: basic('alice', secret) })
    t.equal(ok.status, 200, uri)
    t.equal(ok.headers['x-forwarded-user'], 'alice', uri)
    const none = await ask(endpoint, uri)
    t.equal(none.status, 401, `${uri} without a credential`)
    t.equal(none.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  }
})

t.test('path rules are relative to the context path: /rest/api/** covers /jira/rest/api/..., not /jira/secure/...', async (t) => {
  const outside = await ask('/jira/restgate/auth', '/jira/secure/Dashboard.jspa', { authorization: basic('alice', secret) })
  t.not(outside.status, 200, 'a token outside apiTokens.paths does not log in')
  t.equal(outside.headers['x-forwarded-user'], undefined)
  const inside = await ask('/jira/restgate/auth', '/jira/rest/api/2/myself', { authorization: basic('alice', secret) })
  t.equal(inside.status, 200)
})

t.test("an original request under another product's context path, or under none, is refused: 400, never a decision", async (t) => {
  for (const uri of ['/wiki/rest/api/user/current', '/rest/api/2/issue/X-1', '/jiraz/rest/api/2/issue/X-1']) {
    const res = await ask('/jira/restgate/auth', uri, { authorization: basic('alice', secret) })
    t.equal(res.status, 400, uri)
    t.equal(res.json()['code'], 'RG_ERR_BAD_REQUEST')
    t.match(res.json()['message'], /not under this product's context path \/jira/)
    t.equal(res.headers['x-forwarded-user'], undefined)
  }
  const root = await ask('/restgate/auth', '/jira/rest/api/2/issue/X-1', { authorization: basic('alice', secret) })
  t.equal(root.status, 404, 'no endpoint outside every context path')
  t.equal(root.json()['code'], 'RG_ERR_NOT_FOUND')
  t.equal(stub.requests.length, 0, 'nothing was forwarded')
})
