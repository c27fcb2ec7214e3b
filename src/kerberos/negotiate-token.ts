// What a client put after `Authorization: Negotiate`, read before the acceptor sees it: is it base64 at
// all, and is it NTLM? Windows (SSPI) and browsers fall back to NTLM inside Negotiate when they have no
// Kerberos ticket for the service principal (RFC 4559 §4; MS-NLMP), either raw (`TlRMTVNTUA...` is
// base64 of "NTLMSSP\0") or wrapped in a SPNEGO token. An admin needs to hear "the client has no ticket
// for this SPN", not "invalid token".

export type TokenInspection =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly kind: 'malformed' | 'ntlm'; readonly detail: string }

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const NTLM_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1')
/** base64 of "NTLMSSP\0" at the start of a token. */
const RAW_NTLM_PREFIX = 'TlRMTVNTUA'

export function inspectNegotiateToken(value: string): TokenInspection {
  if (value.length === 0) return { ok: false, kind: 'malformed', detail: 'Negotiate without a token' }
  if (value.startsWith(RAW_NTLM_PREFIX)) return { ok: false, kind: 'ntlm', detail: 'raw NTLM message' }
  if (value.length % 4 !== 0 || !BASE64.test(value)) {
    return { ok: false, kind: 'malformed', detail: 'the token is not base64' }
  }
  const bytes = Buffer.from(value, 'base64')
  // Every first token a client sends is a GSS-API InitialContextToken, [APPLICATION 0] (RFC 2743 §3.1).
  if (bytes[0] !== 0x60) return { ok: false, kind: 'malformed', detail: 'not a GSS-API initial context token' }
  // A SPNEGO token whose optimistic mechanism token is NTLM carries the NTLMSSP signature; inside a
  // Kerberos token those 8 bytes could appear only by chance in ciphertext (2^-64 per position).
  if (bytes.includes(NTLM_SIGNATURE)) return { ok: false, kind: 'ntlm', detail: 'NTLM wrapped in SPNEGO' }
  return { ok: true, bytes }
}
