// Where Kerberos applies and where it does not, end to end: the challenge, excluded paths, networks
// (IPv4 and IPv6) and user agents, anonymous deny vs passthrough, and the management API's chain.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import pino from 'pino'
import type { FastifyInstance } from 'fastify'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, type PolicyInput } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { buildApp } from '../../src/app.js'
import { parseConfig } from '../../src/config/load.js'
import { createRuntimeHolder } from '../../src/reload/runtime.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { createUpstream } from '../../src/upstream/pool.js'
import { prepareKerberos } from '../../src/kerberos/setup.js'
import { createSpnegoAuthenticator } from '../../src/auth/spnego.js'
import { systemClock } from '../../src/clock.js'

const exec = promisify(execFile)
const kdc = await startKdc(t)
const stub = await startStubJira(t)
const replayCacheDir = tempDir(t)
const kerberos = (extra: PolicyInput = {}) => ({ kerberos: { enabled: true, keytab: kdc.keytab, replayCacheDir, ...extra } })

const challengesOf = (raw: string[]) => raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'www-authenticate')

async function get(url: string, headers: Record<string, string> = {}) {
  const before = stub.requests.length
  const res = await httpRequest(url, { headers })
  return { res, forwarded: stub.requests.length > before ? stub.requests.at(-1)! : undefined }
}

t.test('no credential on a Kerberos path: 401 JSON with Negotiate, plus Basic where Basic is accepted', async (t) => {
  const rg = await startRestgate(t, testPolicy(stub.url, kerberos()))
  const { res, forwarded } = await get(`${rg.url}/rest/api/2/myself`, { 'user-agent': 'curl/8' })
  t.equal(res.status, 401)
  t.equal(res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.same(challengesOf(res.rawHeaders), ['Negotiate', 'Basic realm="restgate"'])
  t.equal(forwarded, undefined)
  const noBasic = await startRestgate(t, testPolicy(stub.url, { ...kerberos(), apiTokens: { enabled: false }, passwords: 'deny' }))
  t.same(challengesOf((await get(`${noBasic.url}/rest/api/2/myself`)).res.rawHeaders), ['Negotiate'], 'no tokens, no passwords: Negotiate alone')
})

t.test('an excluded path: no challenge, and a Negotiate header there is not restgate\'s', async (t) => {
  const rg = await startRestgate(t, testPolicy(stub.url, kerberos({ excludePaths: ['/rest/api/2/serverInfo'] })))
  const anon = await get(`${rg.url}/rest/api/2/serverInfo`)
  t.equal(anon.res.status, 200)
  t.equal(challengesOf(anon.res.rawHeaders).length, 0)
  t.equal(anon.forwarded?.headers['x-forwarded-user'], undefined)
  const token = `Negotiate ${await kdc.token('alice')}`
  const passed = await get(`${rg.url}/rest/api/2/serverInfo`, { authorization: token })
  t.equal(passed.forwarded?.headers['authorization'], token, 'forwarded untouched, not consumed')
  t.equal(passed.forwarded?.headers['x-forwarded-user'], undefined)
})

t.test('a denied network: no challenge; with anonymous: deny even a Negotiate header is no way in', async (t) => {
  const open = await startRestgate(t, testPolicy(stub.url, kerberos({ networks: { deny: ['127.0.0.0/8'] } })))
  const anon = await get(`${open.url}/rest/api/2/myself`)
  t.equal(anon.res.status, 401, 'Jira itself answers: not authenticated')
  t.equal(anon.forwarded?.headers['x-forwarded-user'], undefined, 'forwarded anonymously')
  t.equal(challengesOf(anon.res.rawHeaders).length, 0)

  const closed = await startRestgate(t, testPolicy(stub.url, { ...kerberos({ networks: { deny: ['127.0.0.0/8'] } }), anonymous: 'deny' }))
  const denied = await get(`${closed.url}/rest/api/2/myself`)
  t.equal(denied.res.status, 401)
  t.equal(denied.res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.notOk(challengesOf(denied.res.rawHeaders).includes('Negotiate'))
  const junk = await get(`${closed.url}/rest/api/2/myself`, { authorization: 'Negotiate YIIBAA==' })
  t.equal(junk.res.status, 401, 'an unclaimed Negotiate header does not get around anonymous: deny')
  t.equal(junk.forwarded, undefined)
})

t.test('anonymous: passthrough vs deny where Kerberos does not challenge (an excluded user agent)', async (t) => {
  const open = await startRestgate(t, testPolicy(stub.url, kerberos()))
  const passed = await get(`${open.url}/rest/api/2/issue/X`, { 'user-agent': 'Apache-HttpClient/4.5.14 (Java/17)' })
  t.equal(passed.res.status, 200)
  t.equal(challengesOf(passed.res.rawHeaders).length, 0)
  t.equal(passed.forwarded?.headers['x-forwarded-user'], undefined)
  const closed = await startRestgate(t, testPolicy(stub.url, { ...kerberos(), anonymous: 'deny' }))
  const denied = await get(`${closed.url}/rest/api/2/issue/X`, { 'user-agent': 'Apache-HttpClient/4.5.14 (Java/17)' })
  t.equal(denied.res.status, 401)
  t.same(challengesOf(denied.res.rawHeaders), ['Basic realm="restgate"'], 'no Negotiate for it, still denied')
  t.equal(denied.forwarded, undefined)
})

t.test('IPv6 clients: network rules on ::1, IPv4-mapped clients read as IPv4 (curl over both)', async (t) => {
  const rg = await startRestgate(t, testPolicy(stub.url, kerberos({ networks: { allow: ['::1/128'] } })), { host: '::' })
  const port = new URL(rg.url).port
  const curl = async (address: string) => {
    const { stdout } = await exec(
      'curl',
      ['-sS', '--negotiate', '-u', ':', '--resolve', `localhost:${port}:${address}`, '-w', '\n%{http_code}', `http://localhost:${port}/rest/api/2/myself`],
      { env: kdc.clientEnv('alice') },
    )
    return Number(stdout.trimEnd().split('\n').at(-1))
  }
  t.equal(await curl('[::1]'), 200, 'from ::1: challenged, then authenticated')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
  t.equal(await curl('127.0.0.1'), 401, 'from 127.0.0.1: outside kerberos.networks, no challenge: Jira answers')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], undefined)

  const v4 = await startRestgate(t, testPolicy(stub.url, kerberos({ networks: { allow: ['127.0.0.1'] } })), { host: '::' })
  const mapped = await httpRequest(`http://127.0.0.1:${new URL(v4.url).port}/rest/api/2/myself`)
  t.same(challengesOf(mapped.rawHeaders).slice(0, 1), ['Negotiate'], '::ffff:127.0.0.1 matches the IPv4 rule')
  const denyV6 = await startRestgate(t, testPolicy(stub.url, kerberos({ networks: { deny: ['::1'] } })), { host: '::' })
  const fromV6 = await httpRequest(`http://[::1]:${new URL(denyV6.url).port}/rest/api/2/myself`)
  t.equal(challengesOf(fromV6.rawHeaders).length, 0, 'deny ::1')
})

