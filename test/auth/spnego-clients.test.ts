// Kerberos through restgate with the clients Jira admins hand to their users, against a private MIT KDC:
// curl --negotiate, Python requests-kerberos (mutual authentication REQUIRED, OPTIONAL, force_preemptive),
// the kerberos package's own client; then each bad input a real deployment meets.
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { repoPath } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'

const exec = promisify(execFile)
const kdc = await startKdc(t)
const stub = await startStubJira(t)
const kerberos = { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: tempDir(t) }
const policy = (extra: Record<string, unknown> = {}) => testPolicy(stub.url, { kerberos: { ...kerberos, ...extra } })
const rg = await startRestgate(t, policy())
// Clients build the service name from the URL's host: HTTP@localhost.
const base = `http://localhost:${new URL(rg.url).port}`
const myself = `${base}/rest/api/2/myself`

const lastForwarded = () => stub.requests.at(-1)!

async function curl(user: string, url: string, extra: string[] = [], ccache?: string) {
  const env = kdc.clientEnv(user)
  if (ccache !== undefined) env['KRB5CCNAME'] = `FILE:${ccache}`
  const { stdout } = await exec('curl', ['-sS', '--negotiate', '-u', ':', '-D', '-', '-w', '\n%{http_code}', ...extra, url], { env })
  const lines = stdout.trimEnd().split('\n')
  return { status: Number(lines.at(-1)), text: lines.slice(0, -1).join('\n') }
}

async function python(user: string, url: string, mode: string, preemptive = false) {
  const args = [repoPath('test', 'fixtures', 'requests_kerberos_client.py'), url, mode, ...(preemptive ? ['preemptive'] : [])]
  const { stdout } = await exec('/usr/bin/python3', args, { env: kdc.clientEnv(user) })
  return JSON.parse(stdout) as { status?: number; body?: Record<string, unknown>; negotiate?: string | null; error?: string; message?: string }
}

t.test('curl --negotiate: the stub Jira sees alice, and no Authorization', async (t) => {
  const before = stub.requests.length
  const r = await curl('alice', myself)
  t.equal(r.status, 200)
  t.match(r.text, /\r?\nWWW-Authenticate: Negotiate [A-Za-z0-9+/=]{20,}\r?\n/i, 'mutual-auth token on the 200')
  t.match(r.text, /"name":"alice"/)
  t.equal(stub.requests.length, before + 1, 'the 401 challenge was answered by restgate, not forwarded')
  const seen = lastForwarded()
  t.equal(seen.headers['x-forwarded-user'], 'alice')
  t.equal(seen.headers['x-forwarded-auth'], 'kerberos')
  t.equal(seen.headers['authorization'], undefined)
})

for (const [mode, preemptive] of [['REQUIRED', false], ['OPTIONAL', false], ['REQUIRED', true]] as const) {
  t.test(`python requests-kerberos, mutual authentication ${mode}${preemptive ? ' + force_preemptive' : ''}`, async (t) => {
    const r = await python('bob', myself, mode, preemptive)
    t.equal(r.error, undefined, r.message ?? 'no client error')
    t.equal(r.status, 200)
    t.equal(r.body?.['name'], 'bob')
    t.match(r.negotiate, /^Negotiate [A-Za-z0-9+/=]+$/)
    t.equal(lastForwarded().headers['x-forwarded-user'], 'bob')
    t.equal(lastForwarded().headers['authorization'], undefined)
  })
}

t.test('control: requests-kerberos REQUIRED fails against a server that omits the response token', async (t) => {
  // Shows that the REQUIRED runs above really checked restgate's token.
  const bare = http.createServer((req, res) => {
    if (req.headers.authorization === undefined) {
      res.writeHead(401, { 'www-authenticate': 'Negotiate' }).end()
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"alice"}')
    }
  })
  bare.listen(0, '127.0.0.1')
  await once(bare, 'listening')
  t.teardown(() => new Promise<void>((resolve) => bare.close(() => resolve())))
  const r = await python('alice', `http://localhost:${(bare.address() as AddressInfo).port}/x`, 'REQUIRED')
  t.equal(r.error, 'MutualAuthenticationError')
})

t.test("the kerberos package's client: contextComplete after restgate's token", async (t) => {
  const { context, token } = await kdc.client('alice')
  const res = await httpRequest(myself, { headers: { authorization: `Negotiate ${token}` } })
  t.equal(res.status, 200)
  const header = res.headers['www-authenticate'] as string
  t.match(header, /^Negotiate /)
  t.notOk(context.contextComplete)
  await context.step(header.slice('Negotiate '.length))
  t.ok(context.contextComplete, 'the server proved it holds the service key')
})

async function refused(t: Test, authorization: string, code: string, outcome: string) {
  const before = stub.requests.length
  const res = await httpRequest(myself, { headers: { authorization } })
  t.equal(res.status, 401)
  t.equal(res.json()['code'], code)
  t.match(res.headers['content-type'], /application\/json/)
  t.equal(stub.requests.length, before, 'nothing forwarded')
  const line = await rg.logs.waitFor((l) => (l['kerberos'] as { outcome?: string } | undefined)?.outcome === outcome)
  t.match((line['kerberos'] as { fix: string }).fix, /\w+/, 'the log line says what to fix')
  return res
}

