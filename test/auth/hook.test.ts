// The one gate every scope authenticates through, called as a function on a request restgate describes
// (as a forward-auth route would, for the original URI it was told about), without a server.
import t from 'tap'
import pino from 'pino'
import { RgError, rgError } from '../../src/errors.js'
import { createGate } from '../../src/auth/hook.js'
import type { AuthRequest, Authenticator } from '../../src/auth/types.js'
import type { Policy } from '../../src/policy/compile.js'
import { policyFrom } from '../helpers/policy.js'

const log = pino({ level: 'silent' })
const protectedPolicy = (anonymous: 'deny' | 'passthrough'): Policy =>
  policyFrom({ upstream: { url: 'http://jira:8080' }, anonymous, apiTokens: { paths: ['/rest/**'] } }).policy

function request(policy: Policy, path: string, headers: AuthRequest['headers'] = {}): AuthRequest {
  return { policy, path, method: 'GET', ip: '10.1.1.1', headers, secure: false, log, product: { name: 'jira', type: 'jira', contextPath: '' } }
}

const alice: Authenticator = {
  name: 'alice',
  authenticate: (req) => (req.headers['x-test'] === 'alice' ? { identity: { user: 'alice', method: 'token' }, consumed: 'authorization' } : undefined),
}

t.test('forward scope: the policy decides what no authenticator claimed, synchronously', async (t) => {
  const open = createGate({ authenticators: [alice], scope: 'forward' })
  t.same(open.decide(request(protectedPolicy('passthrough'), '/rest/api/2/issue/X')), { passed: 'anonymous' })
  t.same(open.decide(request(protectedPolicy('passthrough'), '/rest/api/2/issue/X', { authorization: 'Basic amlyYTpwdw==' })), { passed: 'passthrough' })
  const closed = createGate({ authenticators: [alice], scope: 'forward' })
  const denied = closed.decide(request(protectedPolicy('deny'), '/rest/api/2/issue/X'))
  t.ok(denied instanceof RgError, 'anonymous: deny refuses on a protected path')
  t.equal((denied as RgError).statusCode, 401)
  t.same((denied as RgError).headers['www-authenticate'], ['Basic realm="restgate"'], 'with the challenge of policy/decide.ts')
  t.same(closed.decide(request(protectedPolicy('deny'), '/secure/Dashboard.jspa')), { passed: 'anonymous' }, 'the path it is told decides')
})

t.test('an identity the chain found is the verdict itself, without a promise', async (t) => {
  const gate = createGate({ authenticators: [alice], scope: 'forward' })
  const verdict = gate.decide(request(protectedPolicy('deny'), '/rest/api/2/issue/X', { 'x-test': 'alice' }))
  t.notOk(verdict instanceof Promise)
  t.match(verdict, { identity: { user: 'alice', method: 'token' } })
})

t.test('a refusal stops the chain and is counted; an asynchronous authenticator makes the verdict a promise', async (t) => {
  const counted: string[] = []
  const metrics = { authFailures: { inc: (labels: { code: string }) => void counted.push(labels.code) } }
  const refuses: Authenticator = { name: 'refuses', authenticate: async () => rgError('RG_ERR_TOKEN_INVALID') }
  const gate = createGate({ authenticators: [refuses, alice], scope: 'forward', metrics: metrics as never })
  const verdict = gate.decide(request(protectedPolicy('passthrough'), '/rest/api/2/issue/X', { 'x-test': 'alice' }))
  t.ok(verdict instanceof Promise)
  t.match(await verdict, { code: 'RG_ERR_TOKEN_INVALID', refusedBy: 'refuses' })
  t.same(counted, ['RG_ERR_TOKEN_INVALID'])
})

t.test('local scope: no identity is a 401, offering Basic only where the scope says so', async (t) => {
  const api = createGate({ authenticators: [alice], scope: 'local', offerBasic: () => true })
  const page = createGate({ authenticators: [alice], scope: 'local', unauthenticatedMessage: 'log in first' })
  const policy = protectedPolicy('passthrough')
  const a = api.decide(request(policy, '/rest/ksso/api/apitokens/2.0/user/tokens')) as RgError
  t.equal(a.code, 'RG_ERR_UNAUTHENTICATED', 'even where the proxy would let anonymous through')
  t.same(a.headers['www-authenticate'], ['Basic realm="restgate"'])
  const p = page.decide(request(policy, '/tokens/api/session')) as RgError
  t.equal(p.message, 'log in first')
  t.same(p.headers['www-authenticate'], ['Bearer realm="restgate"'], 'no Basic challenge a browser would answer with a password prompt, but a challenge')
})
