// snapshot/1.0/config/snapshot/ as Kantega SSO 5.7 scripts see it: the list's fields, saving, downloading,
// restoring (the file's bytes, its mode, the backup, the reload), refusing what does not validate with
// nothing changed, administrators only, retention, and the upgrade backup at start-up, on both stores.
import t from 'tap'
import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { startStubJira, type StubJira } from '../helpers/stub-jira.js'
import { deepMerge, startRestgate, testPolicy, writePolicy, type PolicyInput, type TestRestgate } from '../helpers/restgate.js'
import { api, basic } from '../helpers/tokens.js'
import { httpRequest } from '../helpers/http.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { snapshotBaseId } from '../../src/snapshots/id.js'
import { VERSION_META } from '../../src/snapshots/service.js'
import { readVersion } from '../../src/version.js'
import type { StartOptions } from '../../src/main.js'

type T = Parameters<typeof startStubJira>[0]

const SNAP = '/rest/ksso/api/snapshot/1.0/config/snapshot'
const T0 = Date.UTC(2026, 10, 23, 9, 40, 7, 250)
const ROOT = basic('root', 'root-pw')
const ALICE = basic('alice', 'alice-pw')

interface Setup {
  stub: StubJira
  rg: TestRestgate
  dir: string
  policy: (more?: PolicyInput) => PolicyInput
}

type StoreKind = 'embedded' | 'redis'

async function setup(t: T, extra: PolicyInput = {}, options: Partial<StartOptions> & { dir?: string; stub?: StubJira; storeKind?: StoreKind; redisUrl?: string; keyPrefix?: string } = {}): Promise<Setup> {
  const stub = options.stub ?? (await startStubJira(t))
  for (const u of ['root', 'alice']) stub.users.set(u, { password: `${u}-pw` })
  const dir = options.dir ?? tempDir(t)
  const store =
    options.storeKind === 'redis'
      ? { type: 'redis', path: join(dir, 'data', 'restgate.db'), redis: { url: options.redisUrl, keyPrefix: options.keyPrefix } }
      : { path: join(dir, 'data', 'restgate.db') }
  const policy = (more: PolicyInput = {}) => testPolicy(stub.url, deepMerge({ store, directory: { admins: { users: ['root'] } }, ...extra }, more))
  const { storeKind: _k, redisUrl: _u, keyPrefix: _p, stub: _s, ...startOptions } = options
  const rg = await startRestgate(t, policy(), { dir, watch: { debounceMs: 20 }, ...startOptions })
  return { stub, rg, dir, policy }
}

const reloadedTo = (generation: number) => (l: Record<string, unknown>) => l['msg'] === 'policy reloaded' && l['generation'] === generation

type View = Record<string, unknown> & { id: string; description: string; readable: boolean; timeMillis: number }

async function list(rg: TestRestgate): Promise<View[]> {
  const res = await api(rg.url, `${SNAP}/`, { auth: ROOT })
  if (res.status !== 200) throw new Error(`list: ${res.status} ${res.body.toString()}`)
  return res.json()
}

async function save(rg: TestRestgate, description?: string): Promise<View> {
  const q = description === undefined ? '' : `?description=${encodeURIComponent(description)}`
  const res = await api(rg.url, `${SNAP}/${q}`, { method: 'POST', auth: ROOT })
  if (res.status !== 200) throw new Error(`save: ${res.status} ${res.body.toString()}`)
  return res.json()
}

const restore = (rg: TestRestgate, id: string, auth = ROOT) => api(rg.url, `${SNAP}/restore/${id}`, { method: 'POST', auth })

