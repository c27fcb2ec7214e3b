// GSS-API failure text → the reason an admin needs, with MIT's wording as this machine's libkrb5 prints it.
import t from 'tap'
import { classifyGssError, gssDetail, FAILURES } from '../../src/kerberos/failures.js'
import { ERRORS } from '../../src/errors.js'

const U = 'Unspecified GSS failure.  Minor code may provide more information: '

t.test('MIT messages map to their kinds', async (t) => {
  const cases: Array<[string, string]> = [
    [U + 'Request is a replay', 'replay'],
    [U + 'Clock skew too great', 'clock_skew'],
    [U + 'Ticket not yet valid', 'clock_skew'],
    [U + 'Ticket expired', 'expired'],
    [U + 'Request ticket server HTTP/otherhost@R not found in keytab (ticket kvno 1)', 'wrong_principal'],
    [U + 'Request ticket server HTTP/a@R found in keytab but does not match server principal HTTP/b@', 'wrong_principal'],
    [U + 'Wrong principal in request', 'wrong_principal'],
    ['No credentials were supplied, or the credentials were unavailable or inaccessible: No key table entry found matching HTTP/x@', 'wrong_principal'],
    [U + 'Request ticket server HTTP/a@R kvno 3 not found in keytab; keytab is likely out of date', 'key_mismatch'],
    [U + 'Request ticket server HTTP/a@R kvno 2 enctype aes256-cts found in keytab but cannot decrypt ticket', 'key_mismatch'],
    [U + 'Decrypt integrity check failed', 'key_mismatch'],
    ['Invalid token was supplied: Unknown error', 'malformed'],
    ['An unsupported mechanism was requested: Unknown error', 'malformed'],
    ['A required input parameter could not be read: Unknown error', 'malformed'],
    [U + 'Success', 'rejected'],
    ['something new', 'rejected'],
  ]
  for (const [message, kind] of cases) t.equal(classifyGssError(message), kind, message)
})

t.test('the detail is the minor status when there is one', async (t) => {
  t.equal(gssDetail(U + 'Request is a replay'), 'Request is a replay')
  t.equal(gssDetail('Invalid token was supplied: Unknown error'), 'Invalid token was supplied: Unknown error')
})

t.test('every kind has a 401 Kerberos code and a hint', async (t) => {
  for (const [kind, info] of Object.entries(FAILURES)) {
    t.match(info.code, /^RG_ERR_KERBEROS_/, kind)
    t.equal(ERRORS[info.code].status, 401, kind)
    t.ok(info.hint.length > 20, kind)
  }
})
