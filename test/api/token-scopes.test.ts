// restgate's additions to the Kantega-shaped create: `scope` and `paths`, listed as extra fields; the
// policy's apiTokens.scopes.allowWrite decides who may create write tokens. Every refusal is a 400 with the
// reason, and the store is left as it was.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, type PolicyInput } from '../helpers/restgate.js'
import { api, basic } from '../helpers/tokens.js'

type T = Parameters<typeof startStubJira>[0]

async function setup(t: T, extra: PolicyInput = {}) {
  const stub = await startStubJira(t)
  for (const u of ['alice', 'bob', 'root']) stub.users.set(u, { password: `${u}-pw` })
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, { directory: { admins: { users: ['root'] }, groups: { writers: ['alice'] } }, ...extra }),
  )
  return { stub, rg, alice: basic('alice', 'alice-pw'), bob: basic('bob', 'bob-pw'), root: basic('root', 'root-pw') }
}

t.test('create with scope and paths: stored, answered, listed (user and admin lists); Kantega fields unchanged', async (t) => {
  const { rg, alice, root } = await setup(t)
  const res = await api(rg.url, '/user/tokens', {
    method: 'POST',
    auth: alice,
    body: { tokenName: 'reporting', scope: 'read', paths: ['/rest/api/2/search', '/rest/api/2/issue/**'] },
  })
  t.equal(res.status, 201)
  const created = res.json()
  t.equal(created['scope'], 'read')
  t.same(created['paths'], ['/rest/api/2/search', '/rest/api/2/issue/**'])
  const record = await rg.store.getToken(created['id'] as number)
  t.equal(record?.scope, 'read')
  t.same(record?.paths, ['/rest/api/2/search', '/rest/api/2/issue/**'])

  const mine = (await api(rg.url, '/user/tokens', { auth: alice })).json<{ allApiTokens: Array<Record<string, unknown>> }>().allApiTokens
  t.match(mine[0], { id: created['id'], tokenName: 'reporting', scope: 'read', paths: ['/rest/api/2/search', '/rest/api/2/issue/**'], username: 'alice', validForDays: '30' })
  const all = (await api(rg.url, '/admin/tokens', { auth: root })).json<{ allApiTokens: Array<Record<string, unknown>> }>()
  t.match(all.allApiTokens.find((x) => x['id'] === created['id']), { scope: 'read', paths: ['/rest/api/2/search', '/rest/api/2/issue/**'] })

  const plain = (await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: {} })).json()
  t.equal(plain['scope'], 'write', 'no scope asked: write, as Kantega-shaped requests always were')
  t.equal(plain['paths'], null)
})

t.test('apiTokens.scopes.allowWrite: members and admins create write tokens; others read only, asking for write is a 400 with the reason', async (t) => {
  const { rg, alice, bob, root } = await setup(t, { apiTokens: { scopes: { allowWrite: ['writers'] } } })
  t.equal((await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: { scope: 'write' } })).json()['scope'], 'write', 'member')
  t.equal((await api(rg.url, '/user/tokens', { method: 'POST', auth: root, body: { scope: 'write' } })).json()['scope'], 'write', 'admin')
  const before = JSON.stringify(await rg.store.listTokens())
  const refused = await api(rg.url, '/user/tokens', { method: 'POST', auth: bob, body: { scope: 'write' } })
  t.equal(refused.status, 400)
  t.equal(refused.json()['code'], 'RG_ERR_BAD_REQUEST')
  t.match(refused.json()['message'], /read tokens only.*writers \(apiTokens\.scopes\.allowWrite\)/)
  t.equal(JSON.stringify(await rg.store.listTokens()), before, 'nothing created')
  const dflt = await api(rg.url, '/user/tokens', { method: 'POST', auth: bob, body: {} })
  t.equal(dflt.status, 201)
  t.equal(dflt.json()['scope'], 'read', 'no scope asked: read for a user outside allowWrite')
  t.equal((await api(rg.url, '/user/tokens', { method: 'POST', auth: bob, body: { scope: 'read' } })).json()['scope'], 'read')
})

t.test('bad scope or paths: a 400 naming the field, and nothing stored', async (t) => {
  const { rg, alice } = await setup(t)
  const cases: Array<[unknown, RegExp]> = [
    [{ scope: 'admin' }, /body\.scope must be "read" or "write"/],
    [{ scope: 1 }, /body\.scope must be "read" or "write"/],
    [{ paths: [] }, /body\.paths must be a list of 1 to 50 path globs/],
    [{ paths: '/rest/**' }, /body\.paths must be a list/],
    [{ paths: [''] }, /body\.paths\.0 must be a path glob/],
    [{ paths: ['rest/api'] }, /paths: "rest\/api" must start with \//],
    [{ paths: ['/rest/x**'] }, /must be a whole segment/],
    [{ paths: ['/secure/**'] }, /"\/secure\/\*\*" reaches beyond where API tokens are accepted \(apiTokens\.paths: \/rest\/\*\*\)/],
    [{ paths: ['/**'] }, /reaches beyond/],
  ]
  for (const [body, message] of cases) {
    const res = await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body })
    t.equal(res.status, 400, JSON.stringify(body))
    t.equal(res.json()['code'], 'RG_ERR_BAD_REQUEST')
    t.match(res.json()['message'], message, JSON.stringify(body))
  }
  t.same(await rg.store.listTokens(), [], 'nothing stored')
})
