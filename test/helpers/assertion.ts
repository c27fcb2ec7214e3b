// Reads restgate's X-Restgate-Assertion the way an application-side verifier does, written apart from
// src/upstream/assertion.ts so a test can tell a wrong signer from a wrong reader.
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface ReadAssertion {
  readonly user: string
  readonly method: string
  readonly ts: number
  readonly nonce: string
}

const FORMAT = /^v2;user=([^;]*);method=([a-z]+);ts=(\d{1,15});nonce=([A-Za-z0-9_-]{16,64});sig=([A-Za-z0-9_-]{43})$/

/** The assertion's fields when it is signed with `key` for this request, else undefined. */
export function readAssertion(
  key: Buffer,
  header: string | string[] | undefined,
  request: { method: string; target: string },
): ReadAssertion | undefined {
  if (typeof header !== 'string') return undefined
  const m = FORMAT.exec(header)
  if (m === null) return undefined
  const payload = header.slice(0, header.lastIndexOf(';sig='))
  const target = request.target.replace(/\?$/, '')
  const want = createHmac('sha256', key).update(Buffer.from(`${payload}\n${request.method}\n${target}`, 'latin1')).digest()
  const got = Buffer.from(m[5]!, 'base64url')
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined
  return { user: decodeURIComponent(m[1]!), method: m[2]!, ts: Number(m[3]), nonce: m[4]! }
}