t.test('save and list: Kantega 5.7 fields, newest first, ids unique within one second, YAML download', async (t) => {
  const { rg } = await setup(t, {}, { clock: { now: () => T0 } })
  const first = await save(rg, 'before the change')
  const base = snapshotBaseId(T0)
  t.same(Object.keys(first).sort(), ['applicationName', 'applicationVersion', 'baseUrl', 'description', 'filename', 'id', 'pluginVersion', 'readable', 'timeMillis'])
  t.same(first, {
    applicationName: 'JIRA',
    applicationVersion: '',
    pluginVersion: readVersion(),
    baseUrl: rg.url,
    timeMillis: T0,
    description: 'before the change',
    filename: `${base}.yaml`,
    id: base,
    readable: true,
  })
  const second = await save(rg)
  t.equal(second.id, `${base}-2`, 'the same second: a suffix, never the same id')
  t.equal(second.description, second.id, 'no description: the id')
  const latest = await api(rg.url, '/rest/ksso/api/snapshot/latest/config/snapshot', { method: 'POST', auth: ROOT })
  t.equal(latest.status, 200, 'also under latest, without the trailing slash')
  t.same((await list(rg)).map((s) => s.id), [`${base}-3`, `${base}-2`, base], 'newest first')

  const yaml = await api(rg.url, `${SNAP}/${base}`, { auth: ROOT })
  t.equal(yaml.status, 200)
  t.match(yaml.headers['content-type'], /^application\/yaml/)
  t.equal(yaml.headers['content-disposition'], `attachment; filename="${base}.yaml"`)
  t.equal(yaml.body.toString(), rg.runtime.current.text, 'the policy text in force, as saved')
  t.equal(yaml.body.toString(), readFileSync(rg.configPath, 'utf8'))

  const long = await api(rg.url, `${SNAP}/?description=${'x'.repeat(1001)}`, { method: 'POST', auth: ROOT })
  t.equal(long.status, 400)
  t.equal(long.json()['code'], 'RG_ERR_BAD_REQUEST')
  t.equal((await list(rg)).length, 3, 'a refused save saves nothing')
})

t.test('a description sent as a JSON body is saved, never ignored; anything else in a body is refused', async (t) => {
  const { rg } = await setup(t)
  const res = await api(rg.url, `${SNAP}/`, { method: 'POST', auth: ROOT, body: { description: 'before LDAP' } })
  t.equal(res.status, 200)
  t.equal(res.json()['description'], 'before LDAP')
  const empty = await api(rg.url, `${SNAP}/?description=from+the+query`, { method: 'POST', auth: ROOT, body: '' })
  t.equal(empty.status, 200, 'zero bytes of JSON are no body')
  t.equal(empty.json()['description'], 'from the query')
  const saved = (await list(rg)).length
  const refused: Array<[string, string, Record<string, unknown> | string, string | undefined, RegExp]> = [
    ['both the query and the body', '?description=a', { description: 'b' }, undefined, /once/],
    ['an unknown field', '', { descripton: 'typo' }, undefined, /body\.descripton is not a known field/],
    ['a description that is not text', '', { description: 5 }, undefined, /body\.description must be a text/],
    ['a plain-text body', '', 'before LDAP', 'text/plain', /must be a JSON object/],
    ['a form', '', 'description=x', 'application/x-www-form-urlencoded', /content type/i],
  ]
  for (const [what, query, body, type, message] of refused) {
    const r = await api(rg.url, `${SNAP}/${query}`, { method: 'POST', auth: ROOT, body, headers: type === undefined ? {} : { 'content-type': type } })
    t.equal(r.status, r.json()['code'] === 'RG_ERR_UNSUPPORTED_MEDIA_TYPE' ? 415 : 400, what)
    t.match(r.json()['message'], message, what)
  }
  t.equal((await list(rg)).length, saved, 'a refused save saves nothing')
})

for (const storeKind of ['embedded', 'redis'] as const) {
  t.test(`restore round trip (${storeKind}): the snapshot's bytes, the file's mode, a backup of what it replaced, reloaded`, async (t) => {
    const redis = storeKind === 'redis' ? await startRedis(t) : undefined
    const { rg, dir, policy } = await setup(t, {}, { storeKind, redisUrl: redis?.url, keyPrefix: uniquePrefix('snap') })
    chmodSync(rg.configPath, 0o640)
    const original = readFileSync(rg.configPath)
    const saved = await save(rg, 'known good')
    t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 200, 'anonymous passes under the saved policy')

    // Someone edits the file by hand (comments and all); it reloads.
    const edited = `# edited by hand\n${stringify(policy({ anonymous: 'deny' }))}`
    writePolicy(dir, edited)
    await rg.logs.waitFor(reloadedTo(2))
    t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 401)

    const res = await restore(rg, saved.id)
    t.equal(res.status, 200, res.body.toString())
    const body = res.json<{ snapshot: View; backup: View; generation: number; restartPending: string[] }>()
    t.equal(body.snapshot.id, saved.id)
    t.equal(body.backup.description, `Backup before restore of ${saved.id}`)
    t.equal(body.generation, 3)
    t.same(body.restartPending, [])

    t.ok(readFileSync(rg.configPath).equals(original), 'the file holds the snapshot byte for byte')
    t.equal(statSync(rg.configPath).mode & 0o777, 0o640, 'with the mode it had')
    t.same(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind')
    t.equal(rg.runtime.current.generation, 3)
    t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 200, 'the restored policy is in force')

    const backup = await api(rg.url, `${SNAP}/${body.backup.id}`, { auth: ROOT })
    t.equal(backup.body.toString(), edited, 'the backup holds the hand-edited file, comments included')
    const all = await list(rg)
    t.same(all.map((s) => s.id), [body.backup.id, saved.id])
    t.same((await rg.store.listSnapshots()).map((s) => s.automatic), [true, false], 'the backup is automatic')
    const audit = rg.logs.lines.find((l) => l['event'] === 'snapshot.restore')
    t.match(audit, { audit: true, actor: 'root', via: 'api', snapshotId: saved.id, backupId: body.backup.id })
  })
}

