// Sessions live in the store: a restarted restgate keeps them (embedded and Redis), and instances on one
// Redis share them; a logout on one is refused by the other within a second.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startStubJira } from '../helpers/stub-jira.js'
import { spawnRestgate, startRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { SESSION_PATH, loginCookie } from '../helpers/sessions.js'

const issue = (url: string, cookie: string) => httpRequest(`${url}/rest/api/2/issue/X-1`, { headers: { cookie } })

t.test('embedded: a session survives a restart of restgate', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const policy = testPolicy(stub.url)
  const first = await startRestgate(t, policy, { dir })
  const { secret } = await first.tokens.service.create('alice', {}, first.runtime.current.policy)
  const cookie = await loginCookie(first.url, 'alice', secret)
  t.equal((await issue(first.url, cookie)).status, 200)
  await first.close()
  const second = await startRestgate(t, policy, { dir })
  t.equal((await issue(second.url, cookie)).status, 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
})

t.test('redis: two instances share sessions; logout on one ends it on the other; a restart keeps the rest', async (t) => {
  const redis = await startRedis(t)
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const keyFile = join(dir, 'token-hash.key')
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 })
  const store = { type: 'redis', path: join(dir, 'unused.db'), redis: { url: redis.url, keyPrefix: uniquePrefix('sessions') } }
  const policy = testPolicy(stub.url, { store, apiTokens: { hashKeyFile: keyFile } })
  const a = await startRestgate(t, policy)
  const b = await spawnRestgate(t, writePolicy(tempDir(t), policy))

  const { secret } = await a.tokens.service.create('alice', {}, a.runtime.current.policy)
  const cookie = await loginCookie(a.url, 'alice', secret)
  const kept = await loginCookie(b.url, 'alice', secret)
  t.equal((await issue(b.url, cookie)).status, 200, 'made on A, works on B')
  t.equal((await issue(b.url, cookie)).status, 200, 'and again from B\'s cache')
  t.equal((await issue(a.url, kept)).status, 200, 'made on B, works on A')

  t.equal((await httpRequest(`${a.url}${SESSION_PATH}`, { method: 'DELETE', headers: { cookie } })).status, 204)
  const started = Date.now()
  let status = 200
  while (status === 200 && Date.now() - started < 2000) {
    status = (await issue(b.url, cookie)).status
    if (status === 200) await new Promise((r) => setTimeout(r, 10))
  }
  const elapsed = Date.now() - started
  t.equal(status, 401, 'B refuses the ended session')
  t.ok(elapsed < 1000, `B refused it ${elapsed} ms after the logout`)

  await a.close()
  const c = await startRestgate(t, policy)
  t.equal((await issue(c.url, kept)).status, 200, 'a restarted instance still knows the other session')
  t.equal((await issue(c.url, cookie)).status, 401)
})
