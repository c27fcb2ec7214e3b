// restgate on the embedded store while its file system is full, over HTTP as clients see it: no 201 for a
// token that was not stored, no 200 for a deletion, refresh, logout, lockout clear or snapshot that did not
// happen, each answered 503 RG_ERR_STORE_UNAVAILABLE instead. Once there is space again, the token whose
// deletion was refused still works (as the 503 said), none of the refused tokens exists, and the same calls
// succeed. /readyz, /metrics and the audit stream say what happened.
import t from 'tap'
import { join } from 'node:path'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { IS_ROOT, NEEDS_ROOT, mountSmallDisk } from '../helpers/disk.js'
import { api, basic, bearer, createToken } from '../helpers/tokens.js'
import { SESSION_PATH, loginCookie, postLogin } from '../helpers/sessions.js'
import { counterValue, gaugeValue } from '../helpers/metrics.js'

const ALICE = basic('alice', 'alice-pw')
const ROOT = basic('root', 'root-pw')
const UNAVAILABLE = { code: 'RG_ERR_STORE_UNAVAILABLE', message: 'The restgate store is unavailable: try again shortly' }

t.test('disk full: every write a client would be told about is 503, none is lost or resurrected', { skip: IS_ROOT ? false : NEEDS_ROOT }, async (t) => {
  const disk = mountSmallDisk(t)
  const stub = await startStubJira(t)
  for (const u of ['alice', 'root']) stub.users.set(u, { password: `${u}-pw` })
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, {
      server: { admin: { enabled: true } },
      store: { path: join(disk.dir, 'restgate.db') },
      directory: { admins: { users: ['root'] } },
    }),
  )
  const works = async (secret: string): Promise<number> =>
    (await httpRequest(`${rg.url}/rest/api/2/issue/X`, { headers: { authorization: bearer(secret) } })).status
  const revoked = await createToken(rg.url, ALICE, { tokenName: 'to revoke' })
  const byAdmin = await createToken(rg.url, ALICE, { tokenName: 'admin deletes it' })
  const cookie = await loginCookie(rg.url, 'alice', revoked.apiToken)
  const damaged = revoked.apiToken.slice(0, 10) + (revoked.apiToken[10] === 'A' ? 'B' : 'A') + revoked.apiToken.slice(11)
  t.equal((await postLogin(rg.url, { username: 'alice', password: damaged })).status, 401, 'a failed login, counted, to clear later')

  disk.fill()
  t.equal(disk.available(), 0, 'not one byte left')
  const refused = async (what: string, call: Promise<{ status: number; json(): unknown }>): Promise<void> => {
    const res = await call
    t.equal(res.status, 503, `${what}: 503`)
    t.same(res.json(), UNAVAILABLE, `${what}: says why`)
  }
  for (let i = 0; i < 5; i++) await refused(`create #${i + 1}`, api(rg.url, '/user/tokens', { method: 'POST', auth: ALICE, body: { tokenName: `lost-${i}` } }))
  await refused('user delete', api(rg.url, `/user/delete/${revoked.id}`, { method: 'DELETE', auth: ALICE }))
  await refused('admin delete', api(rg.url, `/admin/delete/${byAdmin.id}`, { method: 'DELETE', auth: ROOT }))
  await refused('refresh', api(rg.url, '/user/refresh', { method: 'PUT', auth: ALICE, body: { id: revoked.id } }))
  await refused('session login', postLogin(rg.url, { username: 'alice', password: revoked.apiToken }))
  await refused('logout', httpRequest(`${rg.url}${SESSION_PATH}`, { method: 'DELETE', headers: { cookie } }))
  await refused('lockout clear', api(rg.url, '/rest/ksso/api/lockout/1.0/alice', { method: 'DELETE', auth: ROOT }))
  await refused('snapshot', api(rg.url, '/rest/ksso/api/snapshot/1.0/config/snapshot', { method: 'POST', auth: ROOT }))
  t.equal(await works(revoked.apiToken), 200, 'tokens in the store still authenticate: reads go on')

  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 503)
  t.match(ready.json(), { status: 'not ready', store: /^error: refuses writes \(disk-full\)/ })
  const metrics = (await httpRequest(`${rg.adminUrl}/metrics`)).body.toString()
  t.match(metrics, /restgate_store_errors_total\{operation="createToken",kind="disk-full"\} 5/)
  t.match(metrics, /restgate_store_up 0/)
  const audit = rg.logs.lines.filter((l) => l['audit'] === true && l['event'] === 'store.write-refused')
  t.ok(audit.some((l) => l['operation'] === 'deleteToken' && l['kind'] === 'disk-full'), 'the refused revocation is on the audit stream')

  disk.free()
  t.equal(await works(revoked.apiToken), 200, 'the token whose deletion was refused works, as its 503 said')
  const listed = await api(rg.url, '/user/tokens', { auth: ALICE })
  t.same(listed.json<{ allApiTokens: Array<{ tokenName: string }> }>().allApiTokens.map((x) => x.tokenName).sort(), ['admin deletes it', 'to revoke'], 'none of the refused tokens exists')
  t.equal((await httpRequest(`${rg.adminUrl}/readyz`)).status, 200, 'ready once there is space')
  t.equal(await gaugeValue(rg.metrics.storeUp), 1)

  t.equal((await api(rg.url, `/user/delete/${revoked.id}`, { method: 'DELETE', auth: ALICE })).status, 200)
  t.equal(await works(revoked.apiToken), 401, 'a deletion confirmed now is one')
  t.equal((await api(rg.url, `/admin/delete/${byAdmin.id}`, { method: 'DELETE', auth: ROOT })).status, 200)
  t.equal((await api(rg.url, '/user/tokens', { method: 'POST', auth: ALICE, body: {} })).status, 201)
  t.equal(await counterValue(rg.metrics.storeErrors, { operation: 'createToken', kind: 'disk-full' }), 5)
})
