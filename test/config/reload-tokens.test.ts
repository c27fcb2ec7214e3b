// A saved policy file changes the API token rules of a running restgate at once: networks, paths, the
// on/off switch and who may hold tokens. The token code reads the request's policy, never a start-up copy.
import t from 'tap'
import { join } from 'node:path'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, writePolicy, type PolicyInput } from '../helpers/restgate.js'
import { api, basic, bearer, createToken } from '../helpers/tokens.js'
import { tempDir } from '../helpers/tmp.js'

t.test('token networks, paths, enabled and creators follow a file save', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const dir = tempDir(t)
  const policy = (apiTokens: PolicyInput, groups: string[] = ['alice']): PolicyInput =>
    testPolicy(stub.url, {
      store: { path: join(dir, 'data', 'restgate.db') },
      apiTokens: { creators: { groups: ['api-users'] }, ...apiTokens },
      directory: { groups: { 'api-users': groups } },
    })
  const rg = await startRestgate(t, policy({}), { dir, watch: { debounceMs: 20 } })
  let generation = 1
  const save = async (p: PolicyInput): Promise<void> => {
    writePolicy(dir, p)
    generation++
    await rg.logs.waitFor((l) => l['msg'] === 'policy reloaded' && l['generation'] === generation)
  }
  const tok = await createToken(rg.url, basic('alice', 'alice-pw'))
  const use = async (path = '/rest/api/2/issue/X-1') => {
    const res = await api(rg.url, path, { auth: bearer(tok.apiToken) })
    return res.status === 200 ? 200 : `${res.status} ${res.json()['code']}`
  }
  t.equal(await use(), 200, 'the token works under the first policy')

  await save(policy({ networks: { allow: ['10.0.0.0/8'] } }))
  t.equal(await use(), '403 RG_ERR_TOKEN_NETWORK', 'apiTokens.networks in force')

  await save(policy({ paths: ['/rest/agile/**'] }))
  t.equal(await use('/rest/agile/1.0/board'), 200, 'networks back to any')
  t.not(await use(), 200, 'a path outside apiTokens.paths no longer takes the token')

  await save(policy({ enabled: false }))
  t.equal(await use(), '401 RG_ERR_TOKEN_INVALID', 'apiTokens.enabled: false refuses restgate tokens')

  await save(policy({}, []))
  t.equal(await use(), '401 RG_ERR_TOKEN_INACTIVE', 'alice left api-users: her token is inactive')

  await save(policy({}))
  t.equal(await use(), 200, 'back in the group: the same token works again')
})
