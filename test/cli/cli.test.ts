// The restgate command as an admin runs it: check-config like `nginx -t`, help, version, and a bad policy
// that stops start-up before anything listens.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createConnection } from 'node:net'
import { CLI, repoPath } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'
import { writePolicy } from '../helpers/restgate.js'
import { freePort } from '../helpers/ports.js'

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, RESTGATE_CONFIG: '', ...env }, timeout: 20000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

t.test('check-config accepts the example policy', async (t) => {
  const r = run(['check-config', repoPath('config', 'restgate.example.yaml')])
  t.equal(r.code, 0)
  t.match(r.out, /restgate\.example\.yaml: test is successful/)
})

t.test('check-config lists every problem with its YAML path and exits 1', async (t) => {
  const dir = tempDir(t)
  const file = writePolicy(dir, 'server:\n  port: 70000\nupstream:\n  url: "http://jira:8080"\n  timeout: never\nbogus: true\n')
  const r = run(['check-config', file])
  t.equal(r.code, 1)
  t.match(r.err, /3 problems/)
  t.match(r.err, /server\.port \(line 2\): must be an integer 1-65535/)
  t.match(r.err, /upstream\.timeout \(line 5\): must be a duration/)
  t.match(r.err, /bogus \(line 6\): unknown key/)
  t.match(r.err, /test failed/)
  t.equal(r.out, '')
})

t.test('check-config reads the identity keys as start-up does: a short signing key and a non-RSA OAuth key, both listed', async (t) => {
  const dir = tempDir(t)
  const signingKey = join(dir, 'assertion.key')
  writeFileSync(signingKey, 'short')
  const oauthKey = join(dir, 'oauth.pem')
  writeFileSync(oauthKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
  const file = writePolicy(dir, { upstream: { url: 'http://jira:8080' }, identity: { signing: { keyFile: signingKey }, oauth: { consumerKey: 'restgate', privateKeyFile: oauthKey } } })
  const r = run(['check-config', file])
  t.equal(r.code, 1)
  t.match(r.err, /2 problems/)
  t.match(r.err, /identity\.signing\.keyFile: .* must hold at least 32 bytes of key/)
  t.match(r.err, /identity\.oauth\.privateKeyFile: .* holds an ec key: RSA-SHA1 needs an RSA key/)
})

t.test('check-config usage errors exit 2; a missing file exits 1', async (t) => {
  t.equal(run(['check-config']).code, 2)
  const r = run(['check-config', '/nonexistent/restgate.yaml'])
  t.equal(r.code, 1)
  t.match(r.err, /cannot read \/nonexistent\/restgate\.yaml \(ENOENT\)/)
})

t.test('--help describes every command the CLI accepts; --version prints package.json version', async (t) => {
  const help = run(['--help'])
  t.equal(help.code, 0)
  for (const cmd of ['--config FILE', 'check-config FILE', '--version', 'SIGHUP']) t.match(help.out, cmd)
  const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }
  t.equal(run(['--version']).out.trim(), pkg.version)
  const bad = run(['--frobnicate'])
  t.equal(bad.code, 2)
  t.match(bad.err, /Unknown option '--frobnicate'/)
})

t.test('no policy file given: exit 2 with what to do', async (t) => {
  const r = run([])
  t.equal(r.code, 2)
  t.match(r.err, /pass --config FILE or set RESTGATE_CONFIG/)
})

t.test('a bad policy at start-up exits 1 before listening, listing every problem', async (t) => {
  const dir = tempDir(t)
  const port = await freePort()
  const file = writePolicy(dir, `server: { port: ${port}, admin: { enabled: false } }\nupstream: { url: "nope" }\nanonymous: maybe\n`)
  const r = run(['--config', file])
  t.equal(r.code, 1)
  t.match(r.err, /2 problem\(s\), not starting/)
  t.match(r.err, /upstream\.url/)
  t.match(r.err, /anonymous/)
  const refused = await new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' })
    s.on('connect', () => (s.destroy(), resolve(false)))
    s.on('error', () => resolve(true))
  })
  t.ok(refused, 'nothing listens on the configured port')
})

t.test('RESTGATE_CONFIG names the policy when --config is absent', async (t) => {
  const r = run([], { RESTGATE_CONFIG: '/nonexistent/policy.yaml' })
  t.equal(r.code, 1)
  t.match(r.err, /\/nonexistent\/policy\.yaml/)
})
