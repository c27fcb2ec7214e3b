// Scoped tokens on the proxy: a read token reads and nothing else; a token with its own paths reaches only
// those. Refusals are 403 RG_ERR_TOKEN_SCOPE naming the limit, and Jira never sees the request. The limits
// come from the cached token: with the store gone, a cached read token is still held to them.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { basic, bearer } from '../helpers/tokens.js'

type T = Parameters<typeof startStubJira>[0]

async function setup(t: T) {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const policy = () => rg.runtime.current.policy
  const read = await rg.tokens.service.create('alice', { scope: 'read' }, policy())
  const narrow = await rg.tokens.service.create('alice', { paths: ['/rest/api/2/search', '/rest/api/2/issue/*'] }, policy())
  return { stub, rg, read, narrow }
}

t.test('a read token: GET, HEAD and OPTIONS pass; POST, PUT, PATCH and DELETE get 403 naming the scope, Jira sees nothing', async (t) => {
  const { stub, rg, read } = await setup(t)
  for (const method of ['GET', 'HEAD', 'OPTIONS']) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { method, headers: { authorization: bearer(read.secret) } })
    t.equal(res.status, 200, method)
    t.equal(stub.requests.at(-1)!.method, method)
    t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
  }
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const seen = stub.requests.length
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, {
      method,
      headers: { authorization: basic('alice', read.secret), 'content-type': 'application/json' },
      body: '{"fields":{}}',
    })
    t.equal(res.status, 403, method)
    t.equal(res.json()['code'], 'RG_ERR_TOKEN_SCOPE')
    t.match(res.json()['message'], new RegExp(`scope "read".*not ${method}`))
    t.equal(stub.requests.length, seen, `${method}: nothing reached Jira`)
  }
  t.ok(rg.logs.lines.some((l) => l['reason'] === 'read token, unsafe method' && l['tokenId'] === read.record.id), 'the refusal is logged with the token id')
  t.notMatch(rg.logs.text(), read.secret, 'never the secret')
})

t.test('a token with its own paths reaches only those', async (t) => {
  const { stub, rg, narrow } = await setup(t)
  for (const path of ['/rest/api/2/search', '/rest/api/2/issue/X-1']) {
    const res = await httpRequest(`${rg.url}${path}`, { method: 'POST', headers: { authorization: bearer(narrow.secret) }, body: '{}' })
    t.equal(res.status, 200, path)
  }
  for (const path of ['/rest/api/2/issue/X-1/comment', '/rest/api/2/myself', '/rest/api/2/search/x']) {
    const seen = stub.requests.length
    const res = await httpRequest(`${rg.url}${path}`, { headers: { authorization: bearer(narrow.secret) } })
    t.equal(res.status, 403, path)
    t.equal(res.json()['code'], 'RG_ERR_TOKEN_SCOPE')
    t.match(res.json()['message'], /limited to the paths \/rest\/api\/2\/search, \/rest\/api\/2\/issue\/\*/)
    t.equal(stub.requests.length, seen, `${path}: nothing reached Jira`)
  }
})

t.test('scope checks run on the cached token: no store round trip (the store closed, limits still hold)', async (t) => {
  const { stub, rg, read } = await setup(t)
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: { authorization: bearer(read.secret) } })).status, 200)
  await rg.tokens.service.flushUsage()
  await rg.store.close()
  const get = await httpRequest(`${rg.url}/rest/api/2/issue/Y`, { headers: { authorization: bearer(read.secret) } })
  t.equal(get.status, 200, 'cached: allowed without the store')
  const seen = stub.requests.length
  const post = await httpRequest(`${rg.url}/rest/api/2/issue`, { method: 'POST', headers: { authorization: bearer(read.secret) }, body: '{}' })
  t.equal(post.status, 403)
  t.equal(post.json()['code'], 'RG_ERR_TOKEN_SCOPE', 'refused for its scope, not for a missing store')
  t.equal(stub.requests.length, seen)
})
