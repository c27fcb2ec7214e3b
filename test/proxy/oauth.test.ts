// identity.oauth end to end: restgate signs each request it authenticated as its user, and a stub Jira checks
// the signatures with python3-oauthlib (test/fixtures/oauth_stub.py), an implementation independent of ours.
// Requests restgate did not authenticate are never signed; a tampered signature, a wrong consumer key and a
// reused nonce are refused by the verifier; client-sent OAuth parameters are refused before anything is signed.
import t from 'tap'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { startOAuthStub, type OAuthVerdict } from '../helpers/oauth-stub.js'
import { deepMerge, startRestgate, testPolicy, type PolicyInput, type TestRestgate } from '../helpers/restgate.js'
import { httpRequest, type HttpOptions } from '../helpers/http.js'
import { readAssertion } from '../helpers/assertion.js'
import { tempDir } from '../helpers/tmp.js'
import type { Authenticator } from '../../src/auth/types.js'
import { createOAuthBox } from '../../src/upstream/oauth-box.js'
import { createUpstreamDirectory, MYSELF_PATH } from '../../src/directory/upstream.js'
import { createUpstream } from '../../src/upstream/pool.js'
import { policyFrom } from '../helpers/policy.js'
import pino from 'pino'

interface T {
  teardown(fn: () => unknown): void
}

const CONSUMER = 'restgate-test'

/** Authenticates whoever `x-test-user` names: the chain's outcome is not the point here. */
const byHeader: Authenticator = {
  name: 'test-user',
  authenticate: (req) => {
    const user = req.headers['x-test-user']
    return typeof user === 'string' ? { identity: { user: decodeURIComponent(user), method: 'token' }, consumed: 'authorization' } : undefined
  },
}

function keyPair(dir: string, name = 'oauth.pem') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const file = join(dir, name)
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
  return { file, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string }
}

async function setup(t: T, oauth: PolicyInput = {}, extra: PolicyInput = {}) {
  const dir = tempDir(t)
  const key = keyPair(dir)
  const stub = await startOAuthStub(t, CONSUMER, key.publicPem)
  const policy = (more: PolicyInput = {}, o: PolicyInput = oauth): PolicyInput =>
    testPolicy(stub.url, deepMerge(deepMerge({ store: { path: join(dir, 'data', 'restgate.db') }, identity: { oauth: { consumerKey: CONSUMER, privateKeyFile: key.file, ...o } } }, extra), more))
  const rg = await startRestgate(t, policy(), { dir, authenticators: [byHeader], watch: false })
  return { dir, key, stub, rg, policy }
}

async function call(rg: TestRestgate, path: string, options: HttpOptions = {}): Promise<{ status: number; v: OAuthVerdict }> {
  const res = await httpRequest(`${rg.url}${path}`, options)
  return { status: res.status, v: res.json<OAuthVerdict>() }
}

const as = (user: string, headers: Record<string, string> = {}) => ({ headers: { 'x-test-user': encodeURIComponent(user), ...headers } })

t.test('requests restgate authenticated verify with oauthlib, as their user', async (t) => {
  const { rg } = await setup(t)
  const get = await call(rg, '/rest/api/2/search?jql=project%3DX+AND+text~%22a%20b%22&maxResults=5', as('alice'))
  t.equal(get.status, 200, get.v.reason ?? 'verified')
  t.equal(get.v.user, 'alice')
  t.equal(get.v.path, '/rest/api/2/search?jql=project%3DX+AND+text~%22a%20b%22&maxResults=5&xoauth_requestor_id=alice', 'the query untouched, the user added')

  const json = await call(rg, '/rest/api/2/issue', { method: 'POST', ...as('bob', { 'content-type': 'application/json' }), body: '{"fields":{"summary":"x=1&y"}}' })
  t.equal(json.status, 200, json.v.reason ?? 'POST with a JSON body')
  t.equal(json.v.body, '{"fields":{"summary":"x=1&y"}}', 'body forwarded as sent')

  const form = await call(rg, '/secure/QuickCreate.jspa', { method: 'POST', ...as('carol', { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }), body: 'summary=a+b%21&labels=x&labels=y&empty=' })
  t.equal(form.status, 200, form.v.reason ?? 'form body parameters signed, as RFC 5849 says')
  t.equal(form.v.body, 'summary=a+b%21&labels=x&labels=y&empty=')

  const odd = await call(rg, '/rest/api/2/x?b=2&a=1&a=&c&%C3%A9=%E2%9C%93', as("jöe o'neil"))
  t.equal(odd.status, 200, odd.v.reason ?? 'repeated, empty and encoded parameters; a name that needs encoding')
  t.equal(odd.v.user, "jöe o'neil")

  const put = await call(rg, '/rest/api/2/issue/X-1', { method: 'PUT', ...as('dave', { 'content-type': 'application/json' }), body: '{}' })
  t.equal(put.status, 200, put.v.reason ?? 'PUT')
  const del = await call(rg, '/rest/api/2/issue/X-1', { method: 'DELETE', ...as('dave') })
  t.equal(del.status, 200, del.v.reason ?? 'DELETE')
})

