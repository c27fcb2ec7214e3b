// identity.groupsHeader on forwarded requests: the caller's groups from the directory the policy names,
// one Jira lookup per user per cacheSeconds (none on a cache hit), names encoded so a comma inside a name
// can never add a group, and nothing at all when the policy sends no groups header.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { MYSELF_PATH } from '../../src/directory/upstream.js'
import { groupsHeaderValue } from '../../src/upstream/identity.js'
import type { Authenticator } from '../../src/auth/types.js'

const byHeader: Authenticator = {
  name: 'test-user',
  authenticate: (req) => {
    const user = req.headers['x-test-user']
    return typeof user === 'string' ? { identity: { user, method: 'token' }, consumed: 'authorization' } : undefined
  },
}

t.test('groups header: static groups, then Jira groups after a reload, cached', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'x', groups: ['jira-users', 'jira-software-users'] })
  const staticPolicy = testPolicy(stub.url, { identity: { groupsHeader: 'X-Forwarded-Groups' }, directory: { groups: { devs: ['alice'], ops: ['alice', 'bob'] } } })
  const rg = await startRestgate(t, staticPolicy, { authenticators: [byHeader], watch: { debounceMs: 20 } })
  const call = async (user: string) => {
    await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { 'x-test-user': user, 'X-Forwarded-Groups': 'jira-administrators' } })
    return stub.requests.filter((r) => r.url === '/rest/api/2/issue/X-1').at(-1)!
  }
  t.equal((await call('alice')).headers['x-forwarded-groups'], 'devs,ops', 'static groups; the client copy was removed')
  t.equal((await call('carol')).headers['x-forwarded-groups'], '', 'no groups: an empty header, never the client copy')
  t.equal(stub.requests.filter((r) => r.url === MYSELF_PATH).length, 0, 'the static directory never asks Jira')

  writePolicy(rg.dir, testPolicy(stub.url, { identity: { groupsHeader: 'X-Forwarded-Groups' }, directory: { source: 'upstream' } }))
  await rg.logs.waitFor((l) => l['msg'] === 'policy reloaded')
  t.equal((await call('alice')).headers['x-forwarded-groups'], 'jira-users,jira-software-users', 'groups from Jira')
  await call('alice')
  await call('alice')
  t.equal(stub.requests.filter((r) => r.url === MYSELF_PATH).length, 1, 'three forwarded requests, one lookup: cache hits cost no round trip')
})

t.test('no groups header in the policy: no header and no lookup', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'x', groups: ['jira-users'] })
  const rg = await startRestgate(t, testPolicy(stub.url, { directory: { source: 'upstream' } }), { authenticators: [byHeader], watch: false })
  await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { 'x-test-user': 'alice' } })
  const seen = stub.requests.at(-1)!
  t.equal(seen.url, '/rest/api/2/issue/X-1')
  t.equal(seen.headers['x-forwarded-groups'], undefined)
  t.equal(stub.requests.filter((r) => r.url === MYSELF_PATH).length, 0)
})

t.test('group names are encoded: a comma or a non-ASCII character cannot add or break a group', async (t) => {
  t.equal(groupsHeaderValue(['jira-users', 'x,jira-administrators', '100%', 'Entwickler-Ü', 'Ĭ', 'a b']), 'jira-users,x%2Cjira-administrators,100%25,Entwickler-%C3%9C,%C4%AC,a b')
  t.equal(groupsHeaderValue(['ok', 'bad\ud800', 'tab\there']), 'ok,tab%09here', 'a lone surrogate cannot be sent faithfully: left out')
  t.equal(groupsHeaderValue([]), '')

  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'x', groups: ['x,jira-administrators', 'Entwickler-Ü'] })
  const rg = await startRestgate(t, testPolicy(stub.url, { identity: { groupsHeader: 'X-Groups' }, directory: { source: 'upstream' } }), {
    authenticators: [byHeader],
    watch: false,
  })
  const res = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { 'x-test-user': 'alice' } })
  t.equal(res.status, 200, 'a name undici could not send as a header does not break the request')
  t.equal(stub.requests.at(-1)!.headers['x-groups'], 'x%2Cjira-administrators,Entwickler-%C3%9C')
})
