// The management API's admin gate (config.access: 'admin') asks the directory the request's policy names:
// a non-admin gets 403, an admin through a Jira group gets in, an outage past grace locks group admins out
// (never in), and a reload that switches static <-> upstream takes effect with the next request.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from '../../src/app.js'
import { createRuntime, createRuntimeHolder } from '../../src/reload/runtime.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { createUpstream } from '../../src/upstream/pool.js'
import { createUpstreamDirectory } from '../../src/directory/upstream.js'
import { createPolicyDirectory } from '../../src/directory/policy-directory.js'
import type { Authenticator } from '../../src/auth/types.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { deepMerge, testPolicy, type PolicyInput } from '../helpers/restgate.js'
import { policyFrom } from '../helpers/policy.js'

// Stand-in identity: the real authenticators arrive with their issues.
const byHeader: Authenticator = {
  name: 'test-user',
  authenticate: (req) => {
    const user = req.headers['x-test-user']
    return typeof user === 'string' ? { identity: { user, method: 'token' }, consumed: 'authorization' } : undefined
  },
}

// A tiny admin-only resource family, only in this test's app: no admin route exists yet.
async function adminFamily(app: FastifyInstance): Promise<void> {
  app.get('/secret', { config: { access: 'admin' } }, async () => ({ secret: true }))
}

t.test('admin-only routes: 401 without identity, 403 for non-admins, 200 for admins from Jira groups', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'x', groups: ['jira-users', 'jira-administrators'] })
  stub.users.set('bob', { password: 'x', groups: ['jira-users'] })
  const clock = { ms: 1_700_000_000_000, now() { return this.ms } }
  const policy = (extra: PolicyInput) =>
    policyFrom(
      testPolicy(stub.url, deepMerge({ directory: { source: 'upstream', cacheSeconds: 60, graceSeconds: 60, admins: { users: ['carol'], groups: ['jira-administrators'] } } }, extra)),
    )
  const first = policy({})
  const runtime = createRuntimeHolder(first.config, first.text, clock.now())
  const upstream = createUpstream(first.config.upstream!)
  t.teardown(() => upstream.close())
  const logger = pino({ level: 'silent' })
  const directory = createPolicyDirectory(createUpstreamDirectory({ client: upstream, clock, logger }))
  const app = await buildApp({
    runtime,
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    clock,
    products: [{ name: 'jira', upstream }],
    directory,
    authenticators: [byHeader],
    apiFamilies: [['test-admin', '1.0', adminFamily]],
  })
  t.teardown(() => app.close())
  const get = (user?: string) =>
    app.inject({ method: 'GET', url: '/rest/ksso/api/test-admin/1.0/secret', headers: user === undefined ? {} : { 'x-test-user': user } })

  t.equal((await get()).statusCode, 401)
  const bob = await get('bob')
  t.equal(bob.statusCode, 403, 'bob is not in an admin group')
  t.same(bob.json(), { code: 'RG_ERR_FORBIDDEN', message: 'This needs restgate administrator rights' })
  const alice = await get('alice')
  t.equal(alice.statusCode, 200, 'alice is in jira-administrators in Jira')
  t.same(alice.json(), { secret: true })

  // Jira goes down; past cache and grace, group admins are locked out, a static admin is not.
  stub.handle = (_req, res) => (res.writeHead(502).end(), true)
  clock.ms += 121_000
  t.equal((await get('alice')).statusCode, 403, 'no answer from Jira: no admin rights')
  t.equal((await get('carol')).statusCode, 200, 'directory.admins.users needs no Jira')
  stub.handle = undefined

  // A reload to the static directory: Jira is no longer asked; the static groups decide.
  const staticPolicy = policy({ directory: { source: 'static', groups: { 'jira-administrators': ['bob'] } } })
  runtime.current = createRuntime(staticPolicy.config, staticPolicy.text, 2, clock.now())
  const asked = stub.requests.length
  t.equal((await get('bob')).statusCode, 200, 'bob is an admin in the static directory')
  t.equal((await get('alice')).statusCode, 403, 'alice is not')
  t.equal(stub.requests.length, asked, 'the static directory never asks Jira')

  // And back to upstream.
  runtime.current = createRuntime(first.config, first.text, 3, clock.now())
  clock.ms += 121_000
  t.equal((await get('alice')).statusCode, 200)
  t.equal((await get('bob')).statusCode, 403)
})