t.test('the management API runs the same Kerberos authenticator, mutual token included', async (t) => {
  const r = parseConfig(`upstream: { url: "${stub.url}" }\nkerberos: ${JSON.stringify(kerberos()['kerberos'])}\n`)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  const prepared = await prepareKerberos(r.config, { env: process.env, createReplayCacheDir: true })
  if (!prepared.ok) throw new Error(JSON.stringify(prepared.problems))
  const metrics = createMetrics({ defaultMetrics: false })
  const upstream = createUpstream(r.config.upstream!)
  t.teardown(() => upstream.close())
  const whoami = async (app: FastifyInstance) => {
    app.get('/me', { config: { access: 'user' } }, async (request) => ({ user: request.rg.auth!.identity.user }))
  }
  const app = await buildApp({
    runtime: createRuntimeHolder(r.config, '', 0),
    logger: pino({ level: 'silent' }),
    metrics,
    clock: systemClock,
    products: [{ name: 'jira', upstream }],
    authenticators: [createSpnegoAuthenticator({ kerberos: { current: prepared.state }, metrics })],
    apiFamilies: [['whoami', '1.0', whoami]],
  })
  t.teardown(() => app.close())
  const none = await app.inject({ url: '/rest/ksso/api/whoami/1.0/me' })
  t.equal(none.statusCode, 401)
  t.match(none.headers['www-authenticate'], /Negotiate/)
  const { context, token } = await kdc.client('bob')
  const res = await app.inject({ url: '/rest/ksso/api/whoami/1.0/me', headers: { authorization: `Negotiate ${token}` } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { user: 'bob' })
  await context.step((res.headers['www-authenticate'] as string).slice('Negotiate '.length))
  t.ok(context.contextComplete, 'the API response carries the mutual-authentication token')
})
