// Finds the encrypted authenticator of the Kerberos AP-REQ inside a Negotiate token. The cross-instance
// replay guard keys on it, as MIT's replay cache does (rcache2 records a hash of the authenticator
// ciphertext): the SPNEGO wrapping around it is not integrity-protected when no mechListMIC is sent, so a
// captured token re-wrapped (another mechTypes list, another DER length form) is a different byte string
// that carries the same authenticator. Keying on the whole token would let such a copy through.
//
// Layouts (DER):
//   GSS InitialContextToken  60 len { 06 OID, innerToken }                         RFC 2743 §3.1
//   SPNEGO (1.3.6.1.5.5.2)   innerToken = a0 { 30 { [0] mechTypes, [1] reqFlags?,  RFC 4178 §4.2
//                                             [2] mechToken OCTET STRING, [3] mechListMIC? } }
//   Kerberos (1.2.840.113554.1.2.2, or Microsoft's 1.2.840.48018.1.2.2)
//                            innerToken = TOK_ID 01 00, AP-REQ                      RFC 4121 §4.1
//   AP-REQ                   6e { 30 { [0] pvno, [1] msg-type, [2] ap-options,     RFC 4120 §5.5.1
//                                       [3] ticket, [4] authenticator EncryptedData } }
//   EncryptedData            30 { [0] etype, [1] kvno?, [2] cipher OCTET STRING }

interface Tlv {
  readonly tag: number
  readonly start: number // first content byte
  readonly end: number // one past the last content byte
}

/** One DER element at `pos`, or undefined when it does not fit in `limit` (indefinite lengths refused). */
function tlv(buf: Buffer, pos: number, limit: number): Tlv | undefined {
  if (pos + 2 > limit) return undefined
  const tag = buf[pos]!
  let len = buf[pos + 1]!
  let p = pos + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4 || p + n > limit) return undefined
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!
    p += n
  }
  if (p + len > limit) return undefined
  return { tag, start: p, end: p + len }
}

/** The children of a constructed element. */
function children(buf: Buffer, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = []
  let p = parent.start
  while (p < parent.end) {
    const c = tlv(buf, p, parent.end)
    if (c === undefined) return undefined
    out.push(c)
    p = c.end
  }
  return out
}

const child = (buf: Buffer, parent: Tlv, tag: number): Tlv | undefined => children(buf, parent)?.find((c) => c.tag === tag)

const OID_SPNEGO = Buffer.from('2b0601050502', 'hex')
const OID_KRB5 = Buffer.from('2a864886f712010202', 'hex')
const OID_KRB5_MS = Buffer.from('2a864882f712010202', 'hex')

function oidIs(buf: Buffer, t: Tlv, oid: Buffer): boolean {
  return t.tag === 0x06 && t.end - t.start === oid.length && buf.subarray(t.start, t.end).equals(oid)
}

function apReqAuthenticator(buf: Buffer, pos: number, limit: number): Buffer | undefined {
  const ap = tlv(buf, pos, limit)
  if (ap?.tag !== 0x6e) return undefined
  const seq = tlv(buf, ap.start, ap.end)
  if (seq?.tag !== 0x30) return undefined
  const auth = child(buf, seq, 0xa4)
  const enc = auth === undefined ? undefined : tlv(buf, auth.start, auth.end)
  if (enc?.tag !== 0x30) return undefined
  const cipherField = child(buf, enc, 0xa2)
  const cipher = cipherField === undefined ? undefined : tlv(buf, cipherField.start, cipherField.end)
  if (cipher?.tag !== 0x04 || cipher.end === cipher.start) return undefined
  return buf.subarray(cipher.start, cipher.end)
}

function krb5Authenticator(buf: Buffer, token: Tlv): Buffer | undefined {
  if (token.tag !== 0x60) return undefined
  const oid = tlv(buf, token.start, token.end)
  if (oid === undefined || !(oidIs(buf, oid, OID_KRB5) || oidIs(buf, oid, OID_KRB5_MS))) return undefined
  // TOK_ID 01 00: KRB_AP_REQ
  if (oid.end + 2 > token.end || buf[oid.end] !== 0x01 || buf[oid.end + 1] !== 0x00) return undefined
  return apReqAuthenticator(buf, oid.end + 2, token.end)
}

/** The authenticator ciphertext of the AP-REQ in a SPNEGO or raw Kerberos GSS token, or undefined. */
export function authenticatorCipher(token: Buffer): Buffer | undefined {
  const outer = tlv(token, 0, token.length)
  if (outer?.tag !== 0x60) return undefined
  const oid = tlv(token, outer.start, outer.end)
  if (oid === undefined) return undefined
  if (!oidIs(token, oid, OID_SPNEGO)) return krb5Authenticator(token, outer)
  const init = tlv(token, oid.end, outer.end)
  if (init?.tag !== 0xa0) return undefined
  const seq = tlv(token, init.start, init.end)
  if (seq?.tag !== 0x30) return undefined
  const mechField = child(token, seq, 0xa2)
  const mechToken = mechField === undefined ? undefined : tlv(token, mechField.start, mechField.end)
  if (mechToken?.tag !== 0x04) return undefined
  const inner = tlv(token, mechToken.start, mechToken.end)
  return inner === undefined ? undefined : krb5Authenticator(token, inner)
}