t.test('never signed: anonymous requests and Jira passwords passed through', async (t) => {
  const { rg } = await setup(t)
  const anon = await call(rg, '/rest/api/2/issue/X-1?xoauth_requestor_id=admin')
  t.equal(anon.v.authorization, null, 'anonymous: no Authorization at all')
  t.equal(anon.v.path, '/rest/api/2/issue/X-1?xoauth_requestor_id=admin', 'and nothing added (an unsigned requestor id means nothing)')
  t.equal(anon.v.reason, 'no OAuth Authorization header')
  const basic = `Basic ${Buffer.from('bob:jira-password').toString('base64')}`
  const password = await call(rg, '/rest/api/2/myself', { headers: { authorization: basic } })
  t.equal(password.v.authorization, basic, 'the password goes to Jira as the client sent it')
  t.equal(password.v.path, '/rest/api/2/myself')
})

t.test('the verifier refuses a tampered signature, a tampered request and a reused nonce', async (t) => {
  const { rg, stub } = await setup(t)
  const first = await call(rg, '/rest/api/2/issue/X-1?fields=summary', as('alice'))
  t.equal(first.status, 200, first.v.reason ?? 'verified')
  const header = first.v.authorization!
  const direct = (path: string, authorization: string) => httpRequest(`${stub.url}${path}`, { headers: { authorization } }).then((r) => r.json<OAuthVerdict>())

  const sig = /oauth_signature="([^"]+)"/.exec(header)![1]!
  const flipped = sig[0] === 'A' ? `B${sig.slice(1)}` : `A${sig.slice(1)}`
  t.equal((await direct(first.v.path, header.replace(sig, flipped))).reason, 'signature does not verify', 'tampered signature')
  t.equal((await direct(first.v.path.replace('alice', 'admin'), header)).reason, 'signature does not verify', 'another user')
  t.equal((await direct(first.v.path.replace('X-1', 'X-2'), header)).reason, 'signature does not verify', 'another path')
  t.equal((await direct(first.v.path, header)).reason, 'nonce reused', 'the very same request again')
})

t.test('a consumer key the link does not know is refused; a reload fixes it', async (t) => {
  const { rg, policy } = await setup(t, { consumerKey: 'someone-else' })
  const wrong = await call(rg, '/rest/api/2/myself', as('alice'))
  t.equal(wrong.status, 401)
  t.equal(wrong.v.reason, 'unknown consumer key')
  writeFileSync(rg.configPath, stringify(policy({}, {})))
  t.equal((await rg.reload('SIGHUP')).result, 'applied')
  const right = await call(rg, '/rest/api/2/myself', as('alice'))
  t.equal(right.status, 200, right.v.reason ?? 'verified after the reload')
})

t.test('client-sent OAuth parameters are refused before anything is signed', async (t) => {
  const { rg } = await setup(t)
  for (const path of ['/rest/api/2/myself?xoauth_requestor_id=admin', '/rest/api/2/myself?a=1&oauth_token=abc', '/rest/api/2/myself?xoauth%5Frequestor%5Fid=admin']) {
    const res = await httpRequest(`${rg.url}${path}`, as('alice'))
    t.equal(res.status, 400, path)
    t.equal(res.json()['code'], 'RG_ERR_OAUTH_PARAMETER', path)
  }
  const form = await httpRequest(`${rg.url}/secure/Dashboard.jspa`, { method: 'POST', ...as('alice', { 'content-type': 'application/x-www-form-urlencoded' }), body: 'a=1&xoauth_requestor_id=admin' })
  t.equal(form.status, 400, 'also in a form body')
  t.match(rg.logs.lines.find((l) => l['msg'] === 'request carries an OAuth parameter of its own: not signed, refused'), { user: 'alice', parameter: 'xoauth_requestor_id' })
})

t.test('a form body to sign is bounded', async (t) => {
  const { rg } = await setup(t)
  const res = await httpRequest(`${rg.url}/secure/x`, { method: 'POST', ...as('alice', { 'content-type': 'application/x-www-form-urlencoded' }), body: `a=${'x'.repeat(2 * 1024 * 1024)}` })
  t.equal(res.status, 413)
  t.equal(res.json()['code'], 'RG_ERR_PAYLOAD_TOO_LARGE')
})

