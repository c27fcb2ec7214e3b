// restgate's session cookie on the wire: reading it out of a Cookie header and writing Set-Cookie values.
// Pure. Attributes: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site POSTs, RFC 6265bis
// §8.8), Path=/ (every path restgate guards), Secure when the client reached us over https (or always/never
// by policy). For protection against cookie tossing from sibling subdomains, name it `__Host-…` and serve
// https: browsers then refuse a copy set with a Domain attribute or without Secure.

export type SecureMode = 'auto' | 'always' | 'never'

/** The first value of cookie `name` in a Cookie header, or undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || !header.includes(name)) return undefined
  let from = 0
  while (from < header.length) {
    let end = header.indexOf(';', from)
    if (end === -1) end = header.length
    const eq = header.indexOf('=', from)
    if (eq !== -1 && eq < end && header.slice(from, eq).trim() === name) {
      let value = header.slice(eq + 1, end).trim()
      // RFC 6265 §4.1.1 allows a DQUOTE-wrapped value.
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
      return value
    }
    from = end + 1
  }
  return undefined
}

export function cookieIsSecure(mode: SecureMode, requestSecure: boolean): boolean {
  return mode === 'always' || (mode === 'auto' && requestSecure)
}

function attributes(secure: boolean): string {
  return `Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
}

/** Set-Cookie for a new session; the browser drops it at the absolute timeout. */
export function sessionCookie(name: string, value: string, maxAgeMs: number, secure: boolean): string {
  return `${name}=${value}; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}; ${attributes(secure)}`
}

/** Set-Cookie that removes the cookie (RFC 6265 §3.1: an expiry in the past). */
export function clearedCookie(name: string, secure: boolean): string {
  return `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ${attributes(secure)}`
}