t.test('restoring over a broken file recovers: the broken text is kept as the backup, stale clears', async (t) => {
  const { rg, dir } = await setup(t, { server: { admin: { enabled: true } } })
  const saved = await save(rg, 'good')
  const broken = `${readFileSync(rg.configPath, 'utf8')}anonymous: maybe\n`
  writePolicy(dir, broken)
  await rg.logs.waitFor((l) => l['msg'] === 'policy reload refused: keeping the policy in force')
  t.match((await httpRequest(`${rg.adminUrl}/readyz`)).json()['config'], /^stale: /)

  const res = await restore(rg, saved.id)
  t.equal(res.status, 200, res.body.toString())
  t.equal(rg.runtime.stale, null, 'the file matches the policy in force again')
  t.equal((await httpRequest(`${rg.adminUrl}/readyz`)).json()['config'], 'ok')
  const backupId = res.json<{ backup: View }>().backup.id
  t.equal((await api(rg.url, `${SNAP}/${backupId}`, { auth: ROOT })).body.toString(), broken, 'the broken edit is not lost')
  t.equal((await list(rg)).find((s) => s.id === backupId)!.readable, false)
})

t.test('a snapshot that does not validate is refused with 409 and nothing changes', async (t) => {
  const { rg, dir } = await setup(t)
  const good = rg.runtime.current.text
  const bad = [
    ['sso-snapshot-2020-01-01-00_00_00', `${good}bogus: 1\n`, /bogus \(line \d+\): unknown key/],
    ['sso-snapshot-2020-01-01-00_00_01', `${good}identity:\n  signing:\n    keyFile: ${join(dir, 'missing.key')}\n`, /identity\.signing\.keyFile/],
    ['sso-snapshot-2020-01-01-00_00_02', 'anonymous: [\n', /YAML syntax/],
  ] as const
  for (const [id, text] of bad) {
    await rg.store.saveSnapshot({ id, timeMillis: Date.UTC(2020, 0, 1), description: 'old', automatic: false, version: '0.0.1', text })
  }
  const fileBefore = readFileSync(rg.configPath)
  const listBefore = await list(rg)
  t.same(listBefore.map((s) => s.readable), [false, false, false], 'the list says they cannot be restored')

  for (const [id, , problem] of bad) {
    const res = await restore(rg, id)
    t.equal(res.status, 409)
    t.equal(res.json()['code'], 'RG_ERR_SNAPSHOT_UNREADABLE')
    t.match(res.json()['message'], new RegExp(`^Snapshot ${id} cannot be restored, nothing was changed: `))
    t.match(res.json()['message'], problem)
  }
  t.ok(readFileSync(rg.configPath).equals(fileBefore), 'the policy file is unchanged')
  t.same(await list(rg), listBefore, 'no backup was taken')
  t.equal(rg.runtime.current.generation, 1, 'no reload')

  const unknown = await restore(rg, 'sso-snapshot-2021-01-01-00_00_00')
  t.equal(unknown.status, 404)
  t.equal(unknown.json()['code'], 'RG_ERR_UNKNOWN_ID')
  t.equal((await api(rg.url, `${SNAP}/sso-snapshot-2021-01-01-00_00_00`, { auth: ROOT })).status, 404)
  const malformed = await restore(rg, 'sso-snapshot-yesterday')
  t.equal(malformed.status, 400)
  t.equal(malformed.json()['code'], 'RG_ERR_BAD_REQUEST')
  t.match(malformed.json()['message'], /^path parameter id must be a snapshot id like sso-snapshot-/)
  const traversal = await restore(rg, '..%2Frestgate.yaml')
  t.equal(traversal.status, 400)
  t.equal(traversal.json()['code'], 'RG_ERR_BAD_PATH')
  t.ok(readFileSync(rg.configPath).equals(fileBefore))
})

