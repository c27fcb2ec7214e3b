// directory.source: upstream against the stub Jira: groups asked as Jira sees the user, cached, shared by
// concurrent callers, and an outage covered by the last answer only within the grace period.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { startStubJira, type StubJira } from '../helpers/stub-jira.js'
import { deepMerge, testPolicy, type PolicyInput } from '../helpers/restgate.js'
import { policyFrom } from '../helpers/policy.js'
import { createLogSink } from '../helpers/log-sink.js'
import { freePort } from '../helpers/ports.js'
import { tempDir } from '../helpers/tmp.js'
import { readAssertion } from '../helpers/assertion.js'
import { createUpstream } from '../../src/upstream/pool.js'
import { createSignerBox } from '../../src/upstream/signer-box.js'
import { createUpstreamDirectory, MYSELF_PATH, type UpstreamDirectoryDeps } from '../../src/directory/upstream.js'
import type { Policy } from '../../src/policy/compile.js'

interface T {
  teardown(fn: () => unknown): void
}

const CACHE_S = 60
const GRACE_S = 600

function directoryPolicy(url: string, extra: PolicyInput = {}): Policy {
  const base = { directory: { source: 'upstream', cacheSeconds: CACHE_S, graceSeconds: GRACE_S, admins: { users: ['carol'], groups: ['jira-administrators'] } } }
  return policyFrom(testPolicy(url, deepMerge(base, extra))).policy
}

function setup(t: T, url: string, extra: Partial<UpstreamDirectoryDeps> = {}) {
  const clock = { ms: 1_700_000_000_000, now() { return this.ms } }
  const logs = createLogSink()
  const client = createUpstream(policyFrom(testPolicy(url)).config.upstream!)
  t.teardown(() => client.close())
  const directory = createUpstreamDirectory({ client, clock, logger: pino({ level: 'debug' }, logs.stream), ...extra })
  return { clock, logs, directory }
}

const lookups = (stub: StubJira, user?: string) =>
  stub.requests.filter((r) => r.url === MYSELF_PATH && (user === undefined || r.headers['x-forwarded-user'] === user)).length

async function jira(t: T): Promise<StubJira> {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'x', groups: ['jira-users', 'jira-administrators'] })
  stub.users.set('bob', { password: 'x', groups: ['jira-users'] })
  return stub
}

t.test('groups come from Jira, asked with the identity headers Jira trusts', async (t) => {
  const stub = await jira(t)
  const { directory } = setup(t, stub.url)
  const policy = directoryPolicy(stub.url)
  t.same(await directory.groupsOf('alice', policy), ['jira-users', 'jira-administrators'])
  const req = stub.requests.at(-1)!
  t.equal(req.method, 'GET')
  t.equal(req.url, '/rest/api/2/myself?expand=groups')
  t.equal(req.headers['x-forwarded-user'], 'alice')
  t.equal(req.headers['x-forwarded-auth'], 'directory', 'Jira can tell a lookup from the user')
  t.equal(req.headers['authorization'], undefined, 'no credential of anyone')
  t.equal(req.headers['x-restgate-assertion'], undefined, 'no signing configured')
})

t.test('custom identity header names and the signed assertion are used as for forwarded requests', async (t) => {
  const stub = await jira(t)
  stub.identityHeader = 'x-remote-user'
  const dir = tempDir(t)
  const key = randomBytes(32)
  const keyFile = join(dir, 'k')
  writeFileSync(keyFile, key)
  const policy = directoryPolicy(stub.url, { identity: { userHeader: 'X-Remote-User', methodHeader: 'X-Remote-Auth', signing: { keyFile } } })
  const signer = createSignerBox({ now: () => 42 })
  const prepared = signer.prepare(policy.config)
  if ('problems' in prepared) return t.fail('key')
  prepared.commit()
  const { directory } = setup(t, stub.url, { signer })
  t.same(await directory.groupsOf('bob', policy), ['jira-users'])
  const h = stub.requests.at(-1)!.headers
  t.equal(h['x-remote-user'], 'bob')
  t.equal(h['x-remote-auth'], 'directory')
  const assertion = String(h['x-restgate-assertion'])
  t.match(assertion, /^v2;user=bob;method=directory;ts=42;nonce=[\w-]{16};sig=/)
  t.same(readAssertion(key, assertion, { method: 'GET', target: MYSELF_PATH })?.user, 'bob', 'signed with the key, for this lookup')
  t.equal(readAssertion(key, assertion, { method: 'GET', target: '/rest/api/2/issue/X-1' }), undefined, 'and for no other request')
})

