// A policy file restgate cannot replace (mounted read-only, as a ConfigMap or `docker run -v ...:ro` is, or
// a single file mounted on its own): found out at start and said in /readyz (still ready), and a restore
// is refused with 409 RG_ERR_POLICY_READ_ONLY and a reason, before anything is saved or written. Until
// now it answered 500 after the backup was saved.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { start, type Running } from '../../src/main.js'
import { replaceProblem } from '../../src/snapshots/replaceable.js'
import { startStubJira, type StubJira } from '../helpers/stub-jira.js'
import { testPolicy } from '../helpers/restgate.js'
import { createLogSink, type LogSink } from '../helpers/log-sink.js'
import { api, basic } from '../helpers/tokens.js'
import { httpRequest } from '../helpers/http.js'
import { bindMountFile, isRoot, readOnlyDir } from '../helpers/read-only.js'
import { CLI } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'

const SNAP = '/rest/ksso/api/snapshot/1.0/config/snapshot'
const ROOT = basic('root', 'root-pw')

function policyText(stub: StubJira, dataDir: string): string {
  return stringify(
    testPolicy(stub.url, {
      server: { admin: { enabled: true } },
      store: { path: join(dataDir, 'restgate.db') },
      directory: { admins: { users: ['root'] } },
    }),
  )
}

async function run(t: Test, configPath: string): Promise<Running & { logs: LogSink }> {
  const logs = createLogSink()
  const rg = await start({ configPath, logDestination: logs.stream, port: 0, adminPort: 0, host: '127.0.0.1', watch: false })
  t.teardown(() => rg.close())
  return Object.assign(rg, { logs })
}

/** Saves a snapshot, then asks for its restore: 409 with the reason, and not one thing changed. */
async function refusesRestore(t: Test, rg: Running, configPath: string, reason: RegExp): Promise<void> {
  const saved = await api(rg.url, `${SNAP}/?description=known+good`, { method: 'POST', auth: ROOT })
  t.equal(saved.status, 200, 'saving a snapshot still works: it goes to the store')
  const id = saved.json<{ id: string }>().id
  const before = { file: readFileSync(configPath), snapshots: (await rg.store.listSnapshots()).map((s) => s.id) }
  const res = await api(rg.url, `${SNAP}/restore/${id}`, { method: 'POST', auth: ROOT })
  t.equal(res.status, 409)
  t.equal(res.json()['code'], 'RG_ERR_POLICY_READ_ONLY')
  t.match(res.json()['message'], new RegExp(`^Snapshot ${id} was not restored, nothing was changed: `))
  t.match(res.json()['message'], reason)
  t.same((await rg.store.listSnapshots()).map((s) => s.id), before.snapshots, 'no "Backup before restore" was saved')
  t.same(readFileSync(configPath), before.file, 'the policy file is as it was')
  t.equal(rg.runtime.current.generation, 1, 'nothing was reloaded')
}

t.test('a policy in a read-only directory: /readyz says why (and stays ready), restores are refused with 409 before the backup', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('root', { password: 'root-pw' })
  const data = tempDir(t)
  const { dir, how } = readOnlyDir(t, { 'restgate.yaml': policyText(stub, data) })
  const configPath = join(dir, 'restgate.yaml')
  t.comment(`the policy is on ${how}`)
  const rg = await run(t, configPath)

  const warned = rg.logs.lines.find((l) => l['msg'] === 'the policy file cannot be replaced: snapshot restores are refused')
  t.ok(warned, 'found out at start, and logged')
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 200, 'a read-only policy is a sound deployment: still ready')
  const body = ready.json<Record<string, string>>()
  t.equal(body['status'], 'ready')
  t.match(body['policyFile'], /^read-only: .*restgate\.yaml.*; snapshot restores are refused$/)
  t.match(body['policyFile'], isRoot ? /read-only file system/ : /may not write to/)
  t.equal(body['store'], 'ok')

  await refusesRestore(t, rg, configPath, isRoot ? /read-only file system/ : /may not write to/)
  const refusal = rg.logs.lines.find((l) => l['event'] === 'snapshot.restore.refused')
  t.match(refusal, { audit: true, actor: 'root', via: 'api' }, 'the refusal is on the audit stream')
  t.same(readdirSync(dir), ['restgate.yaml'], 'no probe or temp file was left beside the policy')

  // The shell command refuses the same way, with exit 1.
  const id = (await rg.store.listSnapshots())[0]!.id
  await rg.close()
  const cli = spawnSync(process.execPath, [CLI, 'snapshot', 'restore', id, '--config', configPath], { encoding: 'utf8', timeout: 20000 })
  t.equal(cli.status, 1)
  t.match(cli.stderr, new RegExp(`snapshot ${id} was not restored, nothing was changed: .*restgate\\.yaml`))
})

t.test('one file mounted on its own (docker -v FILE:FILE): read-only or not, it cannot be renamed over', { skip: isRoot ? false : 'bind mounts need root' }, async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('root', { password: 'root-pw' })
  const data = tempDir(t)
  const host = tempDir(t)
  const source = join(host, 'restgate.yaml')
  writeFileSync(source, policyText(stub, data))
  for (const readOnly of [true, false]) {
    const container = tempDir(t)
    const configPath = join(container, 'restgate.yaml')
    writeFileSync(configPath, '')
    bindMountFile(t, source, configPath, readOnly)
    const rg = await run(t, configPath)
    const ready = (await httpRequest(`${rg.adminUrl}/readyz`)).json<Record<string, string>>()
    t.match(ready['policyFile'], readOnly ? /^read-only: .* is on a read-only file system/ : /^read-only: .* is mounted on its own/, readOnly ? ':ro' : 'rw')
    await refusesRestore(t, rg, configPath, readOnly ? /read-only file system/ : /mounted on its own/)
    await rg.close()
  }
})

t.test('a policy that can be replaced: /readyz "ok", and the probe leaves nothing behind', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'restgate.yaml')
  writeFileSync(file, 'upstream: { url: "http://jira:8080" }\n')
  t.equal(await replaceProblem(file), undefined)
  t.same(readdirSync(dir), ['restgate.yaml'])
  t.notOk(existsSync(join(dir, 'missing.yaml')))
  t.equal(await replaceProblem(join(dir, 'missing.yaml')), undefined, 'a file that is not there yet can be written')
})