t.test('NTLM inside Negotiate: 401 RG_ERR_KERBEROS_NTLM, and the log says the client has no ticket', async (t) => {
  const res = await refused(t, 'Negotiate TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==', 'RG_ERR_KERBEROS_NTLM', 'ntlm')
  t.match(res.json()['message'], /no ticket for this service principal/)
  const line = rg.logs.lines.find((l) => (l['kerberos'] as { outcome?: string } | undefined)?.outcome === 'ntlm')!
  t.match((line['kerberos'] as { fix: string }).fix, /setspn/)
})

t.test('garbage: not base64, and base64 that is no GSS token', async (t) => {
  await refused(t, 'Negotiate !!!not-base64!!!', 'RG_ERR_KERBEROS_MALFORMED', 'malformed')
  await refused(t, 'Negotiate ' + Buffer.from('{"hello":"world"}').toString('base64'), 'RG_ERR_KERBEROS_MALFORMED', 'malformed')
})

t.test('a Negotiate header with no token in it counts as no credential: the challenge again, never forwarded', async (t) => {
  const before = stub.requests.length
  for (const authorization of ['Negotiate', 'Negotiate   ']) {
    const res = await httpRequest(myself, { headers: { authorization } })
    t.equal(res.status, 401, JSON.stringify(authorization))
    t.equal(res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
    t.match(res.headers['www-authenticate'], /^Negotiate\b/)
  }
  t.equal(stub.requests.length, before, 'nothing forwarded')
})

t.test('replay of a captured header: 401 RG_ERR_KERBEROS_REPLAY', async (t) => {
  const header = `Negotiate ${await kdc.token('alice')}`
  const first = await httpRequest(myself, { headers: { authorization: header } })
  t.equal(first.status, 200)
  await refused(t, header, 'RG_ERR_KERBEROS_REPLAY', 'replay')
})

t.test('a ticket for another service: rejected, and the log names the SPN problem', async (t) => {
  const res = await refused(t, `Negotiate ${await kdc.token('alice', 'HTTP@otherhost')}`, 'RG_ERR_KERBEROS_REJECTED', 'wrong_principal')
  t.match(res.json()['message'], /another service principal/)
})

t.test('a client clock an hour off (curl with a skewed cache): rejected as clock skew', async (t) => {
  const r = await curl('alice', myself, [], kdc.skewedCache('alice', 3600))
  t.equal(r.status, 401)
  t.match(r.text, /RG_ERR_KERBEROS_REJECTED/)
  const line = await rg.logs.waitFor((l) => (l['kerberos'] as { outcome?: string } | undefined)?.outcome === 'clock_skew')
  t.match((line['kerberos'] as { fix: string }).fix, /NTP/)
})

t.test("a trusted realm's user: refused by default, accepted once kerberos.realms lists it", async (t) => {
  const dir = tempDir(t)
  const own = await startRestgate(t, policy(), { dir })
  const url = `http://localhost:${new URL(own.url).port}/rest/api/2/myself`
  const denied = await httpRequest(url, { headers: { authorization: `Negotiate ${await kdc.token('carol')}` } })
  t.equal(denied.status, 401)
  t.equal(denied.json()['code'], 'RG_ERR_KERBEROS_REALM')
  writePolicy(dir, policy({ realms: ['RESTGATE.TEST', 'OTHER.TEST'] }))
  t.equal((await own.reload('test')).applied, true)
  const ok = await httpRequest(url, { headers: { authorization: `Negotiate ${await kdc.token('carol')}` } })
  t.equal(ok.status, 200)
  t.equal(lastForwarded().headers['x-forwarded-user'], 'carol')
})

t.test('an Authorization header over server.maxHeaderBytes: 431 before any Kerberos work', async (t) => {
  const small = await startRestgate(t, testPolicy(stub.url, { server: { maxHeaderBytes: 8192 }, kerberos }))
  const res = await httpRequest(`${small.url}/rest/api/2/myself`, { headers: { authorization: 'Negotiate YII' + 'A'.repeat(10000) } })
  t.equal(res.status, 431)
  t.equal(res.json()['code'], 'RG_ERR_HEADERS_TOO_LARGE')
})

t.test('the management API in the running chain: a Kerberos user creates and lists an API token', async (t) => {
  const tokens = `${base}/rest/ksso/api/apitokens/2.0/user/tokens`
  const created = await curl('alice', tokens, ['-H', 'Content-Type: application/json', '-d', '{"tokenName":"from-kerberos"}'])
  t.equal(created.status, 201)
  t.match(created.text, /"apiToken":"rgt_/)
  const listed = await curl('alice', tokens)
  t.equal(listed.status, 200)
  t.match(listed.text, /"tokenName":"from-kerberos","description":"[^"]*","username":"alice"/)
})

t.test('metrics count handshakes by outcome and time the acceptor; no token reaches the log', async (t) => {
  const text = await rg.metrics.registry.metrics()
  t.match(text, /restgate_kerberos_handshakes_total\{outcome="success"\} [1-9]/)
  for (const outcome of ['ntlm', 'malformed', 'replay', 'wrong_principal', 'clock_skew']) {
    t.match(text, new RegExp(`restgate_kerberos_handshakes_total\\{outcome="${outcome}"\\} [1-9]`), outcome)
  }
  t.match(text, /restgate_kerberos_accept_duration_seconds_count [1-9]/)
  t.notMatch(rg.logs.text(), /YII[A-Za-z0-9+/]{40}/, 'no SPNEGO token in any log line')
})