t.test('admin through a Jira group; static admins.users and groups count too', async (t) => {
  const stub = await jira(t)
  const { directory } = setup(t, stub.url)
  const policy = directoryPolicy(stub.url, { directory: { groups: { ops: ['bob'] } } })
  t.equal(await directory.isAdmin('alice', policy), true, 'member of jira-administrators in Jira')
  t.equal(await directory.isAdmin('bob', policy), false)
  t.same(await directory.groupsOf('bob', policy), ['jira-users', 'ops'], 'static groups are added to the Jira ones')
  const before = stub.requests.length
  t.equal(await directory.isAdmin('carol', policy), true, 'directory.admins.users')
  t.equal(stub.requests.length, before, 'needs no lookup')
  const noAdminGroups = directoryPolicy(stub.url, { directory: { admins: { users: [], groups: [] } } })
  t.equal(await directory.isAdmin('dave', noAdminGroups), false)
  t.equal(lookups(stub, 'dave'), 0, 'no admin groups configured: no lookup either')
})

t.test('answers are cached per user; concurrent callers share one lookup', async (t) => {
  const stub = await jira(t)
  const { directory } = setup(t, stub.url)
  const policy = directoryPolicy(stub.url)
  await directory.groupsOf('alice', policy)
  await directory.groupsOf('alice', policy)
  await directory.isAdmin('alice', policy)
  t.equal(lookups(stub, 'alice'), 1, 'one request for three questions')
  const all = await Promise.all(Array.from({ length: 10 }, () => directory.groupsOf('bob', policy)))
  t.ok(all.every((g) => g.join() === 'jira-users'))
  t.equal(lookups(stub, 'bob'), 1, 'ten concurrent callers, one request')
})

t.test('a cached answer expires after directory.cacheSeconds (injected clock)', async (t) => {
  const stub = await jira(t)
  const { directory, clock } = setup(t, stub.url)
  const policy = directoryPolicy(stub.url)
  t.same(await directory.groupsOf('bob', policy), ['jira-users'])
  stub.users.set('bob', { password: 'x', groups: ['jira-users', 'jira-administrators'] })
  clock.ms += CACHE_S * 1000 - 1
  t.equal(await directory.isAdmin('bob', policy), false, 'still the cached answer')
  t.equal(lookups(stub, 'bob'), 1)
  clock.ms += 1
  t.equal(await directory.isAdmin('bob', policy), true, 'asked again: now an admin')
  t.equal(lookups(stub, 'bob'), 2)
  // A reload that lowers cacheSeconds applies to answers already cached.
  clock.ms += 10_000
  t.same(await directory.groupsOf('bob', directoryPolicy(stub.url, { directory: { cacheSeconds: 5 } })), ['jira-users', 'jira-administrators'])
  t.equal(lookups(stub, 'bob'), 3)
})

