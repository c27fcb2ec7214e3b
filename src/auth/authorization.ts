// Reading the Authorization header. Pure; every malformed input has a distinct answer.

export interface ParsedAuthorization {
  /** Lower-case scheme: basic, bearer, negotiate, ... */
  readonly scheme: string
  readonly value: string
}

/**
 * The credential an Authorization header carries, or undefined when it carries none: no header, an empty or
 * whitespace-only one, or a scheme with nothing after it (`Bearer `, `Basic`). Such a header counts as no
 * credential everywhere (`anonymous: deny` refuses it, and it is never forwarded): passed on, it would reach
 * Jira as a credential restgate neither checked nor refused.
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (header === undefined) return undefined
  const trimmed = header.trim()
  // After trim() the value after the first space is never empty; no space means a scheme alone, or nothing.
  const sp = trimmed.indexOf(' ')
  if (sp === -1) return undefined
  return { scheme: trimmed.slice(0, sp).toLowerCase(), value: trimmed.slice(sp + 1).trim() }
}

export type BasicCredentials =
  | { ok: true; user: string; password: string }
  | { ok: false; reason: 'not base64' | 'no colon' | 'empty user' }

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export function decodeBasic(value: string): BasicCredentials {
  if (value.length === 0 || value.length % 4 === 1 || !BASE64.test(value)) return { ok: false, reason: 'not base64' }
  const text = Buffer.from(value, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon === -1) return { ok: false, reason: 'no colon' }
  if (colon === 0) return { ok: false, reason: 'empty user' }
  return { ok: true, user: text.slice(0, colon), password: text.slice(colon + 1) }
}
