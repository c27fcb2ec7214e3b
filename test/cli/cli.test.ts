// The restgate command as an admin runs it: check-config like `nginx -t`, help, version, and a bad policy
// that stops start-up before anything listens.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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

t.test('check-config: kerberos.sessions: true with sessions.enabled: false is a problem with its YAML path', async (t) => {
  const file = writePolicy(tempDir(t), 'upstream:\n  url: "http://jira:8080"\nsessions:\n  enabled: false\nkerberos:\n  sessions: true\n')
  const r = run(['check-config', file])
  t.equal(r.code, 1)
  t.match(r.err, /kerberos\.sessions \(line 6\): needs sessions\.enabled: true/)
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
  for (const cmd of ['--config FILE', 'check-config [FILE]', '--version', 'SIGHUP', 'anywhere on the command line']) t.match(help.out, cmd)
  const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }
  t.equal(run(['--version']).out.trim(), pkg.version)
  const bad = run(['--frobnicate'])
  t.equal(bad.code, 2)
  t.match(bad.err, /Unknown option '--frobnicate'/)
})

t.test('check-config takes its file as FILE, --config FILE (before or after) or $RESTGATE_CONFIG', async (t) => {
  const example = repoPath('config', 'restgate.example.yaml')
  for (const [args, env] of [
    [['--config', example, 'check-config'], {}],
    [['check-config', '--config', example], {}],
    [['check-config', '-c', example], {}],
    [['check-config'], { RESTGATE_CONFIG: example }],
    [['--config', example, 'check-config', example], {}],
  ] as const) {
    const r = run([...args], env)
    t.equal(r.code, 0, `${args.join(' ')}: ${r.err}`)
    t.match(r.out, /restgate\.example\.yaml: test is successful/)
  }
  const two = run(['--config', example, 'check-config', '/other.yaml'])
  t.equal(two.code, 2, 'two different files is a usage error')
  t.match(two.err, /usage: restgate check-config \[FILE\]/)
})

const OLD_NODE = '/usr/bin/node'
const oldNode = spawnSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' })
const MINIMUM = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { engines: { node: string } }).engines.node.replace('>=', '')
const oldEnough = oldNode.status === 0 && Number(oldNode.stdout.split('.')[0]) < Number(MINIMUM.split('.')[0])

t.test(
  'Node.js older than package.json engines: exit 1 before anything native loads, naming the minimum and scripts/node.sh',
  { skip: oldEnough ? false : `${OLD_NODE} is not older than ${MINIMUM} here (${oldNode.stdout.trim() || 'missing'})` },
  async (t) => {
    // Every command, --version included: the check runs before command.ts (and better-sqlite3, which crashes
    // Node 20 rather than fail) is imported.
    const example = repoPath('config', 'restgate.example.yaml')
    for (const args of [['--version'], ['token', 'list', '--config', example], ['--config', example]]) {
      const r = spawnSync(OLD_NODE, [CLI, ...args], { encoding: 'utf8', timeout: 20000 })
      t.equal(r.status, 1, `${args.join(' ')}: exit 1, not a crash (signal ${String(r.signal)})`)
      t.equal(r.signal, null)
      t.equal(r.stdout, '')
      t.match(r.stderr, `restgate needs Node.js ${MINIMUM} or newer, and this is Node.js ${oldNode.stdout.trim()} (${OLD_NODE})`)
      t.match(r.stderr, 'bash scripts/node.sh dist/src/cli.js')
    }
  },
)

t.test('the version check itself: x.y.z compared part by part', async (t) => {
  const { atLeast, minimumNodeVersion, nodeVersionProblem } = await import('../../src/version.js')
  t.equal(minimumNodeVersion(), '24.11.0')
  t.ok(atLeast('24.11.0', '24.11.0'))
  t.ok(atLeast('v24.22.3', '24.11.0'))
  t.ok(atLeast('26.0.0', '24.11.0'))
  t.notOk(atLeast('24.10.9', '24.11.0'))
  t.notOk(atLeast('20.20.2', '24.11.0'))
  t.notOk(atLeast('9.99.99', '24.11.0'), 'numbers, not text')
  t.equal(nodeVersionProblem('24.22.3', '/x/node'), undefined)
  t.match(nodeVersionProblem('22.23.5', '/x/node'), /needs Node\.js 24\.11\.0 or newer, and this is Node\.js 22\.23\.5 \(\/x\/node\)/)
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
  // The process has exited, so a probe of the port could only find another test's server on it: its own
  // log says whether it ever listened.
  t.notMatch(r.out + r.err, /listening/, 'it never listened')
})

t.test('RESTGATE_CONFIG names the policy when --config is absent', async (t) => {
  const r = run([], { RESTGATE_CONFIG: '/nonexistent/policy.yaml' })
  t.equal(r.code, 1)
  t.match(r.err, /\/nonexistent\/policy\.yaml/)
})
