// OAuth 1.0a request signing (RFC 5849), RSA-SHA1, two-legged with user impersonation: what Jira and Confluence
// accept from an Application Link whose incoming OAuth has "Allow user impersonation". The user goes in the
// query as xoauth_requestor_id (where Atlassian's own consumer puts it); the signature covers the method, the
// base string URI, the query and a form body, as RFC 5849 §3.4.1 says. Pure: time, nonce and key are given.
import { sign, type KeyObject } from 'node:crypto'

export const REQUESTOR_PARAM = 'xoauth_requestor_id'
export const SIGNATURE_METHOD = 'RSA-SHA1'

export type Pair = readonly [string, string]

/** RFC 5849 §3.6: UTF-8, every byte but ALPHA / DIGIT / "-" / "." / "_" / "~" as %XX (upper case). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

const decoder = new TextDecoder('utf-8')

/**
 * application/x-www-form-urlencoded decoding: "+" is a space, %XX a byte, the bytes read as UTF-8 (a bad
 * sequence as U+FFFD, a "%" without two hex digits as itself), as Python's parse_qsl and Java's decoders do.
 * Characters up to U+00FF stand for themselves as bytes: Node reads a raw request target as Latin-1.
 */
export function formDecode(text: string): string {
  const s = text.includes('+') ? text.replace(/\+/g, ' ') : text
  if (!s.includes('%') && !/[^\x00-\x7f]/.test(s)) return s
  const bytes: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const hex = c === 0x25 ? s.slice(i + 1, i + 3) : ''
    if (hex.length === 2 && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16))
      i += 2
    } else if (c <= 0xff) {
      bytes.push(c)
    } else {
      for (const b of Buffer.from(String.fromCharCode(c), 'utf8')) bytes.push(b)
    }
  }
  return decoder.decode(Uint8Array.from(bytes))
}

/** name=value pairs of a query or form body, in order; "a" alone is ("a", ""), empty parts are skipped. */
export function parseForm(text: string): Pair[] {
  const out: Pair[] = []
  if (text.length === 0) return out
  for (const part of text.split('&')) {
    if (part.length === 0) continue
    const eq = part.indexOf('=')
    out.push(eq === -1 ? [formDecode(part), ''] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))])
  }
  return out
}

/** §3.4.1.2: scheme and host lower case, the port only when not the scheme's default, the path as sent. */
export function baseStringUri(origin: string, path: string): string {
  const u = new URL(origin)
  const scheme = u.protocol.slice(0, -1).toLowerCase()
  const defaultPort = (scheme === 'http' && u.port === '80') || (scheme === 'https' && u.port === '443') || u.port === ''
  return `${scheme}://${u.hostname.toLowerCase()}${defaultPort ? '' : `:${u.port}`}${path.length === 0 ? '/' : path}`
}

/** §3.4.1.3.2: each name and value encoded, sorted by name then value, joined with "=" and "&". */
export function normalizeParameters(pairs: readonly Pair[]): string {
  const encoded = pairs.map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  return encoded.map(([k, v]) => `${k}=${v}`).join('&')
}

export function signatureBaseString(method: string, baseUri: string, pairs: readonly Pair[]): string {
  return `${method.toUpperCase()}&${percentEncode(baseUri)}&${percentEncode(normalizeParameters(pairs))}`
}

/** The request target with the impersonated user added to its query. */
export function withRequestor(target: string, user: string): string {
  const sep = target.includes('?') ? (target.endsWith('?') || target.endsWith('&') ? '' : '&') : '?'
  return `${target}${sep}${REQUESTOR_PARAM}=${percentEncode(user)}`
}

export interface OAuthRequest {
  readonly method: string
  /** scheme://host[:port] the upstream believes it serves (its Tomcat connector's scheme, proxyName, proxyPort). */
  readonly origin: string
  /** Path and query as restgate would send them, before the user is added. */
  readonly target: string
  /** The body's parameters when it is application/x-www-form-urlencoded (§3.4.1.3.1), else none. */
  readonly formPairs?: readonly Pair[]
}

export interface OAuthCredentials {
  readonly consumerKey: string
  readonly privateKey: KeyObject
}

export interface OAuthFreshness {
  /** Seconds since the epoch. */
  readonly timestamp: number
  readonly nonce: string
}

export type Prepared =
  | { readonly ok: true; readonly target: string; readonly params: readonly Pair[]; readonly base: string }
  /** The client's query or form body already names an OAuth parameter: signing it would vouch for two users. */
  | { readonly ok: false; readonly parameter: string }

/** The target to send (the user added), the protocol parameters and the base string, before signing. */
export function prepareImpersonated(req: OAuthRequest, user: string, consumerKey: string, fresh: OAuthFreshness): Prepared {
  const q = req.target.indexOf('?')
  const path = q === -1 ? req.target : req.target.slice(0, q)
  const query = q === -1 ? [] : parseForm(req.target.slice(q + 1))
  const clash = [...query, ...(req.formPairs ?? [])].find(([k]) => k === REQUESTOR_PARAM || k.startsWith('oauth_'))
  if (clash !== undefined) return { ok: false, parameter: clash[0] }
  const params: Pair[] = [
    ['oauth_consumer_key', consumerKey],
    ['oauth_nonce', fresh.nonce],
    ['oauth_signature_method', SIGNATURE_METHOD],
    ['oauth_timestamp', String(fresh.timestamp)],
    ['oauth_version', '1.0'],
  ]
  const signed = [...params, ...query, [REQUESTOR_PARAM, user] as const, ...(req.formPairs ?? [])]
  return { ok: true, target: withRequestor(req.target, user), params, base: signatureBaseString(req.method, baseStringUri(req.origin, path), signed) }
}

/** §3.5.1: the Authorization header value. */
export function authorizationHeader(params: readonly Pair[], signature: string): string {
  return `OAuth ${[...params, ['oauth_signature', signature] as const].map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`).join(', ')}`
}

/** RSASSA-PKCS1-v1_5 with SHA-1 over the base string (§3.4.3), base64. */
export function rsaSha1(base: string, key: KeyObject): string {
  return sign('sha1', Buffer.from(base, 'latin1'), key).toString('base64')
}

/** The same on libuv's thread pool, so the event loop serves other requests meanwhile. */
export function rsaSha1Async(base: string, key: KeyObject): Promise<string> {
  return new Promise((resolve, reject) =>
    sign('sha1', Buffer.from(base, 'latin1'), key, (err, signature) => (err !== null ? reject(err) : resolve(signature.toString('base64')))),
  )
}
