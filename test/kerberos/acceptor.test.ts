// The acceptor against a real MIT KDC: principals, response tokens, and each way a token is refused,
// classified the way an admin needs it.
import t from 'tap'
import { startKdc } from '../helpers/kdc.js'
import { join } from 'node:path'
import { tempDir } from '../helpers/tmp.js'
import { createGssAcceptor, AcceptError } from '../../src/kerberos/acceptor.js'

const kdc = await startKdc(t)
process.env['KRB5_KTNAME'] = `FILE:${kdc.keytab}`
process.env['KRB5RCACHEDIR'] = tempDir(t)
t.teardown(() => {
  delete process.env['KRB5_KTNAME']
  delete process.env['KRB5RCACHEDIR']
})

async function refusal(p: Promise<unknown>): Promise<AcceptError> {
  try {
    await p
  } catch (err) {
    if (err instanceof AcceptError) return err
    throw err
  }
  throw new Error('accepted')
}

const LOCALHOST_ONLY = new Set(['HTTP/localhost@RESTGATE.TEST'])

t.test('a fresh token: the principal, and a response token the client verifies', async (t) => {
  const modes = [
    ['any key', ''],
    ['credential per handshake', 'HTTP@localhost'],
    ['keytab of the service only', 'HTTP@localhost', LOCALHOST_ONLY],
  ] as const
  for (const [mode, spn, keytabOnly] of modes) {
    const { context, token } = await kdc.client('alice')
    const accepted = await createGssAcceptor(kdc.binding, spn, { keytabOnly }).accept(token)
    t.equal(accepted.principal, 'alice@RESTGATE.TEST', mode)
    t.type(accepted.responseToken, 'string')
    t.notOk(context.contextComplete)
    await context.step(accepted.responseToken!)
    t.ok(context.contextComplete, 'mutual authentication completes on the client')
  }
})

t.test('a user of the trusting realm authenticates with a cross-realm ticket', async (t) => {
  const accepted = await createGssAcceptor(kdc.binding, '').accept(await kdc.token('carol'))
  t.equal(accepted.principal, 'carol@OTHER.TEST')
})

t.test('the second use of a token is a replay', async (t) => {
  const acceptor = createGssAcceptor(kdc.binding, '')
  const token = await kdc.token('bob')
  await acceptor.accept(token)
  const err = await refusal(acceptor.accept(token))
  t.equal(err.kind, 'replay')
  t.match(err.detail, /replay/)
})

t.test('a ticket for another service principal', async (t) => {
  const err = await refusal(createGssAcceptor(kdc.binding, '').accept(await kdc.token('alice', 'HTTP@otherhost')))
  t.equal(err.kind, 'wrong_principal')
  t.match(err.detail, /HTTP\/otherhost@RESTGATE\.TEST/)
})

t.test('a client clock an hour off', async (t) => {
  const cache = kdc.skewedCache('alice', 3600)
  const saved = process.env['KRB5CCNAME']
  process.env['KRB5CCNAME'] = `FILE:${cache}`
  let token: string
  try {
    const c = await kdc.binding.initializeClient('HTTP@localhost', { mechOID: kdc.binding.GSS_MECH_OID_SPNEGO })
    token = await c.step('')
  } finally {
    process.env['KRB5CCNAME'] = saved
  }
  const err = await refusal(createGssAcceptor(kdc.binding, '').accept(token))
  t.equal(err.kind, 'clock_skew')
})

t.test('garbage and other mechanisms are malformed', async (t) => {
  const acceptor = createGssAcceptor(kdc.binding, '')
  t.equal((await refusal(acceptor.accept('YIIBAA=='))).kind, 'malformed', 'truncated GSS token')
  t.equal((await refusal(acceptor.accept(Buffer.from([0x60, 3, 6, 1, 1]).toString('base64')))).kind, 'malformed', 'unknown mechanism')
  t.equal((await refusal(acceptor.accept('TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw=='))).kind, 'malformed')
})

t.test('a service principal with no key: no_service_key at accept time', async (t) => {
  const err = await refusal(createGssAcceptor(kdc.binding, 'HTTP@nothere').accept(await kdc.token('alice')))
  t.equal(err.kind, 'no_service_key')
  t.match(err.detail, /HTTP\/nothere/)
})

t.test('accepting without a credential, a ticket for another key of the keytab is still refused', async (t) => {
  // GSS with no credential accepts a ticket for any key in the file: the service principal is checked after.
  const both = await kdc.writeKeytab(join(tempDir(t), 'both.keytab'), ['HTTP/localhost@RESTGATE.TEST', 'HTTP/otherhost@RESTGATE.TEST'])
  const saved = process.env['KRB5_KTNAME']
  process.env['KRB5_KTNAME'] = `FILE:${both}`
  t.teardown(() => {
    process.env['KRB5_KTNAME'] = saved
  })
  const acceptor = createGssAcceptor(kdc.binding, 'HTTP@localhost', { keytabOnly: LOCALHOST_ONLY })
  const err = await refusal(acceptor.accept(await kdc.token('alice', 'HTTP@otherhost')))
  t.equal(err.kind, 'wrong_principal')
  t.match(err.detail, /HTTP\/otherhost@RESTGATE\.TEST, not HTTP\/localhost/)
  t.equal((await acceptor.accept(await kdc.token('bob'))).principal, 'bob@RESTGATE.TEST', 'its own service still accepted')
  t.equal((await createGssAcceptor(kdc.binding, '').accept(await kdc.token('alice', 'HTTP@otherhost'))).principal, 'alice@RESTGATE.TEST', 'what GSS alone would have let in')
})