t.test('identity.oauth.baseUrl: the URL Jira believes it serves (a connector with proxyName) is what gets signed', async (t) => {
  const dir = tempDir(t)
  const key = keyPair(dir)
  const behindProxyName = await startOAuthStub(t, CONSUMER, key.publicPem, 'https://jira.example.com')
  const policy = (oauth: PolicyInput) => testPolicy(behindProxyName.url, { identity: { oauth: { consumerKey: CONSUMER, privateKeyFile: key.file, ...oauth } } })
  const rg = await startRestgate(t, policy({}), { dir, authenticators: [byHeader], watch: false })
  t.equal((await call(rg, '/rest/api/2/myself', as('alice'))).v.reason, 'signature does not verify', 'upstream.url signed, Jira checks its public URL')
  writeFileSync(rg.configPath, stringify({ ...policy({ baseUrl: 'https://jira.example.com' }), store: { path: join(dir, 'data', 'restgate.db') } }))
  t.equal((await rg.reload('SIGHUP')).result, 'applied')
  const ok = await call(rg, '/rest/api/2/myself', as('alice'))
  t.equal(ok.status, 200, ok.v.reason ?? 'verified with baseUrl')
})

t.test('the key is re-read on reload; a bad key refuses the reload and the old one stays', async (t) => {
  const { rg, dir, policy, stub } = await setup(t)
  const next = keyPair(dir, 'next.pem')
  // The same Jira with the link's public key replaced: it rebuilds the URL restgate signed for the first stub.
  const nextStub = await startOAuthStub(t, CONSUMER, next.publicPem, stub.url)
  writeFileSync(join(dir, 'oauth.pem'), 'not a key\n')
  const bad = await rg.reload('SIGHUP')
  t.equal(bad.result, 'failed')
  t.match(bad.problems, [{ path: 'identity.oauth.privateKeyFile', message: /is not a PEM private key/ }])
  t.equal((await call(rg, '/rest/api/2/myself', as('alice'))).status, 200, 'the key in force still signs')

  writeFileSync(rg.configPath, stringify(policy({}, { privateKeyFile: next.file })))
  t.equal((await rg.reload('SIGHUP')).result, 'applied')
  const signed = await call(rg, '/rest/api/2/myself', as('alice'))
  t.equal(signed.v.reason, 'signature does not verify', 'the old public key no longer matches')
  const replay = await httpRequest(`${nextStub.url}${signed.v.path}`, { headers: { authorization: signed.v.authorization! } })
  t.equal(replay.status, 200, 'the new public key does')
  const material = readFileSync(next.file, 'utf8').split('\n')[3]!
  t.equal(JSON.stringify(rg.logs.lines).includes(material), false, 'no key in the logs')
})

t.test('with the signed assertion as well, the assertion covers the target as sent, user included', async (t) => {
  const dir = tempDir(t)
  const secret = randomBytes(32)
  const keyFile = join(dir, 'assertion.key')
  writeFileSync(keyFile, secret)
  const { rg } = await setup(t, {}, { identity: { signing: { keyFile } } })
  const res = await call(rg, '/rest/api/2/issue/X-1?fields=summary', as('alice'))
  t.equal(res.status, 200, res.v.reason ?? 'verified')
  t.equal(readAssertion(secret, res.v.assertion ?? undefined, { method: 'GET', target: res.v.path })?.user, 'alice', 'signed for the target Jira receives')
})

t.test('directory lookups are signed as the user they ask about', async (t) => {
  const dir = tempDir(t)
  const key = keyPair(dir)
  const stub = await startOAuthStub(t, CONSUMER, key.publicPem)
  const policy = policyFrom(testPolicy(stub.url, { identity: { oauth: { consumerKey: CONSUMER, privateKeyFile: key.file } }, directory: { source: 'upstream' } })).policy
  const oauth = createOAuthBox({ now: () => Date.now() })
  const prepared = oauth.prepare(policy.config)
  if ('problems' in prepared) return t.fail('key')
  prepared.commit()
  const client = createUpstream(policy.config.upstream!)
  t.teardown(() => client.close())
  const seen: Array<{ path: string; status?: number }> = []
  const spy = {
    ...client,
    pool: {
      request: async (o: { path: string }) => {
        const entry: { path: string; status?: number } = { path: o.path }
        seen.push(entry)
        const res = await client.pool.request(o as never)
        entry.status = res.statusCode
        return res
      },
    },
  }
  const directory = createUpstreamDirectory({ client: spy as never, clock: { now: () => Date.now() }, logger: pino({ level: 'silent' }), oauth })
  await directory.groupsOf('bob', policy)
  t.equal(seen.length, 1)
  t.equal(seen[0]!.path, `${MYSELF_PATH}&xoauth_requestor_id=bob`)
  t.equal(seen[0]!.status, 200, 'oauthlib verified the lookup')
})
