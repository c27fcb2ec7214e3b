// The signed identity assertion: its v2 format, what the signature covers (user, method, time, nonce and the
// request line it was made for), and that a running restgate signs the very request it forwards.
import t from 'tap'
import { createHmac, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { assertionPayload, newNonce, signAssertion, signedBytes } from '../../src/upstream/assertion.js'
import { signerFromKey } from '../../src/upstream/identity.js'
import { readAssertion } from '../helpers/assertion.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import type { Authenticator } from '../../src/auth/types.js'

const key = Buffer.alloc(32, 7)
const get = { method: 'GET', target: '/rest/api/2/issue/X-1?fields=summary' }

t.test('the header: version, percent-encoded user, auth method, time, nonce, then the signature', async (t) => {
  const value = signAssertion(key, { user: 'jöe;x=1', method: 'token', ts: 1_700_000_000_123, nonce: 'AAAAAAAAAAAAAAAA' }, get)
  t.match(value, /^v2;user=j%C3%B6e%3Bx%3D1;method=token;ts=1700000000123;nonce=AAAAAAAAAAAAAAAA;sig=[\w-]{43}$/)
  t.same(readAssertion(key, value, get), { user: 'jöe;x=1', method: 'token', ts: 1_700_000_000_123, nonce: 'AAAAAAAAAAAAAAAA' })
})

t.test('the signature covers the request line: another method or target does not verify', async (t) => {
  const value = signAssertion(key, { user: 'alice', method: 'kerberos', ts: 1, nonce: newNonce() }, get)
  t.ok(readAssertion(key, value, get))
  t.equal(readAssertion(key, value, { ...get, method: 'DELETE' }), undefined, 'same path, DELETE')
  t.equal(readAssertion(key, value, { ...get, target: '/rest/api/2/issue/X-2?fields=summary' }), undefined, 'another path')
  t.equal(readAssertion(key, value, { ...get, target: '/rest/api/2/issue/X-1?fields=*all' }), undefined, 'another query')
  t.equal(readAssertion(Buffer.alloc(32, 8), value, get), undefined, 'another key')
})

t.test('signed bytes: payload, method and target on their own lines; an empty query is no query; Latin-1', async (t) => {
  const payload = assertionPayload({ user: 'a', method: 'session', ts: 5, nonce: 'n'.repeat(16) })
  t.equal(signedBytes(payload, { method: 'PUT', target: '/x?' }).toString('latin1'), `${payload}\nPUT\n/x`)
  t.same(signedBytes(payload, { method: 'GET', target: '/\u00e9' }).subarray(-2), Buffer.from([0x2f, 0xe9]), 'one byte per character')
  const expected = createHmac('sha256', key).update(`${payload}\nPUT\n/x`).digest('base64url')
  t.equal(signAssertion(key, { user: 'a', method: 'session', ts: 5, nonce: 'n'.repeat(16) }, { method: 'PUT', target: '/x' }), `${payload};sig=${expected}`)
})

t.test('a fresh nonce for every assertion, from the clock it is given', async (t) => {
  const signer = signerFromKey(key, { now: () => 42 })
  const nonces = new Set<string>()
  for (let i = 0; i < 1000; i++) {
    const read = readAssertion(key, signer.sign('alice', 'token', get), get)
    t.equal(read?.ts, 42)
    nonces.add(read!.nonce)
  }
  t.equal(nonces.size, 1000)
})

t.test('restgate signs the request it forwards: method, canonical path and query as Jira receives them', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const keyFile = join(dir, 'assertion.key')
  const secret = randomBytes(32)
  writeFileSync(keyFile, secret)
  const alice: Authenticator = {
    name: 'fixed',
    authenticate: (req) => (req.headers['x-test-user'] === 'alice' ? { identity: { user: 'alice', method: 'token' }, consumed: 'authorization' } : undefined),
  }
  const rg = await startRestgate(t, testPolicy(stub.url, { identity: { signing: { keyFile } } }), { authenticators: [alice] })
  await httpRequest(`${rg.url}/rest/api/2/search?jql=project%3DX&maxResults=5`, { method: 'POST', headers: { 'x-test-user': 'alice' }, body: '{}' })
  const seen = stub.requests.at(-1)!
  t.equal(seen.url, '/rest/api/2/search?jql=project%3DX&maxResults=5')
  t.equal(readAssertion(secret, seen.headers['x-restgate-assertion'], { method: seen.method, target: seen.url })?.user, 'alice', 'verifies against what Jira received')
  t.equal(readAssertion(secret, seen.headers['x-restgate-assertion'], { method: 'GET', target: seen.url }), undefined, 'not as a GET')

  await httpRequest(`${rg.url}/rest/api/2/%69ssue/X-1;jsessionid=abc`, { headers: { 'x-test-user': 'alice' } })
  const canonical = stub.requests.at(-1)!
  t.equal(canonical.url, '/rest/api/2/issue/X-1;jsessionid=abc', 'canonical path forwarded, with the URL session Tomcat reads')
  t.ok(readAssertion(secret, canonical.headers['x-restgate-assertion'], { method: 'GET', target: canonical.url }), 'and signed as forwarded')

  await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { 'X-Restgate-Assertion': signAssertion(secret, { user: 'root', method: 'token', ts: Date.now(), nonce: newNonce() }, { method: 'GET', target: '/rest/api/2/issue/X-1' }) } })
  t.equal(stub.requests.at(-1)!.headers['x-restgate-assertion'], undefined, 'an anonymous request carries no assertion, not even a valid-looking client copy')
})
