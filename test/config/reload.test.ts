// Hot reload through a running restgate: a save is picked up, a bad file changes nothing and says why,
// the next good save recovers, restart-only keys wait for a restart, and a burst of saves is one reload.
import t from 'tap'
import { renameSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { stringify } from 'yaml'
import { startStubJira, type StubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, type PolicyInput, type TestRestgate } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { readAssertion } from '../helpers/assertion.js'
import { counterValue } from '../helpers/metrics.js'
import type { Authenticator } from '../../src/auth/types.js'

const DEBOUNCE = 30

interface T {
  teardown(fn: () => unknown): void
}

async function setup(t: T, extra: PolicyInput = {}, authenticators?: Authenticator[]): Promise<{ stub: StubJira; rg: TestRestgate; policy: (more: PolicyInput) => PolicyInput }> {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  // Every version of the file names the same store, so only what a test changes differs between saves.
  const store = { path: join(dir, 'data', 'restgate.db') }
  const policy = (more: PolicyInput): PolicyInput => testPolicy(stub.url, { store, ...extra, ...more })
  const rg = await startRestgate(t, policy({}), { dir, watch: { debounceMs: DEBOUNCE }, ...(authenticators ? { authenticators } : {}) })
  return { stub, rg, policy }
}

const reloadedTo = (generation: number) => (l: Record<string, unknown>) => l['msg'] === 'policy reloaded' && l['generation'] === generation
const refused = (n: number) => {
  let seen = 0
  return (l: Record<string, unknown>) => l['msg'] === 'policy reload refused: keeping the policy in force' && ++seen === n
}

async function readyz(rg: TestRestgate): Promise<Record<string, unknown>> {
  return (await httpRequest(`${rg.adminUrl}/readyz`)).json()
}

async function reloads(rg: TestRestgate): Promise<Record<string, number>> {
  const m = rg.metrics
  return {
    applied: await counterValue(m.configReloads, { result: 'applied' }),
    unchanged: await counterValue(m.configReloads, { result: 'unchanged' }),
    failed: await counterValue(m.configReloads, { result: 'failed' }),
    failures: await counterValue(m.configReloadFailures),
  }
}

t.test('saving the file puts the new policy in force', async (t) => {
  const { rg, policy } = await setup(t)
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 200, 'anonymous passes under the first policy')
  writeFileSync(rg.configPath, stringify(policy({ anonymous: 'deny' })))
  const line = await rg.logs.waitFor(reloadedTo(2))
  t.equal(line['trigger'], 'file change')
  t.same(line['changed'], ['anonymous'], 'the log says what changed')
  t.equal(line['audit'], true, 'on the audit stream')
  t.type(line['ms'], 'number')
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 401, 'the new rule is in force')
  t.same(await reloads(rg), { applied: 1, unchanged: 0, failed: 0, failures: 0 })
})

t.test('a rename-replace save (temp file renamed over the policy) is picked up', async (t) => {
  const { rg, policy } = await setup(t)
  const tmp = join(rg.dir, '.restgate.yaml.new')
  writeFileSync(tmp, stringify(policy({ anonymous: 'deny' })))
  renameSync(tmp, rg.configPath)
  await rg.logs.waitFor(reloadedTo(2))
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 401)
  // The watch follows the new file: the next replacement is seen too.
  writeFileSync(tmp, stringify(policy({ anonymous: 'passthrough' })))
  renameSync(tmp, rg.configPath)
  await rg.logs.waitFor(reloadedTo(3))
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 200)
})

const BAD_FILES: Array<[string, (good: string) => string, RegExp[]]> = [
  ['bad YAML', (good) => good + 'extra: [1, 2\n', [/^\(file\) \(line \d+\): YAML syntax: /]],
  ['a bad value', (good) => good.replace('anonymous: deny', 'anonymous: maybe'), [/^anonymous \(line \d+\): must be "passthrough" or "deny"$/]],
  ['an unknown key', (good) => good + 'anonymus: deny\n', [/^anonymus \(line \d+\): unknown key \(did you mean "anonymous"\?\)$/]],
  [
    'several problems at once',
    (good) => good.replace('anonymous: deny', 'anonymous: maybe') + 'lockout:\n  maxFailures: 0\n',
    [/^anonymous \(line \d+\): must be/, /^lockout\.maxFailures \(line \d+\): must be an integer 1-10000$/],
  ],
]

