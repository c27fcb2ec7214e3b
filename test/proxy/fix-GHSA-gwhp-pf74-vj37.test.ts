// Client-sent identity headers never reach Jira, whatever their spelling or count, and a client's
// Connection header can never remove a header restgate adds (GHSA-gwhp-pf74-vj37 in @fastify/reply-from).
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import type { Authenticator } from '../../src/auth/types.js'

const SPOOFS = [
  'X-Forwarded-User', 'evil1',
  'x-forwarded-user', 'evil2',
  'X-FORWARDED-USER', 'evil3',
  'X_Forwarded_User', 'evil4',
  'x-forwarded_user', 'evil5',
  'X-Forwarded-Auth', 'kerberos',
  'X_Forwarded_Auth', 'token',
  'X-Forwarded-Groups', 'jira-administrators',
  'X-Restgate-Assertion', 'v1;forged',
  'X-Remote-User', 'evil6',
]

function identityLike(rawHeaders: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const n = rawHeaders[i]!.toLowerCase().replace(/_/g, '-')
    if (['x-forwarded-user', 'x-forwarded-auth', 'x-forwarded-groups', 'x-restgate-assertion', 'x-remote-user'].includes(n)) {
      out.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`)
    }
  }
  return out
}

t.test('spoofed identity headers never arrive, even before any authentication exists', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { identity: { userHeader: 'X-Remote-User' } }))
  const res = await httpRequest(`${rg.url}/rest/api/2/myself`, { headers: SPOOFS })
  t.equal(res.status, 401, 'the stub saw no identity')
  t.same(identityLike(stub.requests.at(-1)!.rawHeaders), [])
})

t.test("restgate's own headers survive a client Connection header naming them", async (t) => {
  const stub = await startStubJira(t)
  // A stand-in authenticator: the real ones arrive with their issues; this one proves the header path.
  const fixed: Authenticator = {
    name: 'fixed',
    authenticate: () => ({ identity: { user: 'alice', method: 'token' }, consumed: 'authorization' }),
  }
  const rg = await startRestgate(t, testPolicy(stub.url, { identity: { userHeader: 'X-Remote-User' } }), { authenticators: [fixed] })
  stub.identityHeader = 'x-remote-user'
  const res = await httpRequest(`${rg.url}/rest/api/2/myself`, {
    headers: ['Authorization', 'Basic YWxpY2U6eA==', 'Connection', 'keep-alive, X-Remote-User, X_Remote_User, X-Forwarded-Auth, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host', ...SPOOFS],
  })
  t.equal(res.status, 200)
  t.equal(res.json()['name'], 'alice', 'the upstream saw the identity restgate set')
  const seen = stub.requests.at(-1)!
  t.same(identityLike(seen.rawHeaders), ['X-Remote-User: alice', 'X-Forwarded-Auth: token'])
  t.equal(seen.headers['x-forwarded-for'], '127.0.0.1')
  t.equal(seen.headers['x-forwarded-proto'], 'http')
  t.ok(seen.headers['x-forwarded-host'])
  t.equal(seen.headers['authorization'], undefined, 'the consumed credential is not forwarded')
})
