// The cross-instance replay guard, with real tokens from a real KDC and a stand-in store that implements
// only claimOnce. The second part shows why it keys on the authenticator, not on the token bytes: a
// captured token re-wrapped in another SPNEGO envelope is accepted by a host whose replay cache has not
// seen it.
import t from 'tap'
import { startKdc } from '../helpers/kdc.js'
import { tempDir } from '../helpers/tmp.js'
import { createReplayGuard, DEFAULT_CLOCK_SKEW_MS } from '../../src/kerberos/replay-guard.js'
import { authenticatorCipher } from '../../src/kerberos/ap-req.js'
import { createGssAcceptor } from '../../src/kerberos/acceptor.js'
import { StoreUnavailableError } from '../../src/store/types.js'

const kdc = await startKdc(t)
process.env['KRB5_KTNAME'] = `FILE:${kdc.keytab}`
t.teardown(() => {
  delete process.env['KRB5_KTNAME']
  delete process.env['KRB5RCACHEDIR']
})

/** What Redis SET NX PX does, in memory, recording every call. */
function fakeStore() {
  const keys = new Map<string, number>()
  const calls: Array<{ key: string; ttlMs: number }> = []
  return {
    calls,
    async claimOnce(key: string, ttlMs: number): Promise<boolean> {
      calls.push({ key, ttlMs })
      if (keys.has(key)) return false
      keys.set(key, ttlMs)
      return true
    },
  }
}

// DER, for building a second SPNEGO envelope around a captured mechToken.
function der(tag: number, content: Buffer): Buffer {
  const n = content.length
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff])
  return Buffer.concat([Buffer.from([tag]), len, content])
}
const oid = (hex: string) => der(0x06, Buffer.from(hex, 'hex'))

/** Pulls the mechToken out of a SPNEGO NegTokenInit and wraps it again with another mechTypes list. */
function rewrap(token: Buffer): Buffer {
  const marker = token.indexOf(Buffer.from('a2', 'hex'), token.indexOf(Buffer.from('2a864886f712010202', 'hex')) + 9)
  const field = token.subarray(marker)
  const lenByte = field[1]!
  const headerLen = lenByte < 0x80 ? 2 : 2 + (lenByte & 0x7f)
  const mechTokenField = field.subarray(0, headerLen + (lenByte < 0x80 ? lenByte : field.readUIntBE(2, lenByte & 0x7f)))
  const mechTypes = der(0xa0, der(0x30, Buffer.concat([oid('2a864886f712010202'), oid('2a864882f712010202'), oid('2b06010401823702020a')])))
  const init = der(0xa0, der(0x30, Buffer.concat([mechTypes, mechTokenField])))
  return der(0x60, Buffer.concat([oid('2b0601050502'), init]))
}

t.test('first use passes, the second is a replay; the key is a hash with twice the clock skew as TTL', async (t) => {
  const store = fakeStore()
  const guard = createReplayGuard(store)
  const token = Buffer.from(await kdc.token('alice'), 'base64')
  t.equal(await guard.claim(token), 'first')
  t.equal(await guard.claim(token), 'replay')
  t.equal(store.calls[0]!.ttlMs, 2 * DEFAULT_CLOCK_SKEW_MS)
  t.match(store.calls[0]!.key, /^krb5-replay:[A-Za-z0-9_-]{43}$/)
  t.notOk(store.calls[0]!.key.includes(token.toString('base64').slice(0, 20)), 'the token itself is not the key')
  t.equal(await guard.claim(Buffer.from(await kdc.token('alice'), 'base64')), 'first', 'a fresh token of the same user passes')
})

t.test('a token without an AP-REQ is unreadable, and nothing is claimed', async (t) => {
  const store = fakeStore()
  const guard = createReplayGuard(store)
  t.equal(await guard.claim(Buffer.from('YIIBAA==', 'base64')), 'unreadable')
  t.equal(await guard.claim(Buffer.alloc(0)), 'unreadable')
  t.equal(store.calls.length, 0)
})

t.test('a store that cannot answer makes the claim reject (the caller fails closed)', async (t) => {
  const guard = createReplayGuard({
    claimOnce: () => Promise.reject(new StoreUnavailableError('connection refused')),
  })
  await t.rejects(guard.claim(Buffer.from(await kdc.token('bob'), 'base64')), StoreUnavailableError)
})

t.test('a re-wrapped copy is accepted by another host, and refused by the shared guard', async (t) => {
  const original = Buffer.from(await kdc.token('alice'), 'base64')
  const copy = rewrap(original)
  t.notSame(copy, original, 'different bytes')
  t.same(authenticatorCipher(copy), authenticatorCipher(original), 'same authenticator')

  const guard = createReplayGuard(fakeStore())
  const acceptor = createGssAcceptor(kdc.binding, '')
  process.env['KRB5RCACHEDIR'] = tempDir(t) // host A
  t.equal((await acceptor.accept(original.toString('base64'))).principal, 'alice@RESTGATE.TEST')
  t.equal(await guard.claim(original), 'first')
  await t.rejects(acceptor.accept(copy.toString('base64')), /replay/, "host A's own replay cache refuses the copy")
  process.env['KRB5RCACHEDIR'] = tempDir(t) // host B: its replay cache has not seen the authenticator
  t.equal((await acceptor.accept(copy.toString('base64'))).principal, 'alice@RESTGATE.TEST', 'MIT accepts the copy on host B')
  t.equal(await guard.claim(copy), 'replay', 'the shared guard refuses it')
})