for (const [what, corrupt, expected] of BAD_FILES) {
  t.test(`${what} keeps the policy in force, says why everywhere, and the next good save recovers`, async (t) => {
    const { rg, policy } = await setup(t, { server: { admin: { enabled: true } }, anonymous: 'deny' })
    const good = stringify(policy({}))
    writeFileSync(rg.configPath, corrupt(good))
    const line = await rg.logs.waitFor(refused(1))
    const problems = line['problems'] as string[]
    t.equal(problems.length, expected.length, `every problem listed: ${problems.join(' | ')}`)
    expected.forEach((re, i) => t.match(problems[i], re))
    t.equal(line['level'], 'error')
    t.equal(rg.runtime.current.generation, 1, 'nothing was swapped in')
    t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 401, 'the old policy (anonymous: deny) still decides')
    const ready = await readyz(rg)
    t.equal(ready['status'], 'ready', 'a stale policy still serves')
    t.match(ready['config'], /^stale: /)
    t.equal(ready['config'], `stale: ${problems.join('; ')}`)
    t.same(await reloads(rg), { applied: 0, unchanged: 0, failed: 1, failures: 1 })

    // The fix: a good file with a real change.
    writeFileSync(rg.configPath, stringify(policy({ anonymous: 'passthrough' })))
    await rg.logs.waitFor(reloadedTo(2))
    t.equal((await readyz(rg))['config'], 'ok', 'stale cleared')
    t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)).status, 200)
    t.same(await reloads(rg), { applied: 1, unchanged: 0, failed: 1, failures: 1 })
  })
}

t.test('reverting a refused file to the policy in force clears stale without a reload', async (t) => {
  const { rg } = await setup(t, { server: { admin: { enabled: true } } })
  const good = rg.runtime.current.text
  writeFileSync(rg.configPath, good + 'bogus: 1\n')
  await rg.logs.waitFor(refused(1))
  writeFileSync(rg.configPath, good)
  await rg.logs.waitFor((l) => l['msg'] === 'policy file matches the policy in force again')
  t.equal((await readyz(rg))['config'], 'ok')
  t.equal(rg.runtime.current.generation, 1)
  t.same(await reloads(rg), { applied: 0, unchanged: 1, failed: 1, failures: 1 })
})

t.test('restart-only keys: everything else applies, each of them is reported and keeps its running value', async (t) => {
  const { rg, policy } = await setup(t, { server: { admin: { enabled: true } } })
  const before = rg.runtime.current.config
  writeFileSync(
    rg.configPath,
    stringify(
      policy({
        server: { port: 8001, realm: 'changed', admin: { enabled: true } },
        upstream: { url: 'http://127.0.0.1:1', connections: 8, timeout: '7s', connectTimeout: '2s' },
        store: { path: '/elsewhere/restgate.db' },
        anonymous: 'deny',
      }),
    ),
  )
  const line = await rg.logs.waitFor(reloadedTo(2))
  const pending = ['server.port', 'upstream.url', 'upstream.connections', 'store.path']
  t.same(line['restartPending'], pending)
  t.same(line['changed'], ['anonymous', 'server.realm', 'upstream.timeout'], 'what applied live')
  for (const key of pending) {
    const warn = await rg.logs.waitFor((l) => l['key'] === key && l['level'] === 'warn')
    t.equal(warn['msg'], `policy key ${key} changed but is not applied until restart`)
  }
  const now = rg.runtime.current
  t.equal(now.config.server.port, before.server.port, 'server.port: the running value')
  t.equal(now.config.upstream!.url, before.upstream!.url)
  t.equal(now.config.upstream!.connections, before.upstream!.connections)
  t.equal(now.config.store.path, before.store.path)
  t.equal(now.config.server.realm, 'changed')
  t.equal(now.policy.products.get('jira')!.timeoutMs, 7000)
  t.same(now.restartPending, pending)
  t.equal(now.text, rg.runtime.current.text, 'the file text is kept as written (snapshots save it)')
  const res = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)
  t.equal(res.status, 401, 'anonymous: deny applied')
  t.match(res.headers['www-authenticate'], /realm="changed"/)
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { authorization: 'Basic eDp5' } })).status, 200, 'still the same upstream')
  t.equal((await readyz(rg))['config'], `stale: restart needed for ${pending.join(', ')}`)
})

t.test('an unchanged file (touch, SIGHUP without an edit) is a no-op', async (t) => {
  const { rg } = await setup(t, { logging: { level: 'debug' } })
  const later = new Date(Date.now() + 5000)
  utimesSync(rg.configPath, later, later)
  await rg.logs.waitFor((l) => l['msg'] === 'policy file unchanged' && l['trigger'] === 'file change')
  const r = await rg.reload('SIGHUP')
  t.equal(r.result, 'unchanged')
  t.equal(r.applied, false)
  t.equal(rg.runtime.current.generation, 1)
  t.same(await reloads(rg), { applied: 0, unchanged: 2, failed: 0, failures: 0 })
})

t.test('a burst of saves is one reload of the last one', async (t) => {
  const { rg, policy } = await setup(t)
  const texts = Array.from({ length: 20 }, (_, i) => stringify(policy({ server: { realm: `burst-${i}` } })))
  for (const text of texts) writeFileSync(rg.configPath, text)
  await rg.logs.waitFor(reloadedTo(2))
  t.equal(rg.runtime.current.config.server.realm, 'burst-19', 'the last write is in force')
  // A separate later save: had the burst left a second reload pending, it would be counted before this one.
  writeFileSync(rg.configPath, stringify(policy({ server: { realm: 'after' } })))
  await rg.logs.waitFor(reloadedTo(3))
  t.same(await reloads(rg), { applied: 2, unchanged: 0, failed: 0, failures: 0 }, '20 writes, then 1: two reloads')
})

