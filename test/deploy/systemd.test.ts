// deploy/systemd/restgate.service: systemd itself checks it (systemd-analyze verify, and its exposure score
// offline), it carries the hardening docs/deployment.md promises, and its command lines work as written.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, ROOT, repoPath } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'

const UNIT = repoPath('deploy', 'systemd', 'restgate.service')
const text = readFileSync(UNIT, 'utf8')
const ANALYZE = '/usr/bin/systemd-analyze'

/** Every value of a key in the unit, comments left out. */
const values = (key: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1))

/** The unit as installed here: this node for /usr/local/bin/node, this checkout for /opt/restgate. */
function installedCopy(t: Test): string {
  const dir = tempDir(t)
  const file = join(dir, 'restgate.service')
  writeFileSync(file, text.replaceAll('/usr/local/bin/node', process.execPath).replaceAll('/opt/restgate', ROOT))
  return file
}

t.test('systemd-analyze verify: no error, no warning', { skip: existsSync(ANALYZE) ? false : `${ANALYZE} is not installed` }, async (t) => {
  const r = spawnSync(ANALYZE, ['verify', installedCopy(t)], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  t.equal(`${r.stdout}${r.stderr}`.trim(), '', 'nothing to say')
})

t.test("systemd's own exposure score, offline: OK (2.0 or less)", { skip: existsSync(ANALYZE) ? false : `${ANALYZE} is not installed` }, async (t) => {
  const r = spawnSync(ANALYZE, ['security', '--offline=true', '--no-pager', installedCopy(t)], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  const m = /Overall exposure level for restgate\.service: ([0-9.]+) (\w+)/.exec(r.stdout)
  t.ok(m, 'the score is printed')
  t.ok(Number(m![1]) <= 2.0, `exposure ${m![1]} ${m![2]}`)
})

t.test('the hardening docs/deployment.md describes', async (t) => {
  t.same(values('User'), ['restgate'], 'its own user')
  t.same(values('ProtectSystem'), ['strict'])
  t.same(values('ReadWritePaths'), ['/var/lib/restgate'], 'the data directory is the one place it writes')
  t.same(values('StateDirectory'), ['restgate'])
  t.same(values('WorkingDirectory'), ['/var/lib/restgate'], 'so the default store.path (./data/restgate.db) lands there')
  for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome', 'PrivateDevices', 'RestrictSUIDSGID']) t.same(values(key), ['true'], key)
  t.same(values('CapabilityBoundingSet'), [''], 'no capabilities at all')
  t.same(values('AmbientCapabilities'), [''])
  t.ok(values('Environment').includes('KRB5_KTNAME=%d/http.keytab'), 'the keytab through KRB5_KTNAME, from systemd credentials')
  t.ok(values('LoadCredential').includes('http.keytab:/etc/restgate/http.keytab'))
  t.same(values('KillMode'), ['mixed'], 'SIGTERM to the main process, which passes it to its workers')
  t.same(values('ExecReload'), ['/bin/kill -HUP $MAINPID'], 'systemctl reload: SIGHUP to the main process')
  t.notOk(text.split('\n').some((l) => l.startsWith('MemoryDenyWriteExecute=')), "not set: V8's JIT needs writable and executable memory")
  const stop = Number(values('TimeoutStopSec')[0])
  t.ok(stop > 30, `TimeoutStopSec ${stop} s outlasts the default server.drainTimeout of 30 s`)
  t.match(values('RestrictAddressFamilies')[0], /AF_NETLINK/, 'Fastify lists the addresses of 0.0.0.0 over netlink')
})

t.test('its command lines work as written: check-config before start, the policy from RESTGATE_CONFIG', async (t) => {
  const env = Object.fromEntries(values('Environment').map((e) => e.split('=', 2) as [string, string]))
  t.equal(env['RESTGATE_CONFIG'], '/etc/restgate/restgate.yaml')
  const [pre] = values('ExecStartPre')
  t.equal(pre, '/usr/local/bin/node /opt/restgate/dist/src/cli.js check-config')
  const args = pre!.split(' ').slice(1).map((a) => a.replace('/opt/restgate/dist/src/cli.js', CLI))
  const ok = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, RESTGATE_CONFIG: repoPath('config', 'restgate.example.yaml') } })
  t.equal(ok.status, 0, ok.stderr)
  t.match(ok.stdout, /test is successful/)
  const bad = join(tempDir(t), 'restgate.yaml')
  writeFileSync(bad, 'upstream: { url: 42 }\n')
  const refused = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, RESTGATE_CONFIG: bad } })
  t.equal(refused.status, 1, 'a policy that does not validate stops the start')
  t.equal(values('ExecStart')[0], '/usr/local/bin/node /opt/restgate/dist/src/cli.js')
})
