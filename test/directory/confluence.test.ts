// Confluence as a product (type: confluence) against the stub: restgate's own calls use Confluence's REST
// under its context path: the password check (/rest/api/user/current, where an anonymous 200 confirms
// nobody) and the groups (current user first, then memberof, paged); its personal access tokens pass.
import t from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import pino from 'pino'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { policyFrom } from '../helpers/policy.js'
import { basic } from '../helpers/tokens.js'
import { createUpstream } from '../../src/upstream/pool.js'
import { createUpstreamDirectory } from '../../src/directory/upstream.js'

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  return true
}

/** Confluence's user resources as the stub answers them: alice/pw, and X-Forwarded-User trusted. */
function confluence(groups: string[]) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url!, 'http://x')
    const forwarded = req.headers['x-forwarded-user'] as string | undefined
    const auth = req.headers.authorization
    if (url.pathname === '/wiki/rest/api/user/current') {
      if (forwarded !== undefined) return send(res, 200, { type: 'known', username: forwarded })
      if (auth === basic('alice', 'pw')) return send(res, 200, { type: 'known', username: 'alice', userKey: 'k1' })
      if (auth === basic('ghost', 'pw')) return send(res, 200, { type: 'anonymous' })
      return send(res, 401, { message: 'no' })
    }
    if (url.pathname === '/wiki/rest/api/user/memberof') {
      const start = Number(url.searchParams.get('start'))
      const limit = Number(url.searchParams.get('limit'))
      return send(res, 200, { results: groups.slice(start, start + limit).map((name) => ({ type: 'group', name })), start, limit, size: 0 })
    }
    return false
  }
}

t.test('a password is checked by Confluence under its context path', async (t) => {
  const stub = await startStubJira(t)
  stub.handle = confluence([])
  const rg = await startRestgate(t, testPolicy(`${stub.url}/wiki`, { upstream: { type: 'confluence' } }))
  const ok = await httpRequest(`${rg.url}/wiki/rest/ksso/api/apitokens/2.0/user/tokens`, { headers: { authorization: basic('alice', 'pw') } })
  t.equal(ok.status, 200)
  t.ok(stub.requests.some((r) => r.url === '/wiki/rest/api/user/current' && r.headers.authorization === basic('alice', 'pw')))
  t.notOk(stub.requests.some((r) => r.url.includes('/rest/api/2/myself')), "Jira's resource is never asked")
  const anonymous = await httpRequest(`${rg.url}/wiki/rest/ksso/api/apitokens/2.0/user/tokens`, { headers: { authorization: basic('ghost', 'pw') } })
  t.equal(anonymous.status, 401, 'an anonymous 200 confirms no password')
  t.equal(anonymous.json()['code'], 'RG_ERR_LOGIN_FAILED')
  const wrong = await httpRequest(`${rg.url}/wiki/rest/ksso/api/apitokens/2.0/user/tokens`, { headers: { authorization: basic('alice', 'nope') } })
  t.equal(wrong.status, 401)
})

t.test("Confluence's personal access tokens and its login form pass through untouched", async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(`${stub.url}/wiki`, { upstream: { type: 'confluence' } }))
  await httpRequest(`${rg.url}/wiki/rest/api/content`, { headers: { authorization: 'Bearer MDM0MjM5NDc2MDxxxxxxxxPAT' } })
  t.equal(stub.requests.at(-1)!.headers.authorization, 'Bearer MDM0MjM5NDc2MDxxxxxxxxPAT')
  await httpRequest(`${rg.url}/wiki/dologin.action`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'os_username=alice&os_password=pw' })
  const login = stub.requests.at(-1)!
  t.equal(login.url, '/wiki/dologin.action')
  t.equal(login.text, 'os_username=alice&os_password=pw')
})

t.test('groups come from Confluence: the current user must be the one asked about, then every page of memberof', async (t) => {
  const stub = await startStubJira(t)
  const many = Array.from({ length: 450 }, (_, i) => `g${i}`)
  stub.handle = confluence(many)
  const client = createUpstream(policyFrom(testPolicy(`${stub.url}/wiki`)).config.upstream!)
  t.teardown(() => client.close())
  const clock = { now: () => 1_700_000_000_000 }
  const directory = createUpstreamDirectory({ client, product: { name: 'wiki', type: 'confluence', contextPath: '/wiki' }, clock, logger: pino({ level: 'silent' }) })
  const policy = policyFrom(testPolicy(`${stub.url}/wiki`, { upstream: { type: 'confluence' }, directory: { source: 'upstream' } })).policy
  const groups = await directory.groupsOf('alice', policy)
  t.equal(groups.length, 450, 'three pages of 200')
  t.equal(stub.requests.filter((r) => r.url.startsWith('/wiki/rest/api/user/memberof?username=alice')).length, 3)
  t.equal(stub.requests[0]!.url, '/wiki/rest/api/user/current')

  // A Confluence that does not read the identity headers answers for someone else: nothing is granted.
  stub.handle = (req, res) => (req.url === '/wiki/rest/api/user/current' ? send(res, 200, { type: 'known', username: 'admin' }) : confluence(['wiki-admins'])(req, res))
  t.same(await directory.groupsOf('bob', policy), [], 'an answer about another user gives no groups')
  stub.handle = (req, res) => (req.url === '/wiki/rest/api/user/current' ? send(res, 200, { type: 'anonymous' }) : confluence(['wiki-admins'])(req, res))
  t.same(await directory.groupsOf('carol', policy), [], 'nor does an anonymous one')
})
