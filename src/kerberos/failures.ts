// Why a handshake failed, in three forms: a bounded metric label, the client's JSON error, and a log hint
// that tells an admin what to fix. GSS-API reports failures as text (major status, then MIT's minor
// status), so the acceptor's message is classified here, in one place, with the MIT wording it relies on
// (src/lib/krb5/krb/rd_req_dec.c and the krb5 error table).
import type { ErrorCode } from '../errors.js'

export type FailureKind =
  | 'ntlm'
  | 'malformed'
  | 'wrong_principal'
  | 'key_mismatch'
  | 'clock_skew'
  | 'expired'
  | 'replay'
  | 'realm'
  | 'unusable_name'
  | 'no_service_key'
  | 'rejected'

export interface FailureInfo {
  readonly code: ErrorCode
  /** Sent to the client: says what happened without naming keys or internals. */
  readonly message: string
  /** Logged: what an admin should check. */
  readonly hint: string
}

export const FAILURES: Readonly<Record<FailureKind, FailureInfo>> = {
  ntlm: {
    code: 'RG_ERR_KERBEROS_NTLM',
    message: 'The client sent NTLM instead of Kerberos: it has no ticket for this service principal',
    hint:
      'the client fell back to NTLM because it could not get a Kerberos ticket for this URL: check that the ' +
      'SPN HTTP/<host the client used> exists (setspn -Q) on exactly one account, that the client is in the ' +
      'domain and uses the DNS name (not an IP address or a CNAME that maps elsewhere)',
  },
  malformed: {
    code: 'RG_ERR_KERBEROS_MALFORMED',
    message: 'The Negotiate token is malformed',
    hint: 'the client sent something that is not a SPNEGO/Kerberos token: a broken client or a probe',
  },
  wrong_principal: {
    code: 'RG_ERR_KERBEROS_REJECTED',
    message: 'The Kerberos ticket is for another service principal',
    hint:
      'the ticket names a service principal this server has no key for: the client used a host name whose ' +
      'SPN is not in kerberos.keytab (or not kerberos.servicePrincipal); add that SPN to the keytab or have ' +
      'clients use the name the keytab is for',
  },
  key_mismatch: {
    code: 'RG_ERR_KERBEROS_REJECTED',
    message: 'The Kerberos ticket was rejected: the server key does not match',
    hint:
      'the keytab holds an older key (kvno) or other encryption types than the KDC used: the service account ' +
      'password was reset or ktpass/ktadd was run again; export a fresh keytab and reload',
  },
  clock_skew: {
    code: 'RG_ERR_KERBEROS_REJECTED',
    message: "The Kerberos ticket was rejected: the client's clock differs from the server's by too much",
    hint: 'client and server clocks differ by more than the allowed skew (5 minutes): check NTP on both',
  },
  expired: {
    code: 'RG_ERR_KERBEROS_REJECTED',
    message: 'The Kerberos ticket has expired: renew it (kinit) and try again',
    hint: 'the client presented an expired service ticket: its ticket cache is stale (klist shows it)',
  },
  replay: {
    code: 'RG_ERR_KERBEROS_REPLAY',
    message: 'The Kerberos authenticator was already used (replay)',
    hint:
      'this exact authenticator was accepted before: a captured Authorization header was sent again, or a ' +
      'client retried a request with the same header; clients must build a new token for every handshake',
  },
  realm: {
    code: 'RG_ERR_KERBEROS_REALM',
    message: 'The Kerberos realm is not accepted here',
    hint: 'the principal belongs to a realm that is not listed in kerberos.realms (empty means the keytab\'s realms)',
  },
  unusable_name: {
    code: 'RG_ERR_KERBEROS_REJECTED',
    message: 'The Kerberos principal does not map to a username',
    hint: 'kerberos.principalMap (or stripRealm) turned the principal into an empty or invalid username',
  },
  no_service_key: {
    code: 'RG_ERR_KERBEROS_REJECTED',
    message: 'The Kerberos ticket could not be checked',
    hint:
      'restgate cannot read its own key for kerberos.servicePrincipal from kerberos.keytab: the keytab was ' +
      'replaced, emptied or made unreadable since start-up; run restgate check-config',
  },
  rejected: {
    code: 'RG_ERR_KERBEROS_REJECTED',
    message: 'The Kerberos ticket was rejected',
    hint: 'GSS-API refused the token; the detail says why',
  },
}

/** The MIT minor status text ("Request is a replay"), or the whole message when there is none. */
export function gssDetail(message: string): string {
  const marker = 'Minor code may provide more information: '
  const i = message.indexOf(marker)
  return i === -1 ? message : message.slice(i + marker.length)
}

const RULES: ReadonlyArray<readonly [RegExp, FailureKind]> = [
  [/Request is a replay/i, 'replay'],
  [/Clock skew too great|not yet valid/i, 'clock_skew'],
  [/Ticket expired/i, 'expired'],
  // "Request ticket server X kvno N not found in keytab; keytab is likely out of date", "... found in
  // keytab but cannot decrypt ticket", "Decrypt integrity check failed", "Cannot find key of appropriate type"
  [/kvno \d+ (?:enctype \S+ )?(?:not found in keytab;|found in keytab but)|integrity check failed|key of appropriate type|Key version/i, 'key_mismatch'],
  // "Request ticket server X not found in keytab (ticket kvno N)", "... found in keytab but does not match
  // server principal Y", "Wrong principal in request", "No key table entry found"
  [/not found in keytab|does not match server principal|Wrong principal|No key table entry/i, 'wrong_principal'],
  [/Invalid token|Defective token|required input parameter|unsupported mechanism|ASN\.1|No challenge parameter/i, 'malformed'],
]

export function classifyGssError(message: string): FailureKind {
  for (const [re, kind] of RULES) if (re.test(message)) return kind
  return 'rejected'
}
