// Reading a Negotiate token before the acceptor: base64, GSS framing, NTLM raw or inside SPNEGO.
import t from 'tap'
import { inspectNegotiateToken } from '../../src/kerberos/negotiate-token.js'

// An NTLM NEGOTIATE_MESSAGE as Windows sends it when it has no Kerberos ticket.
const RAW_NTLM = 'TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw=='

t.test('raw NTLM inside Negotiate', async (t) => {
  const r = inspectNegotiateToken(RAW_NTLM)
  t.same(r, { ok: false, kind: 'ntlm', detail: 'raw NTLM message' })
})

t.test('NTLM wrapped in SPNEGO (optimistic NTLM mechToken)', async (t) => {
  const ntlm = Buffer.from(RAW_NTLM, 'base64')
  // 60 len 06 06 <SPNEGO OID> a0 .. 30 .. a0 (mechTypes: NTLMSSP OID) a2 04 <NTLM message>
  const mechTypes = Buffer.concat([Buffer.from([0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a]), Buffer.from('2b06010401823702020a', 'hex')])
  const mechToken = Buffer.concat([Buffer.from([0xa2, ntlm.length + 2, 0x04, ntlm.length]), ntlm])
  const seq = Buffer.concat([Buffer.from([0x30, mechTypes.length + mechToken.length]), mechTypes, mechToken])
  const init = Buffer.concat([Buffer.from([0xa0, seq.length]), seq])
  const oid = Buffer.from('06062b0601050502', 'hex')
  const token = Buffer.concat([Buffer.from([0x60, oid.length + init.length]), oid, init])
  const r = inspectNegotiateToken(token.toString('base64'))
  t.equal(r.ok, false)
  if (!r.ok) t.equal(r.kind, 'ntlm')
})

t.test('malformed: empty, not base64, bad padding, not a GSS token', async (t) => {
  for (const [value, detail] of [
    ['', 'Negotiate without a token'],
    ['!!!!', 'the token is not base64'],
    ['YII', 'the token is not base64'],
    ['YIIB AA==', 'the token is not base64'],
    ['YII=BAA=', 'the token is not base64'],
    [Buffer.from('hello').toString('base64'), 'not a GSS-API initial context token'],
    ['oQMwAQ==', 'not a GSS-API initial context token'],
  ] as const) {
    t.same(inspectNegotiateToken(value), { ok: false, kind: 'malformed', detail }, JSON.stringify(value))
  }
})

t.test('a GSS initial context token passes with its bytes', async (t) => {
  const r = inspectNegotiateToken('YIIBAA==')
  t.equal(r.ok, true)
  if (r.ok) t.same([...r.bytes], [0x60, 0x82, 0x01, 0x00])
})
