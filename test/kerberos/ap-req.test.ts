// Finding the AP-REQ authenticator in real tokens (SPNEGO and raw Kerberos GSS), and never throwing on
// anything else: every truncation of a real token, flipped length bytes, indefinite lengths.
import t from 'tap'
import { startKdc } from '../helpers/kdc.js'
import { authenticatorCipher } from '../../src/kerberos/ap-req.js'

const kdc = await startKdc(t)

t.test('SPNEGO tokens: a distinct authenticator per token', async (t) => {
  const a = authenticatorCipher(Buffer.from(await kdc.token('alice'), 'base64'))
  const b = authenticatorCipher(Buffer.from(await kdc.token('alice'), 'base64'))
  t.ok(a !== undefined && a.length > 32, 'found')
  t.notSame(a, b, 'each token has its own authenticator')
})

t.test('a raw Kerberos GSS token (no SPNEGO wrapper), as some Java clients send', async (t) => {
  const client = await kdc.binding.initializeClient('HTTP@localhost', { principal: kdc.principal('bob'), mechOID: kdc.binding.GSS_MECH_OID_KRB5 })
  const raw = Buffer.from(await client.step(''), 'base64')
  t.equal(raw[0], 0x60)
  t.ok(authenticatorCipher(raw)!.length > 32)
})

t.test('broken input: undefined, never an exception', async (t) => {
  const token = Buffer.from(await kdc.token('alice'), 'base64')
  let found = 0
  for (let n = 0; n < token.length; n++) if (authenticatorCipher(token.subarray(0, n)) !== undefined) found++
  t.equal(found, 0, 'no truncation yields an authenticator')
  for (let i = 0; i < Math.min(token.length, 200); i++) {
    const copy = Buffer.from(token)
    copy[i] = copy[i]! ^ 0xff
    t.doesNotThrow(() => authenticatorCipher(copy))
  }
  t.equal(authenticatorCipher(Buffer.from([0x60, 0x80, 0x06, 0x00])), undefined, 'indefinite length')
  t.equal(authenticatorCipher(Buffer.from([0x60, 0x85, 1, 1, 1, 1, 1])), undefined, 'absurd length')
  t.equal(authenticatorCipher(Buffer.alloc(0)), undefined)
})
