// `restgate snapshot list|save|restore` against the store the policy names, and a restore picked up by a
// running restgate through its file watch.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { CLI } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'
import { startRestgate, testPolicy, writePolicy, type PolicyInput } from '../helpers/restgate.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { httpRequest } from '../helpers/http.js'
import { snapshotCommand } from '../../src/snapshots/cli.js'

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, RESTGATE_CONFIG: '', ...env }, timeout: 20000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** The command in-process (no node start-up per case): the same code path as the binary after argv. */
async function inProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await snapshotCommand(args, { RESTGATE_CONFIG: '', ...env }, { out: (s) => out.push(s), err: (s) => err.push(s) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

function policyIn(dir: string, upstream: string, extra: PolicyInput = {}): PolicyInput {
  return testPolicy(upstream, { store: { path: join(dir, 'data', 'restgate.db') }, ...extra })
}

t.test('save, list and restore a policy file with no restgate running', async (t) => {
  const dir = tempDir(t)
  const file = writePolicy(dir, policyIn(dir, 'http://127.0.0.1:9'))
  const original = readFileSync(file)
  t.match((await inProcess(['list', '--config', file])).out, /^\(no snapshots\)$/)

  const saved = run(['snapshot', 'save', '--description', 'before the change', '--config', file])
  t.equal(saved.code, 0, saved.err)
  const id = saved.out.trim()
  t.match(id, /^sso-snapshot-\d{4}-\d\d-\d\d-\d\d_\d\d_\d\d$/, 'stdout is the id alone')
  t.match(JSON.parse(saved.err.split('\n').find((l) => l.startsWith('{'))!), { audit: true, event: 'snapshot.save', via: 'cli', snapshotId: id })

  writePolicy(dir, `# changed\n${stringify(policyIn(dir, 'http://127.0.0.1:9', { anonymous: 'deny' }))}`)
  const restored = await inProcess(['restore', id], { RESTGATE_CONFIG: file })
  t.equal(restored.code, 0, restored.err)
  const backupId = /\(the previous file is snapshot (sso-snapshot-[\d_-]+)\)$/.exec(restored.out)?.[1]
  t.match(restored.out, new RegExp(`^Restored ${id} into ${file} `))
  t.not(backupId, undefined)
  t.not(backupId, id)
  t.ok(readFileSync(file).equals(original), 'the file holds the snapshot byte for byte')

  const listed = await inProcess(['list', '--config', file])
  t.equal(listed.code, 0)
  const lines = listed.out.trim().split('\n')
  t.match(lines[0], /^ID\s+TIME\s+KIND\s+VERSION\s+READABLE\s+DESCRIPTION$/)
  t.match(lines[1], new RegExp(`^${backupId}\\s+\\S+\\s+auto\\s+\\S+\\s+yes\\s+Backup before restore of ${id}$`))
  t.match(lines[2], new RegExp(`^${id}\\s+\\S+\\s+saved\\s+\\S+\\s+yes\\s+before the change$`))
})

t.test('a restore from the CLI reaches a running restgate through its file watch', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const rg = await startRestgate(t, policyIn(dir, stub.url), { dir, watch: { debounceMs: 20 } })
  const good = run(['snapshot', 'save', '--config', rg.configPath])
  t.equal(good.code, 0, good.err)
  writePolicy(dir, policyIn(dir, stub.url, { anonymous: 'deny' }))
  await rg.logs.waitFor((l) => l['msg'] === 'policy reloaded' && l['generation'] === 2)
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 401)

  const restored = run(['snapshot', 'restore', good.out.trim(), '--config', rg.configPath])
  t.equal(restored.code, 0, restored.err)
  const line = await rg.logs.waitFor((l) => l['msg'] === 'policy reloaded' && l['generation'] === 3)
  t.equal(line['trigger'], 'file change')
  t.same(line['changed'], ['anonymous'])
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 200, 'the restored policy is in force')
  t.equal(rg.runtime.stale, null)
})

t.test('refusals: unknown or unreadable snapshot (file unchanged), bad usage, a policy that does not load', async (t) => {
  const dir = tempDir(t)
  const file = writePolicy(dir, policyIn(dir, 'http://127.0.0.1:9'))
  const before = readFileSync(file)
  const unknown = await inProcess(['restore', 'sso-snapshot-2020-01-01-00_00_00', '--config', file])
  t.equal(unknown.code, 1)
  t.match(unknown.err, /no snapshot with id sso-snapshot-2020-01-01-00_00_00/)

  // A snapshot that no longer validates, put straight into the store.
  const { openEmbeddedStore } = await import('../../src/store/embedded.js')
  const store = openEmbeddedStore({ path: join(dir, 'data', 'restgate.db') })
  await store.saveSnapshot({ id: 'sso-snapshot-2020-01-01-00_00_00', timeMillis: 1, description: 'old', automatic: false, version: '0.0.1', text: 'anonymous: maybe\n' })
  await store.close()
  const unreadable = await inProcess(['restore', 'sso-snapshot-2020-01-01-00_00_00', '--config', file])
  t.equal(unreadable.code, 1)
  t.match(unreadable.err, /cannot be restored, .* was not changed:\n[\s\S]* {2}anonymous \(line 1\): must be "passthrough" or "deny"/)
  t.ok(readFileSync(file).equals(before), 'the file is unchanged')
  t.match((await inProcess(['list', '--config', file])).out, /sso-snapshot-2020-01-01-00_00_00\s+\S+\s+saved\s+0\.0\.1\s+no\s+old/)

  for (const [args, message] of [
    [['rewind', '--config', file], /unknown snapshot command "rewind"/],
    [['restore', '--config', file], /snapshot restore needs one snapshot id/],
    [['restore', '../etc/passwd', '--config', file], /is not a snapshot id/],
    [['list', '--description', 'x', '--config', file], /snapshot list takes no --description/],
    [['save'], /no policy file/],
    [['save', '--bogus', '--config', file], /Unknown option '--bogus'/],
  ] as const) {
    const r = await inProcess([...args])
    t.equal(r.code, 2, args.join(' '))
    t.match(r.err, message)
    t.match(r.err, /usage:\n {2}restgate snapshot list/)
  }

  const broken = writePolicy(dir, 'anonymous: maybe\n', 'broken.yaml')
  const r = await inProcess(['list', '--config', broken])
  t.equal(r.code, 1)
  t.match(r.err, /broken\.yaml: 2 problem\(s\):\n[\s\S]* {2}anonymous \(line 1\): must be/)
})
