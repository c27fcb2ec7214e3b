// RFC 9110 §15.5.2: a 401 always carries WWW-Authenticate with at least one challenge. This walks every way
// restgate answers 401 (no credential, each refused credential, an expired session, a refused Kerberos
// handshake, `passwords: deny`, a failed login on the session resource and the token page) and checks the
// header: present, well formed, and offering what can answer it there, never Basic to a page's own script.
import t, { type Test } from 'tap'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest, type HttpResult } from '../helpers/http.js'
import { basic, bearer } from '../helpers/tokens.js'
import { postLogin } from '../helpers/sessions.js'
import { tempDir } from '../helpers/tmp.js'
import { DAY_MS } from '../../src/tokens/lifetime.js'

// auth-scheme [ 1*SP ( token68 / #auth-param ) ]: enough to catch an empty or garbled header.
const CHALLENGE = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*( [A-Za-z0-9._~+/-]+=*| [A-Za-z]+="[^"]*"(, ?[A-Za-z]+="[^"]*")*)?$/

/** Each WWW-Authenticate line as sent (Node's client joins repeated ones with ", "). */
function challengesOf(res: HttpResult): string[] {
  return res.rawHeaders.filter((_v, i, all) => i % 2 === 1 && all[i - 1]!.toLowerCase() === 'www-authenticate')
}

/** A 401 with the code and exactly the challenge schemes expected (in order). */
function checked(t: Test, res: HttpResult, code: string, schemes: string[], what: string): void {
  t.equal(res.status, 401, `${what}: 401`)
  t.equal(res.json()['code'], code, `${what}: ${code}`)
  const challenges = challengesOf(res)
  for (const c of challenges) t.match(c, CHALLENGE, `${what}: "${c}" is a challenge`)
  t.same(challenges.map((c) => c.split(' ', 1)[0]), schemes, `${what}: challenges ${schemes.join(', ')}`)
}

