// restgate on Redis while Redis goes away and comes back: decisions that need the store fail closed with
// 503 JSON, tokens validated moments ago keep working until their cache TTL, /readyz says so, and
// everything recovers by itself once redis-server is back.
import t from 'tap'
import { join } from 'node:path'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { api, basic, bearer, createToken } from '../helpers/tokens.js'

t.test('store down: 503 for what needs it; back: works again without a restart', async (t) => {
  const redis = await startRedis(t, { persist: true })
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const dir = tempDir(t)
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, {
      server: { admin: { enabled: true } },
      store: { type: 'redis', path: join(dir, 'data', 'x.db'), redis: { url: redis.url, keyPrefix: uniquePrefix('outage') } },
    }),
    { dir },
  )
  const alice = basic('alice', 'alice-pw')
  const cached = await createToken(rg.url, alice, { tokenName: 'cached' })
  const cold = await createToken(rg.url, alice, { tokenName: 'cold' })
  t.equal((await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: bearer(cached.apiToken) } })).status, 200)

  await redis.stop()
  await rg.logs.waitFor((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('store connection lost'))
  const stubSeen = stub.requests.length
  const down = await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: bearer(cold.apiToken) } })
  t.equal(down.status, 503)
  t.match(down.headers['content-type'], /application\/json/)
  t.same(down.json(), { code: 'RG_ERR_STORE_UNAVAILABLE', message: 'The restgate store is unavailable: try again shortly' })
  t.equal(stub.requests.length, stubSeen, 'never passed on')
  const list = await api(rg.url, '/user/tokens', { auth: alice })
  t.equal(list.status, 503)
  t.equal(list.json()['code'], 'RG_ERR_STORE_UNAVAILABLE')
  const create = await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: {} })
  t.equal(create.status, 503)
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 503)
  t.match(ready.json(), { status: 'not ready', store: /^error: / })
  t.equal(
    (await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: bearer(cached.apiToken) } })).status,
    200,
    'a token validated moments ago keeps working until its cache TTL',
  )

  const mark = rg.logs.lines.length
  await redis.start()
  await rg.logs.waitFor((l) => l['msg'] === 'store connection ready' && rg.logs.lines.indexOf(l) >= mark, 5000)
  const back = await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: bearer(cold.apiToken) } })
  t.equal(back.status, 200, 'the token kept in Redis works again')
  const fresh = await createToken(rg.url, alice, { tokenName: 'after' })
  t.equal((await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: basic('alice', fresh.apiToken) } })).status, 200)
  t.equal((await httpRequest(`${rg.adminUrl}/readyz`)).status, 200)
})
