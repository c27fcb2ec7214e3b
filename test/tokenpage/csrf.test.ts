// CSRF on the management API: a session cookie alone never changes anything. Cross-site requests (a form
// post, a request without the X-RG-CSRF header, or with another session's token) get 403 JSON and leave
// the store as it was; token, Basic and Jira-password calls from scripts need no header.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { TOKENS_API, api, basic, bearer } from '../helpers/tokens.js'

type T = Parameters<typeof startStubJira>[0]

async function setup(t: T) {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  stub.users.set('bob', { password: 'bob-pw' })
  const rg = await startRestgate(t, testPolicy(stub.url))
  const session = async (user: string) => {
    const res = await httpRequest(`${rg.url}/restgate/tokens/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user, password: `${user}-pw` }),
    })
    return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json()['csrf'] as string }
  }
  const snapshot = async () => JSON.stringify(await rg.store.listTokens())
  return { stub, rg, session, snapshot }
}

t.test('a cross-site form post with the session cookie is refused and creates nothing', async (t) => {
  const { rg, session, snapshot } = await setup(t)
  const alice = await session('alice')
  const before = await snapshot()
  const res = await httpRequest(`${rg.url}${TOKENS_API}/user/tokens`, {
    method: 'POST',
    headers: {
      cookie: alice.cookie,
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'tokenName=pwned',
  })
  t.equal(res.status, 403)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), { code: 'RG_ERR_CSRF', message: 'Missing or wrong CSRF token: reload the page and try again' })
  t.equal(await snapshot(), before, 'nothing created')
})

t.test('cookie-authenticated changes need the session\'s own CSRF token; reads do not', async (t) => {
  const { rg, session, snapshot } = await setup(t)
  const alice = await session('alice')
  const bob = await session('bob')
  const mine = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const before = await snapshot()
  const attempts: Array<[string, string, Record<string, string>]> = [
    ['POST', '/user/tokens', {}],
    ['POST', '/user/tokens', { 'x-rg-csrf': '' }],
    ['POST', '/user/tokens', { 'x-rg-csrf': bob.csrf }],
    ['POST', '/user/tokens', { 'x-rg-csrf': alice.csrf.slice(0, -1) }],
    ['DELETE', `/user/delete/${mine.record.id}`, {}],
    ['PUT', '/user/refresh', { 'x-rg-csrf': 'x' }],
  ]
  for (const [method, path, headers] of attempts) {
    const res = await api(rg.url, path, { method, body: method === 'DELETE' ? undefined : { id: mine.record.id }, headers: { cookie: alice.cookie, ...headers } })
    t.equal(res.status, 403, `${method} ${path} ${JSON.stringify(headers)}`)
    t.equal(res.json()['code'], 'RG_ERR_CSRF')
  }
  t.equal(await snapshot(), before, 'nothing changed')
  t.equal((await api(rg.url, '/user/tokens', { headers: { cookie: alice.cookie } })).status, 200, 'a read needs no header')

  const created = await api(rg.url, '/user/tokens', { method: 'POST', body: { tokenName: 'from the page' }, headers: { cookie: alice.cookie, 'x-rg-csrf': alice.csrf } })
  t.equal(created.status, 201)
  const del = await api(rg.url, `/user/delete/${mine.record.id}`, { method: 'DELETE', headers: { cookie: alice.cookie, 'x-rg-csrf': alice.csrf } })
  t.equal(del.status, 200)
  t.equal(await rg.store.getToken(mine.record.id), null)
})

t.test('scripts: token, Bearer and Jira-password calls change things without any CSRF header', async (t) => {
  const { rg, stub } = await setup(t)
  const token = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  for (const auth of [bearer(token.secret), basic('alice', token.secret), basic('alice', 'alice-pw')]) {
    const res = await api(rg.url, '/user/tokens', { method: 'POST', auth, body: {} })
    t.equal(res.status, 201)
  }
  t.ok(stub.requests.every((r) => r.url === '/rest/api/2/myself'), 'Jira was only asked about the password')
})

t.test('refresh by id (for the page): own tokens only; another user\'s id reads as unknown', async (t) => {
  const { rg } = await setup(t)
  const policy = rg.runtime.current.policy
  const mine = await rg.tokens.service.create('alice', { validForDays: 5 }, policy)
  const bobs = await rg.tokens.service.create('bob', {}, policy)
  const ok = await api(rg.url, '/user/refresh', { method: 'PUT', auth: basic('alice', 'alice-pw'), body: { id: mine.record.id } })
  t.equal(ok.status, 200)
  t.equal(ok.json()['id'], mine.record.id)
  const other = await api(rg.url, '/user/refresh', { method: 'PUT', auth: basic('alice', 'alice-pw'), body: { id: bobs.record.id } })
  t.equal(other.status, 404)
  t.equal(other.json()['code'], 'RG_ERR_UNKNOWN_ID')
  const both = await api(rg.url, '/user/refresh', { method: 'PUT', auth: basic('alice', 'alice-pw'), body: { id: mine.record.id, apiToken: mine.secret } })
  t.equal(both.status, 400)
})
