// oauth2-proxy GHSA-5hvv-m4w4-gf6v: a request header match skipped authentication. In restgate a
// user-agent rule (kerberos.excludeUserAgents) only spares a client the Negotiate challenge: it never
// skips a check another rule requires, nor the check of a Negotiate token the client does send.
// https://github.com/oauth2-proxy/oauth2-proxy/security/advisories/GHSA-5hvv-m4w4-gf6v
import t from 'tap'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'

const kdc = await startKdc(t)
const stub = await startStubJira(t)
const rg = await startRestgate(
  t,
  testPolicy(stub.url, {
    anonymous: 'deny',
    kerberos: { enabled: true, keytab: kdc.keytab, replayCacheDir: tempDir(t), excludeUserAgents: ['Java/', '/^curl\\//'] },
  }),
)
const url = `${rg.url}/rest/api/2/myself`

for (const ua of ['Java/17.0.2', 'curl/8.1', 'Apache-HttpClient/4.5 (Java/17)']) {
  t.test(`user agent "${ua}" without a credential: still 401 under anonymous: deny`, async (t) => {
    const before = stub.requests.length
    const res = await httpRequest(url, { headers: { 'user-agent': ua } })
    t.equal(res.status, 401)
    t.equal(res.json()['code'], 'RG_ERR_UNAUTHENTICATED')
    t.notMatch(String(res.headers['www-authenticate']), /Negotiate/, 'spared the challenge, nothing more')
    t.equal(stub.requests.length, before, 'nothing forwarded')
  })
}

t.test('an excluded user agent with a bad Negotiate token is refused, not waved through', async (t) => {
  const before = stub.requests.length
  for (const header of ['Negotiate YIIBAA==', 'Negotiate TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==', 'Negotiate %%%']) {
    const res = await httpRequest(url, { headers: { 'user-agent': 'Java/17', authorization: header } })
    t.equal(res.status, 401, header)
    t.match(res.json()['code'], /^RG_ERR_KERBEROS_/, header)
  }
  t.equal(stub.requests.length, before)
})

t.test('an excluded user agent with a good token is authenticated like anyone else', async (t) => {
  const res = await httpRequest(url, { headers: { 'user-agent': 'Java/17', authorization: `Negotiate ${await kdc.token('alice')}` } })
  t.equal(res.status, 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
  t.equal(stub.requests.at(-1)!.headers['authorization'], undefined)
})