t.test('reloads never overlap: triggers that arrive while one waits share it', async (t) => {
  const { rg, policy } = await setup(t, {}, undefined)
  writeFileSync(rg.configPath, stringify(policy({ anonymous: 'deny' })))
  const [a, b, c] = [rg.reload('SIGHUP'), rg.reload('file change'), rg.reload('SIGHUP')]
  t.equal(a, b, 'waiting triggers share one reload')
  t.equal(a, c)
  const r = await a
  t.equal(r.result, 'applied')
  t.equal((await rg.logs.waitFor(reloadedTo(2)))['trigger'], 'SIGHUP, file change')
  // One after the other: the second waits for the first and finds nothing new.
  const [r1, r2] = await Promise.all([rg.reload('x'), new Promise(setImmediate).then(() => rg.reload('y'))])
  t.same([r1.result, r2.result], ['unchanged', 'unchanged'])
  t.equal(rg.runtime.current.generation, 2, 'one policy swap in all')
})

t.test('live settings read once at start-up follow a reload: log level, client timeouts', async (t) => {
  const { rg, policy } = await setup(t)
  writeFileSync(rg.configPath, stringify(policy({ logging: { level: 'warn' }, server: { keepAliveTimeout: '11s', requestTimeout: '2m' } })))
  // Awaited directly: at level warn the reload's own info line is not written.
  t.equal((await rg.reload('SIGHUP')).result, 'applied')
  t.equal(rg.logger.level, 'warn')
  t.equal(rg.app.log.level, 'warn')
  t.equal(rg.app.server.keepAliveTimeout, 11_000)
  t.equal(rg.app.server.requestTimeout, 120_000)
  const before = rg.logs.lines.length
  await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)
  t.equal(rg.logs.lines.slice(before).filter((l) => l['msg'] === 'request').length, 0, 'info access lines are off at warn')
})

t.test('identity.signing: the key is re-read on reload; an unreadable or short key refuses the reload', async (t) => {
  const stubUser: Authenticator = {
    name: 'fixed',
    authenticate: () => ({ identity: { user: 'alice', method: 'token' }, consumed: 'authorization' }),
  }
  const { stub, rg, policy } = await setup(t, {}, [stubUser])
  const keyFile = join(rg.dir, 'assertion.key')
  const key1 = randomBytes(32)
  writeFileSync(keyFile, key1)
  const verify = (key: Buffer, header: string | string[] | undefined): boolean =>
    readAssertion(key, header, { method: 'GET', target: '/rest/api/2/issue/X-1' })?.user === 'alice'
  const signed = (extra: PolicyInput = {}) => stringify(policy({ identity: { signing: { keyFile } }, ...extra }))

  writeFileSync(rg.configPath, signed())
  await rg.logs.waitFor(reloadedTo(2))
  await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)
  t.ok(verify(key1, stub.requests.at(-1)!.headers['x-restgate-assertion']), 'signing switched on by a reload, with key 1')

  const key2 = randomBytes(48)
  writeFileSync(keyFile, key2)
  const rotated = await rg.reload('SIGHUP')
  t.equal(rotated.result, 'applied', 'same policy text, new key: a reload')
  await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)
  t.ok(verify(key2, stub.requests.at(-1)!.headers['x-restgate-assertion']), 'signed with key 2')

  writeFileSync(keyFile, 'short')
  const short = await rg.reload('SIGHUP')
  t.equal(short.result, 'failed')
  t.same(short.problems.map((p) => `${p.path}: ${p.message}`), [`identity.signing.keyFile: ${keyFile} must hold at least 32 bytes of key`])
  const missing = join(rg.dir, 'missing.key')
  writeFileSync(rg.configPath, stringify(policy({ identity: { signing: { keyFile: missing } } })))
  await rg.logs.waitFor(refused(2))
  await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)
  t.ok(verify(key2, stub.requests.at(-1)!.headers['x-restgate-assertion']), 'still key 2 in force')
  t.equal(JSON.stringify(rg.logs.lines).includes(key2.toString('hex')), false, 'the key never reaches a log')
})

t.test('start and close leave no watcher behind', async (t) => {
  const fsEvents = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length
  await new Promise((resolve) => setTimeout(resolve, 10))
  const before = fsEvents()
  const { rg, policy } = await setup(t)
  t.equal(fsEvents(), before + 2, 'the file and its directory are watched')
  await rg.close()
  writeFileSync(rg.configPath, stringify(policy({ anonymous: 'deny' })))
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE * 3))
  t.equal(fsEvents(), before, 'both watches closed')
  t.equal(rg.runtime.current.generation, 1, 'no reload after close')
})

t.test('watch: false (embedders that reload themselves) opens no watcher', async (t) => {
  const stub = await startStubJira(t)
  await new Promise((resolve) => setTimeout(resolve, 10))
  const before = process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length
  await startRestgate(t, testPolicy(stub.url), { watch: false })
  t.equal(process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length, before)
})
