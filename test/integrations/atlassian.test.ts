// The Seraph authenticators for Jira and Confluence (integrations/atlassian): the jar builds with the one
// script, its JUnit tests pass, and restgate's own signer and the Java verifier agree on every shared vector,
// the ones it must accept and the ones it must refuse.
import t from 'tap'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { newNonce, signAssertion, type SignedRequest } from '../../src/upstream/assertion.js'
import { signerFromKey } from '../../src/upstream/identity.js'
import { MYSELF_PATH, DIRECTORY_METHOD } from '../../src/directory/upstream.js'
import { repoPath } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'

// javac twice and a JUnit run: seconds when the machine is quiet, much longer when two cores are shared.
t.setTimeout(300_000)

const BUILD = repoPath('integrations', 'atlassian', 'build.sh')
const JAR = repoPath('integrations', 'atlassian', 'dist', 'restgate-atlassian.jar')

function run(args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out, ms: Date.now() - started }))
  })
}

function count(out: string, what: string): number {
  const m = new RegExp(`\\[\\s*(\\d+) tests ${what}\\s*\\]`).exec(out)
  return m === null ? -1 : Number(m[1])
}

function jarEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const py = spawn('/usr/bin/python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', file])
    let out = ''
    py.stdout.on('data', (c: Buffer) => (out += c.toString()))
    py.on('error', reject)
    py.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`python3 exited ${code}`))))
  })
}

/** The class-file major versions in the jar (55 is Java 11). */
function classVersions(file: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(" ".join(sorted({str(int.from_bytes(z.read(n)[6:8], "big")) for n in z.namelist() if n.endswith(".class")})))'
    const py = spawn('/usr/bin/python3', ['-c', script, file])
    let out = ''
    py.stdout.on('data', (c: Buffer) => (out += c.toString()))
    py.on('error', reject)
    py.on('close', (code) => (code === 0 ? resolve(out.trim().split(' ').map(Number)) : reject(new Error(`python3 exited ${code}`))))
  })
}

t.test('build.sh builds the jar and its JUnit tests pass', async (t) => {
  const built = await run(['--test'])
  t.comment(`build.sh --test: ${(built.ms / 1000).toFixed(1)} s`)
  t.equal(built.code, 0, built.code === 0 ? 'exit 0' : built.out.slice(-4000))
  t.ok(existsSync(JAR), 'dist/restgate-atlassian.jar')
  const passed = count(built.out, 'successful')
  t.ok(passed >= 49, `JUnit: ${passed} tests successful`)
  t.equal(count(built.out, 'failed'), 0, 'JUnit: 0 tests failed')
  const entries = await jarEntries(JAR)
  t.ok(entries.includes('restgate/atlassian/RestgateJiraAuthenticator.class'))
  t.ok(entries.includes('restgate/atlassian/RestgateConfluenceAuthenticator.class'))
  t.same(entries.filter((e) => e.startsWith('com/')), [], 'no stand-in of an Atlassian class in the jar')
  t.same(entries.filter((e) => /Test|Fake|VectorCheck|Sign\b/.test(e)), [], 'no test class in the jar')
  t.same(await classVersions(JAR), [55], 'Java 11 class files: they load on the Java 11 that Jira 9 and Confluence 8 may run on')
})

interface Vector {
  readonly name: string
  readonly now: number
  readonly peer: string
  readonly request: SignedRequest
  readonly headers: readonly string[]
  readonly outcome: string
  readonly user?: string
}

