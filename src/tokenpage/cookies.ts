// Reading one cookie and writing restgate's session cookie. RFC 6265 §4.2 (Cookie) and §4.1 (Set-Cookie).

/** The value of the first cookie named `name`, across every Cookie header; undefined when absent. */
export function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=')
      if (eq === -1) continue
      if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
    }
  }
  return undefined
}

export interface SessionCookieOptions {
  readonly name: string
  readonly secure: boolean
}

/**
 * HttpOnly: scripts (the page's own included) never read it. SameSite=Strict: browsers leave it off
 * requests started from another site, the first CSRF defence (the X-RG-CSRF header is the second). No
 * Max-Age: the browser forgets it when it closes; the store enforces the idle and absolute limits.
 */
export function sessionCookie(value: string, options: SessionCookieOptions): string {
  return `${options.name}=${value}; Path=/; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`
}

export function clearedCookie(options: SessionCookieOptions): string {
  return `${options.name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${options.secure ? '; Secure' : ''}`
}

/** sessions.secure: `auto` marks the cookie Secure when the client came over https. */
export function cookieSecure(setting: 'auto' | 'always' | 'never', https: boolean): boolean {
  return setting === 'always' || (setting === 'auto' && https)
}
