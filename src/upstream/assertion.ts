// The signed identity assertion restgate adds for the application's authenticator (integrations/atlassian):
//
//   X-Restgate-Assertion: v2;user=<percent-encoded user>;method=<auth method>;ts=<ms>;nonce=<n>;sig=<s>
//
// sig is base64url HMAC-SHA-256, with the shared key file's bytes, over
//   <everything before ";sig=">  "\n"  <HTTP method>  "\n"  <path and query as sent upstream>
// The request line is signed but not repeated in the header: the verifier takes it from the request it
// received. v1 signed only user, method and time, so an assertion seen on a GET (a log line, a capture) could
// be replayed within its window on a DELETE or on any other path; binding the request line stops that, and the
// nonce lets the verifier accept each assertion once. The target is signed as the bytes on the wire (Latin-1,
// as Node and Tomcat both read a raw request target), an empty query the same as none.
import { createHmac, randomBytes } from 'node:crypto'

export const ASSERTION_VERSION = 'v2'

export interface AssertionFields {
  readonly user: string
  /** How restgate authenticated the user: kerberos, token, session, password, directory. */
  readonly method: string
  /** Milliseconds since the epoch. */
  readonly ts: number
  readonly nonce: string
}

/** The request the assertion is made for, as restgate sends it upstream. */
export interface SignedRequest {
  readonly method: string
  /** Origin-form target: path plus query. */
  readonly target: string
}

export function assertionPayload(f: AssertionFields): string {
  return `${ASSERTION_VERSION};user=${encodeURIComponent(f.user)};method=${f.method};ts=${f.ts};nonce=${f.nonce}`
}

/** What the signature covers. */
export function signedBytes(payload: string, request: SignedRequest): Buffer {
  const target = request.target.endsWith('?') ? request.target.slice(0, -1) : request.target
  return Buffer.from(`${payload}\n${request.method}\n${target}`, 'latin1')
}

export function signAssertion(key: Buffer, f: AssertionFields, request: SignedRequest): string {
  const payload = assertionPayload(f)
  return `${payload};sig=${createHmac('sha256', key).update(signedBytes(payload, request)).digest('base64url')}`
}

/** 96 random bits: unique per assertion, so a verifier can accept each one once. */
export function newNonce(): string {
  return randomBytes(12).toString('base64url')
}