t.test('restgate administrators only: 401 without credentials, 403 for other users, nothing changes', async (t) => {
  const { rg } = await setup(t)
  const saved = await save(rg)
  const fileBefore = readFileSync(rg.configPath)
  const calls: Array<[string, string]> = [
    ['GET', `${SNAP}/`],
    ['POST', `${SNAP}/?description=mine`],
    ['GET', `${SNAP}/${saved.id}`],
    ['POST', `${SNAP}/restore/${saved.id}`],
  ]
  for (const [method, path] of calls) {
    const user = await api(rg.url, path, { method, auth: ALICE })
    t.equal(user.status, 403, `${method} ${path} as alice`)
    t.equal(user.json()['code'], 'RG_ERR_FORBIDDEN')
    const none = await api(rg.url, path, { method })
    t.equal(none.status, 401, `${method} ${path} anonymously`)
    t.equal(none.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  }
  t.same((await list(rg)).map((s) => s.id), [saved.id], 'nothing saved')
  t.ok(readFileSync(rg.configPath).equals(fileBefore), 'nothing restored')
})

t.test('snapshots.keep: automatic backups go first, then the oldest saved ones', async (t) => {
  let now = T0
  const { rg } = await setup(t, { snapshots: { keep: 3 } }, { clock: { now: () => now } })
  const step = () => (now += 1000)
  const m1 = await save(rg, 'm1')
  step()
  const m2 = await save(rg, 'm2')
  step()
  const restored = (await restore(rg, m1.id)).json<{ backup: View }>()
  t.same((await list(rg)).map((s) => s.description), [`Backup before restore of ${m1.id}`, 'm2', 'm1'])
  step()
  await save(rg, 'm3')
  t.same((await list(rg)).map((s) => s.description), ['m3', 'm2', 'm1'], `the backup ${restored.backup.id} went first`)
  step()
  await save(rg, 'm4')
  t.same((await list(rg)).map((s) => s.description), ['m4', 'm3', 'm2'], 'then the oldest saved one')
  t.equal(m2.description, 'm2')
  const deletions = rg.logs.lines.filter((l) => l['event'] === 'snapshot.delete').map((l) => l['snapshotId'])
  t.same(deletions, [restored.backup.id, m1.id], 'each deletion is audited')
})

for (const storeKind of ['embedded', 'redis'] as const) {
  t.test(`upgrade backup (${storeKind}): a start on a store last used by another version saves the policy first`, async (t) => {
    const redis = storeKind === 'redis' ? await startRedis(t) : undefined
    const stub = await startStubJira(t)
    const dir = tempDir(t)
    const options = { dir, stub, storeKind, redisUrl: redis?.url, keyPrefix: uniquePrefix('upgrade') }
    const first = await setup(t, {}, options)
    t.equal(await first.rg.store.getMeta(VERSION_META), readVersion(), 'a new store records the version')
    t.same(await first.rg.store.listSnapshots(), [], 'and takes no backup')
    await first.rg.store.setMeta(VERSION_META, '0.0.9')
    await first.rg.close()

    const second = await setup(t, {}, options)
    const snaps = await second.rg.store.listSnapshots()
    t.equal(snaps.length, 1)
    t.match(snaps[0], { description: `Backup before upgrade of config from version 0.0.9 to ${readVersion()}`, automatic: true, version: readVersion() })
    t.equal((await second.rg.store.getSnapshot(snaps[0]!.id))!.text, readFileSync(second.rg.configPath, 'utf8'))
    t.equal(await second.rg.store.getMeta(VERSION_META), readVersion())
    await second.rg.close()

    const third = await setup(t, {}, options)
    t.equal((await third.rg.store.listSnapshots()).length, 1, 'the same version again: no backup')
  })
}