t.test('shared vectors: what restgate signs, the Java verifier accepts, and nothing else', async (t) => {
  const dir = tempDir(t)
  const key = randomBytes(32)
  const keyFile = join(dir, 'assertion.key')
  writeFileSync(keyFile, key)
  const T = 1_700_000_000_000
  const peer = '10.20.30.40'
  const get: SignedRequest = { method: 'GET', target: '/rest/api/2/issue/X-1?fields=summary' }
  const sign = (user: string, method: string, request: SignedRequest, ts = T, k = key): string =>
    signAssertion(k, { user, method, ts, nonce: newNonce() }, request)
  const valid = sign('alice', 'kerberos', get)
  const other = sign('bob', 'token', get)
  const post: SignedRequest = { method: 'POST', target: '/rest/api/2/search?jql=project%3DX%20AND%20status%3D%22Done%22' }
  // The signer restgate runs, with its clock: the same bytes a forwarded request carries.
  const lookup = signerFromKey(key, { now: () => T }).sign('bob', DIRECTORY_METHOD, { method: 'GET', target: MYSELF_PATH })
  const vectors: Vector[] = [
    { name: 'valid', now: T, peer, request: get, headers: [valid], outcome: 'VALID', user: 'alice' },
    { name: 'valid: a user name that needs encoding', now: T, peer, request: get, headers: [sign("jöe o'neil, x;y=z", 'session', get)], outcome: 'VALID', user: "jöe o'neil, x;y=z" },
    { name: 'valid: POST with an encoded query', now: T, peer, request: post, headers: [sign('carol', 'token', post)], outcome: 'VALID', user: 'carol' },
    { name: 'valid: an empty query is no query', now: T, peer, request: { method: 'GET', target: '/rest/api/2/myself' }, headers: [sign('dave', 'token', { method: 'GET', target: '/rest/api/2/myself?' })], outcome: 'VALID', user: 'dave' },
    { name: 'valid: the directory lookup', now: T, peer, request: { method: 'GET', target: MYSELF_PATH }, headers: [lookup], outcome: 'VALID', user: 'bob' },
    { name: 'valid: from an IPv6 restgate', now: T, peer: '0:0:0:0:0:0:0:1', request: get, headers: [sign('erin', 'kerberos', get)], outcome: 'VALID', user: 'erin' },
    { name: 'valid: at the edge of the window', now: T + 30_000, peer, request: get, headers: [sign('frank', 'token', get)], outcome: 'VALID', user: 'frank' },
    { name: 'expired', now: T + 30_001, peer, request: get, headers: [sign('alice', 'token', get)], outcome: 'EXPIRED' },
    { name: 'future', now: T, peer, request: get, headers: [sign('alice', 'token', get, T + 5_001)], outcome: 'FUTURE' },
    { name: 'wrong key', now: T, peer, request: get, headers: [sign('alice', 'token', get, T, randomBytes(32))], outcome: 'BAD_SIGNATURE' },
    { name: 'tampered user', now: T, peer, request: get, headers: [sign('alice', 'token', get).replace('user=alice', 'user=admin')], outcome: 'BAD_SIGNATURE' },
    { name: 'tampered method', now: T, peer, request: get, headers: [sign('alice', 'token', get).replace('method=token', 'method=kerberos')], outcome: 'BAD_SIGNATURE' },
    { name: 'tampered time', now: T, peer, request: get, headers: [sign('alice', 'token', get).replace(`ts=${T}`, `ts=${T + 1}`)], outcome: 'BAD_SIGNATURE' },
    { name: 'tampered nonce', now: T, peer, request: get, headers: [sign('alice', 'token', get).replace(/nonce=./, 'nonce=_')], outcome: 'BAD_SIGNATURE' },
    { name: 'replayed on another HTTP method', now: T, peer, request: { ...get, method: 'DELETE' }, headers: [sign('alice', 'token', get)], outcome: 'BAD_SIGNATURE' },
    { name: 'replayed on another path', now: T, peer, request: { ...get, target: '/rest/api/2/issue/X-2?fields=summary' }, headers: [sign('alice', 'token', get)], outcome: 'BAD_SIGNATURE' },
    { name: 'replayed with another query', now: T, peer, request: { ...get, target: '/rest/api/2/issue/X-1?fields=*all' }, headers: [sign('alice', 'token', get)], outcome: 'BAD_SIGNATURE' },
    { name: 'truncated signature', now: T, peer, request: get, headers: [sign('alice', 'token', get).slice(0, -1)], outcome: 'MALFORMED' },
    { name: 'truncated before the signature', now: T, peer, request: get, headers: [sign('alice', 'token', get).replace(/;sig=.*$/, '')], outcome: 'MALFORMED' },
    { name: 'v1, the format before the request line was signed', now: T, peer, request: get, headers: [`v1;user=alice;method=token;ts=${T};sig=${'A'.repeat(43)}`], outcome: 'MALFORMED' },
    { name: 'two assertions in one request', now: T, peer, request: get, headers: [sign('alice', 'token', get), sign('bob', 'token', get)], outcome: 'SEVERAL' },
    { name: 'two assertions folded into one value', now: T, peer, request: get, headers: [`${sign('alice', 'token', get)}, ${other}`], outcome: 'SEVERAL' },
    { name: 'from an address that is not restgate', now: T, peer: '10.99.0.1', request: get, headers: [sign('alice', 'token', get)], outcome: 'UNTRUSTED_PEER' },
    { name: 'none', now: T, peer, request: get, headers: [], outcome: 'ABSENT' },
    { name: 'replayed: the first vector again', now: T + 1, peer, request: get, headers: [valid], outcome: 'REPLAYED' },
  ]
  const lines = vectors.map((v) => [v.name, v.now, v.peer, v.request.method, v.request.target, ...v.headers].join('\t'))
  const file = join(dir, 'vectors.tsv')
  writeFileSync(file, lines.join('\n') + '\n', 'latin1')

  const checked = await run(['--vectors', keyFile, '10.20.0.0/16, ::1', file])
  t.equal(checked.code, 0, checked.code === 0 ? 'verifier ran' : checked.out.slice(-4000))
  const verdicts = new Map(
    checked.out
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .map(([name, outcome, user]) => [name!, { outcome: outcome!, user: user === '' ? undefined : user }]),
  )
  for (const v of vectors) {
    t.same(verdicts.get(v.name), { outcome: v.outcome, user: v.user }, v.name)
  }
})
