// The real `restgate` process: saving the file reloads it, SIGHUP reloads it (also when only the signing
// key file changed), a bad file is refused with the process still serving the old policy, and SIGTERM
// still exits cleanly with the watcher running.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { startStubJira } from '../helpers/stub-jira.js'
import { spawnRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { freePort } from '../helpers/ports.js'
import { tempDir } from '../helpers/tmp.js'

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

t.test('file save, SIGHUP and a bad file in a running restgate process', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const [port, adminPort] = [await freePort(), await freePort()]
  const keyFile = join(dir, 'assertion.key')
  writeFileSync(keyFile, randomBytes(32))
  const policy = (extra: Record<string, unknown>) =>
    testPolicy(stub.url, { server: { port, admin: { enabled: true, port: adminPort } }, identity: { signing: { keyFile } }, store: { path: join(dir, 'data', 'restgate.db') }, ...extra })
  const file = writePolicy(dir, policy({}))
  const rg = await spawnRestgate(t, file)
  const status = async () => (await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status
  const readyz = async () => (await httpRequest(`${rg.adminUrl}/readyz`)).json()
  t.equal(await status(), 200)

  const nth = (n: number, msg: string, trigger: string) => {
    let seen = 0
    return (l: Record<string, unknown>) => l['msg'] === msg && l['trigger'] === trigger && ++seen === n
  }
  const REFUSED = 'policy reload refused: keeping the policy in force'

  writeFileSync(file, stringify(policy({ anonymous: 'deny' })).replace('anonymous: deny', 'anonymous: nope'))
  const refused = await rg.waitForLine(nth(1, REFUSED, 'file change'))
  t.match((refused['problems'] as string[])[0], /^anonymous \(line \d+\): must be "passthrough" or "deny"$/)
  t.match((await readyz())['config'], /^stale: anonymous \(line \d+\): must be/)
  t.equal(await status(), 200, 'the old policy still serves')

  rg.child.kill('SIGHUP')
  await rg.waitForLine(nth(1, REFUSED, 'SIGHUP'))
  t.equal(rg.child.exitCode, null, 'a refused reload never stops restgate')

  writeFileSync(file, stringify(policy({ anonymous: 'deny', logging: { level: 'debug' } })))
  const applied = await rg.waitForLine(nth(1, 'policy reloaded', 'file change'))
  t.equal(applied['generation'], 2)
  t.equal(await status(), 401, 'the saved policy is in force')
  t.equal((await readyz())['config'], 'ok')

  // Only the key file changes: the watcher does not see it, SIGHUP picks it up.
  writeFileSync(keyFile, randomBytes(32))
  rg.child.kill('SIGHUP')
  const rotated = await rg.waitForLine(nth(1, 'policy reloaded', 'SIGHUP'))
  t.equal(rotated['generation'], 3)
  t.same(rotated['changed'], [], 'no policy key changed: the signing key did')

  rg.child.kill('SIGHUP')
  await rg.waitForLine(nth(1, 'policy file unchanged', 'SIGHUP'))
  const metrics = (await httpRequest(`${rg.adminUrl}/metrics`)).body.toString()
  t.equal(metric(metrics, 'restgate_config_reloads_total{result="applied"}'), 2)
  t.equal(metric(metrics, 'restgate_config_reloads_total{result="failed"}'), 2)
  t.equal(metric(metrics, 'restgate_config_reloads_total{result="unchanged"}'), 1)
  t.equal(metric(metrics, 'restgate_config_reload_failures_total'), 2)

  rg.child.kill('SIGTERM')
  t.equal((await rg.exited()).code, 0, 'SIGTERM exits 0 with the watcher running')
})
