// `restgate token create|list|revoke` as an admin runs it, straight against the store; a revoke reaches a
// running restgate on the same store within a second.
import t from 'tap'
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { CLI } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'
import { startRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { httpRequest } from '../helpers/http.js'
import { bearer } from '../helpers/tokens.js'
import { freePort } from '../helpers/ports.js'
import { tokenCommand } from '../../src/tokens/cli.js'

const exec = promisify(execFile)

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, RESTGATE_CONFIG: '', ...env }, timeout: 20000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

function policyFile(t: Parameters<typeof tempDir>[0], extra: Record<string, unknown> = {}): string {
  const dir = tempDir(t)
  return writePolicy(dir, testPolicy('http://127.0.0.1:9', extra))
}

/** The command in-process (no node start-up per case): same code path as the binary after argv. */
async function inProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await tokenCommand(args, { RESTGATE_CONFIG: '', ...env }, { out: (s) => out.push(s), err: (s) => err.push(s) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

t.test('create prints only the token; list shows it; revoke deletes it', async (t) => {
  const file = policyFile(t)
  const created = run(['token', 'create', '--user', 'alice', '--name', 'bootstrap', '--days', '7', '--config', file])
  t.equal(created.code, 0, created.err)
  t.match(created.out, /^rgt_[0-9A-Za-z]{49}\n$/, 'stdout is the token alone, for $(...)')
  t.match(created.err, /Created API token 1 "bootstrap" for alice \(scope write\), expires \d{4}-\d\d-\d\dT\d\d:\d\d/)
  const audit = JSON.parse(created.err.split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>
  t.match(audit, { audit: true, event: 'token.create', via: 'cli', owner: 'alice', tokenId: 1, tokenName: 'bootstrap' })
  t.notMatch(created.err, created.out.trim(), 'the secret is not in the audit line')

  t.equal((await inProcess(['create', '--user', 'bob', '--config', file])).code, 0)
  const all = run(['token', 'list'], { RESTGATE_CONFIG: file })
  t.equal(all.code, 0)
  const lines = all.out.trim().split('\n')
  t.match(lines[0], /^ID\s+USER\s+NAME\s+CREATED\s+EXPIRES\s+LAST USED\s+FROM$/)
  t.match(lines[1], /^2\s+bob\s+api_token_/)
  t.match(lines[2], /^1\s+alice\s+bootstrap\s/)
  const alices = await inProcess(['list', '--user', 'alice', '--config', file])
  t.equal(alices.out.trim().split('\n').length, 2)

  const revoked = run(['token', 'revoke', '1', '--config', file])
  t.equal(revoked.code, 0)
  t.match(revoked.out, /Revoked API token 1 "bootstrap" of alice/)
  const again = await inProcess(['revoke', '1', '--config', file])
  t.equal(again.code, 1, 'an unknown id is an error')
  t.match(again.err, /no API token with id 1/)
  t.match((await inProcess(['list', '--user', 'alice', '--config', file])).out, /no API tokens/)
})

t.test('usage errors exit 2; policy limits and bad files exit 1', async (t) => {
  const file = policyFile(t, { apiTokens: { maxLifetimeDays: 30 } })
  for (const args of [
    [],
    ['frobnicate'],
    ['create', '--config', file],
    ['create', '--user', 'a', '--days', '0', '--config', file],
    ['create', '--user', 'a', '--days', 'x', '--config', file],
    ['revoke', '--config', file],
    ['revoke', 'abc', '--config', file],
    ['revoke', '1', '2', '--config', file],
    ['list', '--days', '3', '--config', file],
    ['list', '--bogus', '--config', file],
    ['list'],
  ]) {
    const r = await inProcess(args)
    t.equal(r.code, 2, args.join(' '))
    t.match(r.err, /usage:/)
  }
  const over = await inProcess(['create', '--user', 'a', '--days', '31', '--config', file])
  t.equal(over.code, 1)
  t.match(over.err, /over the limit of 30 days/)
  t.equal(over.out, '')
  const bad = await inProcess(['list', '--config', writePolicy(tempDir(t), 'upstream: { url: 42 }\n')])
  t.equal(bad.code, 1)
  t.match(bad.err, /upstream\.url/)
  const usage = run(['token'])
  t.equal(usage.code, 2, 'the binary answers the same')
  t.match(usage.err, /usage:/)
})

t.test('a policy file that does not validate: exit 1 with every problem, no store opened', async (t) => {
  const dir = tempDir(t)
  const broken = writePolicy(dir, 'anonymous: maybe\nstore: { type: embedded, path: ' + JSON.stringify(join(dir, 'never.db')) + ' }\n', 'broken.yaml')
  const r = await inProcess(['list', '--config', broken])
  t.equal(r.code, 1)
  t.match(r.err, /broken\.yaml: \d+ problem\(s\):\n[\s\S]* {2}anonymous \(line 1\): must be/)
  t.equal(r.out, '', 'nothing on stdout')
  t.notOk(existsSync(join(dir, 'never.db')), 'the store named by the broken file was not created')
})

t.test('a store that is down: exit 1 at once with the reason', async (t) => {
  const port = await freePort()
  const file = policyFile(t, { store: { type: 'redis', path: join(tempDir(t), 'x.db'), redis: { url: `redis://127.0.0.1:${port}` } } })
  const started = Date.now()
  const r = await inProcess(['list', '--config', file])
  t.equal(r.code, 1)
  t.match(r.err, /store is unavailable/)
  t.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`)
})

t.test('a revoke from the CLI reaches a running restgate within a second', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const { record, secret } = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  const use = () => httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: bearer(secret) } })
  t.equal((await use()).status, 200, 'validated and cached')
  await exec(process.execPath, [CLI, 'token', 'revoke', String(record.id), '--config', rg.configPath])
  const started = Date.now()
  let status = 200
  while (status === 200 && Date.now() - started < 2000) {
    status = (await use()).status
    if (status === 200) await new Promise((r) => setTimeout(r, 10))
  }
  t.equal(status, 401)
  t.ok(Date.now() - started < 1000, `refused ${Date.now() - started} ms after the CLI returned`)
})

t.test('--help describes the token commands', async (t) => {
  const help = run(['--help'])
  for (const s of ['token create --user USER [--name NAME] [--days DAYS] [--scope read|write] [--force]', 'token list [--user USER]', 'token revoke ID']) t.match(help.out, s)
})

t.test('create for a user the policy keeps from holding tokens: exit 1 and nothing created, unless --force (then a warning)', async (t) => {
  const file = policyFile(t, {
    apiTokens: { creators: { groups: ['api-users'] }, scopes: { allowWrite: ['writers'] } },
    directory: { groups: { 'api-users': ['alice', 'carol'], writers: ['alice'] } },
  })
  const bob = run(['token', 'create', '--user', 'bob', '--config', file])
  t.equal(bob.code, 1)
  t.equal(bob.out, '', 'no token on stdout')
  t.match(bob.err, /bob may not hold API tokens \(apiTokens\.creators\.groups: api-users\): the token would be refused as inactive/)
  t.match(bob.err, /no token was created \(--force creates it anyway\)/)
  t.match((await inProcess(['list', '--config', file])).out, /no API tokens/, 'the store is as it was')

  const forced = run(['token', 'create', '--user', 'bob', '--force', '--config', file])
  t.equal(forced.code, 0, forced.err)
  t.match(forced.out, /^rgt_[0-9A-Za-z]{49}\n$/)
  t.match(forced.err, /warning \(--force\): bob may not hold API tokens .* refused as inactive until bob is in one of those groups/)
  const audit = JSON.parse(forced.err.split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>
  t.match(audit, { event: 'token.create', via: 'cli', owner: 'bob', forced: true })

  // carol may hold tokens, but only read ones: a plain create would quietly make a read token.
  const carol = await inProcess(['create', '--user', 'carol', '--config', file])
  t.equal(carol.code, 1)
  t.match(carol.err, /carol may hold read tokens only \(apiTokens\.scopes\.allowWrite: writers\): pass --scope read/)
  const read = await inProcess(['create', '--user', 'carol', '--scope', 'read', '--config', file])
  t.equal(read.code, 0, read.err)
  t.match(read.err, /\(scope read\)/)
  t.notMatch(read.err, /warning/)
  const write = await inProcess(['create', '--user', 'carol', '--scope', 'write', '--config', file])
  t.equal(write.code, 1)
  t.match(write.err, /carol may hold read tokens only/)
  const forcedWrite = await inProcess(['create', '--user', 'carol', '--scope', 'write', '--force', '--config', file])
  t.equal(forcedWrite.code, 0, forcedWrite.err)
  t.match(forcedWrite.err, /\(scope write\)[\s\S]*warning \(--force\): carol may hold read tokens only .* this write token was created against that rule/)

  const alice = await inProcess(['create', '--user', 'alice', '--force', '--config', file])
  t.equal(alice.code, 0, 'alice may: --force changes nothing')
  t.notMatch(alice.err, /warning/)
  const list = (await inProcess(['list', '--config', file])).out
  t.equal(list.trim().split('\n').length, 5, 'four tokens: bob (forced), carol read, carol write (forced), alice')
  t.equal((await inProcess(['create', '--user', 'x', '--scope', 'admin', '--config', file])).code, 2, '--scope read or write only')
})

t.test('--config anywhere on the command line: before or after the subcommand, in every spelling', async (t) => {
  const file = policyFile(t)
  t.equal(run(['token', 'create', '--user', 'alice', '--config', file]).code, 0)
  for (const args of [
    ['--config', file, 'token', 'list'],
    ['token', '--config', file, 'list'],
    ['token', 'list', '--config', file],
    ['-c', file, 'token', 'list'],
    [`--config=${file}`, 'token', 'list', '--user', 'alice'],
  ]) {
    const r = run(args)
    t.equal(r.code, 0, `${args.join(' ')}: ${r.err}`)
    t.match(r.out, /^1\s+alice\s+api_token_/m, args.join(' '))
  }
  const twice = run(['--config', file, 'token', 'list', '--config', '/elsewhere.yaml'])
  t.equal(twice.code, 2)
  t.match(twice.err, /--config is given more than once/)
  const missing = run(['token', 'list', '--config'])
  t.equal(missing.code, 2)
  t.match(missing.err, /--config needs a FILE/)
})
