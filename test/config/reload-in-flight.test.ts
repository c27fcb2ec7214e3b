// A request keeps the policy it started with (request.rg.policy, captured in the root onRequest hook),
// even when a reload lands while it is being authenticated and while the upstream is still answering.
// The next request sees the new policy.
import t from 'tap'
import { EventEmitter, once } from 'node:events'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, writePolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import type { AuthOutcome, Authenticator } from '../../src/auth/types.js'

t.test('a slow request started under policy A completes with A while B is swapped in; the next one gets B', async (t) => {
  const stub = await startStubJira(t)
  // Holds requests that carry X-Gate inside authentication until the test lets them go: the policy swap
  // happens between the request's start and its decision.
  const arrived = new EventEmitter()
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const gated: Authenticator = {
    name: 'gated',
    async authenticate(req): Promise<AuthOutcome> {
      if (req.headers['x-gate'] !== undefined) {
        arrived.emit('held')
        await gate
      }
      const user = req.headers['x-test-user']
      return typeof user === 'string' ? { identity: { user, method: 'token' }, consumed: 'authorization' } : undefined
    },
  }
  const A = testPolicy(stub.url, { anonymous: 'passthrough', identity: { userHeader: 'X-User-A' } })
  const B = testPolicy(stub.url, { anonymous: 'deny', identity: { userHeader: 'X-User-B' } })
  const rg = await startRestgate(t, A, { authenticators: [gated], watch: { debounceMs: 20 } })
  // A protected path (under /rest/) whose upstream answer waits for the test, too.
  const heldAnswers: Array<() => void> = []
  const upstream = new EventEmitter()
  stub.handle = (req, res) => {
    if (!req.url?.startsWith('/rest/api/2/hold')) return false
    heldAnswers.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"held":true}'))
    upstream.emit('held', heldAnswers.length)
    return true
  }

  const held = once(arrived, 'held')
  const anonymousA = httpRequest(`${rg.url}/rest/api/2/hold`, { headers: { 'x-gate': '1' } })
  await held
  const held2 = once(arrived, 'held')
  const aliceA = httpRequest(`${rg.url}/rest/api/2/hold`, { headers: { 'x-gate': '1', 'x-test-user': 'alice' } })
  await held2

  writePolicy(rg.dir, B)
  await rg.logs.waitFor((l) => l['msg'] === 'policy reloaded' && l['generation'] === 2)
  t.equal(rg.runtime.current.config.anonymous, 'deny', 'B is in force before the held requests decide')

  // Both reach the upstream under A; swap again (to a third policy) while the upstream holds them.
  const bothAtUpstream = new Promise<void>((resolve) => upstream.on('held', (n: number) => n === 2 && resolve()))
  release()
  await bothAtUpstream
  writePolicy(rg.dir, testPolicy(stub.url, { anonymous: 'deny', identity: { userHeader: 'X-User-C' } }))
  await rg.logs.waitFor((l) => l['msg'] === 'policy reloaded' && l['generation'] === 3)
  for (const answer of heldAnswers) answer()

  const [r1, r2] = await Promise.all([anonymousA, aliceA])
  t.equal(r1.status, 200, "anonymous passed: A's decision (B denies anonymous)")
  t.same(r1.json(), { held: true })
  t.equal(r2.status, 200)
  const seen = stub.requests.filter((r) => r.url.startsWith('/rest/api/2/hold'))
  t.equal(seen.length, 2)
  const alice = seen.find((r) => r.headers['x-user-a'] !== undefined)!
  t.equal(alice.headers['x-user-a'], 'alice', "identity sent in A's header")
  t.equal(alice.headers['x-user-b'], undefined)
  t.equal(alice.headers['x-user-c'], undefined)

  const anonymousNow = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)
  t.equal(anonymousNow.status, 401, 'the next anonymous request is decided by the policy now in force')
  await httpRequest(`${rg.url}/rest/api/2/issue/X-1`, { headers: { 'x-test-user': 'bob' } })
  t.equal(stub.requests.at(-1)!.headers['x-user-c'], 'bob', "the next request uses the new policy's header")
  t.equal(stub.requests.at(-1)!.headers['x-user-a'], undefined)
})