t.test('Jira failing: the last answer within the grace period, then no groups (never a grant)', async (t) => {
  const stub = await jira(t)
  const { directory, clock, logs } = setup(t, stub.url, { retryMs: 5000 })
  const policy = directoryPolicy(stub.url)
  t.equal(await directory.isAdmin('alice', policy), true)

  let down = true
  stub.handle = (_req, res) => {
    if (!down) return false
    res.writeHead(503).end('maintenance')
    return true
  }
  clock.ms += CACHE_S * 1000 + 1
  t.equal(await directory.isAdmin('alice', policy), true, 'within grace: the last known answer')
  t.equal(lookups(stub, 'alice'), 2, 'Jira was asked')
  const warn = await logs.waitFor((l) => l['msg'] === 'directory: Jira cannot answer, using the last known groups')
  t.equal(warn['user'], 'alice')
  t.equal(warn['reason'], 'Jira answered 503')

  clock.ms += 1000
  t.equal(await directory.isAdmin('alice', policy), true)
  t.equal(lookups(stub, 'alice'), 2, 'no new attempt within retryMs of a failure')

  clock.ms += GRACE_S * 1000
  t.equal(await directory.isAdmin('alice', policy), false, 'past grace: no admin')
  t.same(await directory.groupsOf('alice', policy), [], 'and no groups')
  t.equal(lookups(stub, 'alice'), 3)
  await logs.waitFor((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('directory: Jira cannot answer and no recent answer'))

  down = false
  clock.ms += 5000
  t.equal(await directory.isAdmin('alice', policy), true, 'Jira back: a fresh answer')
})

t.test('Jira unreachable (connection refused) and never answered: no groups', async (t) => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const { directory, logs } = setup(t, url)
  const policy = directoryPolicy(url)
  t.equal(await directory.isAdmin('alice', policy), false)
  t.equal(await directory.isAdmin('carol', policy), true, 'a static admin still is one')
  const warn = await logs.waitFor((l) => l['user'] === 'alice' && l['level'] === 40)
  t.match(warn['reason'], /ECONNREFUSED/)
})

t.test('a Jira that hangs is given up on after the lookup timeout', async (t) => {
  const stub = await jira(t)
  stub.handle = (req) => req.url === MYSELF_PATH
  const { directory } = setup(t, stub.url, { timeoutMs: 150 })
  const started = Date.now()
  t.same(await directory.groupsOf('alice', directoryPolicy(stub.url)), [])
  t.ok(Date.now() - started < 2000, 'bounded by the timeout')
})

t.test('Jira says the user is unknown (401): no groups at once, not covered by the grace period', async (t) => {
  const stub = await jira(t)
  const { directory, clock } = setup(t, stub.url)
  const policy = directoryPolicy(stub.url)
  t.equal(await directory.isAdmin('alice', policy), true)
  stub.users.delete('alice')
  stub.identityHeader = 'x-nobody' // Jira no longer logs anyone in from the header: 401
  clock.ms += CACHE_S * 1000
  t.equal(await directory.isAdmin('alice', policy), false)
  t.equal(lookups(stub, 'alice'), 2)
  clock.ms += 1000
  t.equal(await directory.isAdmin('alice', policy), false, 'the refusal is cached like an answer')
  t.equal(lookups(stub, 'alice'), 2)
})

t.test('an answer about another user or of the wrong shape is not believed', async (t) => {
  const stub = await jira(t)
  const { directory } = setup(t, stub.url)
  const policy = directoryPolicy(stub.url)
  stub.handle = (req, res) => {
    if (req.url !== MYSELF_PATH) return false
    const body = req.headers['x-forwarded-user'] === 'bob' ? { name: 'admin', groups: { size: 1, items: [{ name: 'jira-administrators' }] } } : 'not json{'
    res.writeHead(200, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body))
    return true
  }
  t.equal(await directory.isAdmin('bob', policy), false, "Jira answered for 'admin': not bob's groups")
  t.same(await directory.groupsOf('alice', policy), [], 'unparsable answer')
})

t.test('an oversized answer is refused', async (t) => {
  const stub = await jira(t)
  const { directory } = setup(t, stub.url)
  stub.users.set('alice', { password: 'x', groups: Array.from({ length: 40_000 }, (_, i) => `group-with-a-long-name-${i}`) })
  t.same(await directory.groupsOf('alice', directoryPolicy(stub.url)), [])
})

t.test('the cache is bounded: least recently used users are forgotten', async (t) => {
  const stub = await jira(t)
  const { directory } = setup(t, stub.url, { maxEntries: 2 })
  const policy = directoryPolicy(stub.url)
  await directory.groupsOf('alice', policy)
  await directory.groupsOf('bob', policy)
  await directory.groupsOf('alice', policy)
  await directory.groupsOf('carol', policy)
  t.equal(directory.cacheSize, 2)
  t.equal(lookups(stub), 3)
  await directory.groupsOf('alice', policy)
  t.equal(lookups(stub), 3, 'alice was used recently: kept')
  await directory.groupsOf('bob', policy)
  t.equal(lookups(stub), 4, 'bob was the least recently used: asked again')
  directory.clear()
  t.equal(directory.cacheSize, 0)
})