t.test('the proxy, the management API, the session resource and the token page: every 401 names a challenge', async (t) => {
  const clock = { at: Date.UTC(2026, 10, 23, 9), now() { return this.at } }
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const rg = await startRestgate(t, testPolicy(stub.url, { anonymous: 'deny', apiTokens: { creators: { groups: ['api-users'] } }, directory: { groups: { 'api-users': ['alice'] } } }), { clock })
  const make = (user: string, input = {}) => rg.tokens.service.create(user, input, rg.runtime.current.policy)
  const alice = await make('alice')
  const doomed = await make('alice', { validForDays: 1 })
  const carol = await make('carol') // not in apiTokens.creators.groups: her token is inactive
  const issue = `${rg.url}/rest/api/2/issue/X`
  const get = (url: string, headers: Record<string, string> | string[] = {}) => httpRequest(url, { headers })
  const B = ['Basic']

  checked(t, await get(issue), 'RG_ERR_UNAUTHENTICATED', B, 'no credential, anonymous: deny')
  checked(t, await get(issue, { authorization: 'Bearer ' }), 'RG_ERR_UNAUTHENTICATED', B, 'an empty Bearer')
  checked(t, await get(issue, { authorization: 'Basic   ' }), 'RG_ERR_UNAUTHENTICATED', B, 'an empty Basic')
  checked(t, await get(issue, { authorization: bearer('rgt_' + 'A'.repeat(40)) }), 'RG_ERR_TOKEN_INVALID', B, 'a damaged token')
  checked(t, await get(issue, { authorization: basic('bob', alice.secret) }), 'RG_ERR_TOKEN_INVALID', B, "another user's token")
  checked(t, await get(issue, { authorization: 'Basic %%%' }), 'RG_ERR_BAD_CREDENTIALS', B, 'unreadable Basic')
  checked(t, await get(issue, ['Authorization', bearer(alice.secret), 'Authorization', bearer(alice.secret)]), 'RG_ERR_BAD_CREDENTIALS', B, 'two Authorization headers')
  checked(t, await get(issue, { cookie: 'RESTGATE_SESSION=rgs_' + 'A'.repeat(43) }), 'RG_ERR_SESSION_EXPIRED', ['Bearer'], 'a dead session cookie (never Basic: a browser would prompt)')

  const api = `${rg.url}/rest/ksso/api/apitokens/2.0/user/tokens`
  checked(t, await get(api), 'RG_ERR_UNAUTHENTICATED', B, 'the management API, a script')
  checked(t, await get(api, { 'x-requested-with': 'XMLHttpRequest' }), 'RG_ERR_UNAUTHENTICATED', ['Bearer'], "the management API, the page's script")
  checked(t, await get(api, { authorization: basic('alice', 'wrong') }), 'RG_ERR_LOGIN_FAILED', B, 'a Jira password Jira refuses')

  checked(t, await postLogin(rg.url, { username: 'alice', password: 'rgt_' + 'B'.repeat(40) }), 'RG_ERR_TOKEN_INVALID', ['Bearer'], 'the session resource, a bad token')
  const page = `${rg.url}/restgate/tokens/api`
  checked(t, await get(`${page}/session`), 'RG_ERR_UNAUTHENTICATED', ['Bearer'], 'the token page, not logged in')
  const form = await httpRequest(`${page}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
    body: JSON.stringify({ username: 'alice', password: 'wrong' }),
  })
  checked(t, form, 'RG_ERR_LOGIN_FAILED', ['Bearer'], 'the token page, a wrong password')

  clock.at += 2 * DAY_MS
  checked(t, await get(issue, { authorization: bearer(doomed.secret) }), 'RG_ERR_TOKEN_EXPIRED', B, 'an expired token')
  checked(t, await get(issue, { authorization: bearer(carol.secret) }), 'RG_ERR_TOKEN_INACTIVE', B, 'an inactive token')
  t.equal(stub.requests.filter((r) => r.url === '/rest/api/2/issue/X').length, 0, 'none of them reached Jira')
})

t.test('passwords: deny, and a policy that offers neither Basic nor Negotiate', async (t) => {
  const stub = await startStubJira(t)
  const deny = await startRestgate(t, testPolicy(stub.url, { passwords: 'deny' }))
  checked(t, await httpRequest(`${deny.url}/rest/api/2/x`, { headers: { authorization: basic('alice', 'jira-pw') } }), 'RG_ERR_PASSWORDS_DISABLED', ['Basic'], 'passwords: deny (a token as the password works)')
  const bare = await startRestgate(t, testPolicy(stub.url, { passwords: 'deny', anonymous: 'deny', apiTokens: { basic: false } }))
  const refused = await httpRequest(`${bare.url}/rest/api/2/x`, { headers: { authorization: basic('alice', 'jira-pw') } })
  checked(t, refused, 'RG_ERR_PASSWORDS_DISABLED', ['Bearer'], 'passwords: deny with Basic tokens off')
  checked(t, await httpRequest(`${bare.url}/rest/api/2/x`), 'RG_ERR_UNAUTHENTICATED', ['Bearer'], 'nothing offered but Bearer tokens')
  t.equal(challengesOf(refused)[0], 'Bearer realm="restgate"')
})

t.test('a refused Kerberos handshake: 401 with Negotiate, even for a user agent spared the first challenge', async (t) => {
  const kdc = await startKdc(t)
  const stub = await startStubJira(t)
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, { kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: tempDir(t) } }),
  )
  const myself = `${rg.url}/rest/api/2/myself`
  const NEG_BASIC = ['Negotiate', 'Basic']
  checked(t, await httpRequest(myself), 'RG_ERR_UNAUTHENTICATED', NEG_BASIC, 'the first challenge')
  checked(t, await httpRequest(myself, { headers: { authorization: 'Negotiate !!!' } }), 'RG_ERR_KERBEROS_MALFORMED', NEG_BASIC, 'a malformed token')
  checked(t, await httpRequest(myself, { headers: { authorization: 'Negotiate TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==' } }), 'RG_ERR_KERBEROS_NTLM', NEG_BASIC, 'NTLM')
  const header = `Negotiate ${await kdc.token('alice')}`
  t.equal((await httpRequest(myself, { headers: { authorization: header } })).status, 200)
  checked(t, await httpRequest(myself, { headers: { authorization: header } }), 'RG_ERR_KERBEROS_REPLAY', NEG_BASIC, 'a replay')
  const java = await httpRequest(myself, { headers: { authorization: 'Negotiate !!!', 'user-agent': 'Java/17.0.15' } })
  checked(t, java, 'RG_ERR_KERBEROS_MALFORMED', NEG_BASIC, 'an excluded user agent that sent Negotiate anyway')
})
