// The chain: first authenticator with an answer decides; synchronous answers stay synchronous.
import t from 'tap'
import { runChainFrom } from '../../src/auth/chain.js'
import { rgError } from '../../src/errors.js'
import type { AuthRequest, Authenticator } from '../../src/auth/types.js'
import type { AuthSuccess } from '../../src/model/identity.js'

const req = {} as AuthRequest
const ok: AuthSuccess = { identity: { user: 'alice', method: 'token' }, consumed: 'authorization' } as AuthSuccess
const none = (name: string): Authenticator => ({ name, authenticate: () => undefined })
const later = (name: string, value: ReturnType<Authenticator['authenticate']>): Authenticator => ({
  name,
  authenticate: () => Promise.resolve(value as never),
})

t.test('nobody claims the request: undefined, synchronously', async (t) => {
  t.equal(runChainFrom([none('a'), none('b')], 0, req), undefined)
  t.equal(await runChainFrom([none('a')], 0, req), undefined)
})

t.test('a synchronous answer is returned as is, later authenticators not asked', async (t) => {
  let asked = false
  const spy: Authenticator = { name: 'spy', authenticate: () => ((asked = true), undefined) }
  t.equal(runChainFrom([{ name: 'x', authenticate: () => ok }, spy], 0, req), ok)
  t.equal(asked, false)
})

t.test('an authenticator that waits turns the rest async; a refusal stops the chain', async (t) => {
  const refused = rgError('RG_ERR_TOKEN_INVALID')
  const r1 = runChainFrom([none('a'), later('b', undefined), { name: 'c', authenticate: () => ok }], 0, req)
  t.ok(r1 instanceof Promise)
  t.equal(await r1, ok, 'the chain goes on after an async "not mine"')
  let asked = false
  const spy: Authenticator = { name: 'spy', authenticate: () => ((asked = true), ok) }
  t.equal(await runChainFrom([later('b', refused), spy], 0, req), refused)
  t.equal(asked, false, 'a bad credential never falls through')
})
