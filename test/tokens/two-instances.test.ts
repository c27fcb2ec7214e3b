// Two restgate processes on one Redis: a token made on one works on the other, a revocation on one is
// refused by the other within a second (its cache is told), and an instance with another hash key is
// stopped at start instead of refusing every token.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { startStubJira } from '../helpers/stub-jira.js'
import { spawnRestgate, startRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { api, basic, bearer, createToken } from '../helpers/tokens.js'
import { CLI } from '../helpers/paths.js'
import { spawnSync } from 'node:child_process'
import { freePort } from '../helpers/ports.js'

t.test('revoked on A, refused by B within a second', async (t) => {
  const redis = await startRedis(t)
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const dir = tempDir(t)
  const keyFile = join(dir, 'token-hash.key')
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 })
  const store = { type: 'redis', path: join(dir, 'unused.db'), redis: { url: redis.url, keyPrefix: uniquePrefix('two') } }
  const policy = testPolicy(stub.url, { store, apiTokens: { hashKeyFile: keyFile } })
  const a = await startRestgate(t, policy)
  // A spawned process listens where its policy says: a free port, not the test policy's 8000.
  const b = await spawnRestgate(t, writePolicy(tempDir(t), testPolicy(stub.url, { ...policy, server: { port: await freePort() } })))

  const tok = await createToken(a.url, basic('alice', 'alice-pw'), { tokenName: 'shared' })
  const onB = await httpRequest(`${b.url}/rest/api/2/issue/X`, { headers: { authorization: bearer(tok.apiToken) } })
  t.equal(onB.status, 200, 'made on A, works on B')
  t.equal((await httpRequest(`${b.url}/rest/api/2/issue/X`, { headers: { authorization: bearer(tok.apiToken) } })).status, 200, 'now cached on B')

  const del = await api(a.url, `/user/delete/${tok.id}`, { method: 'DELETE', auth: basic('alice', 'alice-pw') })
  t.equal(del.status, 200)
  const started = Date.now()
  let status = 200
  while (status === 200 && Date.now() - started < 2000) {
    status = (await httpRequest(`${b.url}/rest/api/2/issue/X`, { headers: { authorization: bearer(tok.apiToken) } })).status
    if (status === 200) await new Promise((r) => setTimeout(r, 10))
  }
  const elapsed = Date.now() - started
  t.equal(status, 401, 'B refuses the revoked token')
  t.ok(elapsed < 1000, `B refused it ${elapsed} ms after the revocation`)
})

t.test('an instance whose hash key differs from the store\'s does not start', async (t) => {
  const redis = await startRedis(t)
  const stub = await startStubJira(t)
  const keyPrefix = uniquePrefix('keys')
  const policyWith = (key: string, port: number) => {
    const dir = tempDir(t)
    const keyFile = join(dir, 'key')
    writeFileSync(keyFile, key, { mode: 0o600 })
    return writePolicy(dir, testPolicy(stub.url, {
      server: { port },
      store: { type: 'redis', path: join(dir, 'x.db'), redis: { url: redis.url, keyPrefix } },
      apiTokens: { hashKeyFile: keyFile },
    }))
  }
  const first = await spawnRestgate(t, policyWith('a'.repeat(40), await freePort()))
  t.ok(first.url)
  const second = spawnSync(process.execPath, [CLI, '--config', policyWith('b'.repeat(40), await freePort())], { encoding: 'utf8', timeout: 20000 })
  t.equal(second.status, 1)
  t.match(second.stderr, /hash key differs .* same apiTokens\.hashKeyFile/)
})
