// Pure header rules for both directions. Client-sent copies of identity headers are removed whatever
// their case, count or `_` spelling (the names: upstream/header-names.ts). Headers
// restgate adds are appended after every removal, so a client's `Connection: x-forwarded-user` can only ever
// remove the client's own copy (GHSA-gwhp-pf74-vj37 in @fastify/reply-from removed the proxy's).
import { normalizeHeaderName } from '../upstream/header-names.js'

/** Headers that describe one connection, never the message (RFC 9110 §7.6.1), plus ones we always rewrite. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
])

/**
 * Request headers restgate always sets itself from what it saw, so client copies are dropped; X-Request-Id
 * is restgate's own (accepted from a trusted proxy only, http/request-id.ts) and added back below.
 */
const FORWARDING = new Set([
  'host',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
  'x-request-id',
])

/**
 * Headers that some stacks read as the request's real URL instead of the request line: IIS URL Rewrite and
 * ASP.NET, Symfony and Zend Framework until CVE-2018-14773 / ZF2018-01 (Yii, and some Java filters written
 * for IIS front ends, the same). restgate decides on the request line's canonical path; a component behind
 * it that honoured one of these would serve another URL than the one the rules were checked on. Jira
 * ignores them, so nothing is lost by never forwarding a client's copy.
 */
const URL_OVERRIDES = new Set(['x-original-url', 'x-rewrite-url'])

/** Every request header a client copy of which never goes upstream, whatever the policy: one lookup each. */
const NEVER_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...FORWARDING, ...URL_OVERRIDES])

/** Lower-cased names listed in Connection header values. */
export function connectionTokens(values: readonly string[]): Set<string> | null {
  let out: Set<string> | null = null
  for (const v of values) {
    for (const part of v.split(',')) {
      const t = normalizeHeaderName(part.trim())
      if (t.length === 0) continue
      ;(out ??= new Set()).add(t)
    }
  }
  return out
}

export interface UpstreamHeaderOptions {
  /** Names (normalized) that clients may never send: identity headers. */
  readonly identityHeaders: ReadonlySet<string>
  /** Drop the client's Authorization: restgate consumed it. */
  readonly dropAuthorization: boolean
  /** Remove this cookie from the Cookie header: restgate's own session cookie. */
  readonly dropCookie: string | undefined
  /** Host header to send, or undefined to let the transport set the upstream's. */
  readonly host: string | undefined
  readonly forwardedFor: string
  readonly forwardedProto: string
  readonly forwardedHost: string | undefined
  readonly forwardedPort?: string
  /** An upgrade restgate passes on (a WebSocket): `Upgrade` and `Connection: upgrade` go upstream. */
  readonly keepUpgrade?: boolean
  /** This request's id (X-Request-Id), for the upstream's own logs. */
  readonly requestId: string
  /** Identity headers to add, as [name, value] pairs, after every removal. */
  readonly add: readonly string[]
}

/**
 * Builds the upstream request headers as a flat [name, value, ...] list from the raw client headers.
 * Repeated headers stay repeated (each copy is judged on its own), names keep the client's spelling.
 */
export function buildUpstreamHeaders(rawHeaders: readonly string[], opts: UpstreamHeaderOptions): string[] {
  let connectionValues: string[] | null = null
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length === 10 && name.toLowerCase() === 'connection') (connectionValues ??= []).push(rawHeaders[i + 1]!)
  }
  const named = connectionValues === null ? null : connectionTokens(connectionValues)

  const out: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    const lower = normalizeHeaderName(name)
    if (NEVER_FORWARDED.has(lower) || opts.identityHeaders.has(lower)) continue
    if (named !== null && named.has(lower)) continue
    if (lower === 'authorization' && opts.dropAuthorization) continue
    let value = rawHeaders[i + 1]!
    if (lower === 'cookie' && opts.dropCookie !== undefined) {
      const kept = removeCookie(value, opts.dropCookie)
      if (kept === null) continue
      value = kept
    }
    out.push(name, value)
  }
  if (opts.host !== undefined) out.push('host', opts.host)
  out.push('x-forwarded-for', opts.forwardedFor, 'x-forwarded-proto', opts.forwardedProto)
  if (opts.forwardedHost !== undefined) out.push('x-forwarded-host', opts.forwardedHost)
  if (opts.forwardedPort !== undefined) out.push('x-forwarded-port', opts.forwardedPort)
  // Only the one token restgate checked (websocket): never a client's `Upgrade: websocket, h2c`.
  if (opts.keepUpgrade === true) out.push('connection', 'upgrade', 'upgrade', 'websocket')
  out.push('x-request-id', opts.requestId)
  for (let i = 0; i < opts.add.length; i++) out.push(opts.add[i]!)
  return out
}

/** Cookie header without the named cookie; null when nothing is left. */
export function removeCookie(header: string, name: string): string | null {
  if (!header.includes(name)) return header
  const kept: string[] = []
  for (const part of header.split(';')) {
    const trimmed = part.trim()
    if (trimmed.length === 0) continue
    const eq = trimmed.indexOf('=')
    const key = eq === -1 ? trimmed : trimmed.slice(0, eq).trim()
    if (key !== name) kept.push(trimmed)
  }
  return kept.length === 0 ? null : kept.join('; ')
}

/** Response headers for the client: upstream headers minus hop-by-hop and Connection-named ones. */
export function buildClientHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const conn = upstream['connection']
  // `Connection: keep-alive` (nearly every response) names only a header that is dropped anyway.
  const named =
    conn === undefined || (typeof conn === 'string' && conn.length === 10 && conn.toLowerCase() === 'keep-alive')
      ? null
      : connectionTokens(Array.isArray(conn) ? conn : [conn])
  const out: Record<string, string | string[]> = {}
  for (const key in upstream) {
    const value = upstream[key]
    if (value === undefined) continue
    if (HOP_BY_HOP.has(key) || (named !== null && named.has(key))) continue
    out[key] = value
  }
  return out
}

/**
 * A Location that points at the upstream's own origin (a Tomcat without proxyName builds absolute links
 * from the Host restgate sent) rewritten to the origin the client used; any other Location is left alone.
 * Only the origin changes: the product is served under the same path as its upstream.
 */
export function rewriteLocation(location: string, upstreamOrigin: string, frontOrigin: string): string {
  const n = upstreamOrigin.length
  if (location.length < n || location.slice(0, n).toLowerCase() !== upstreamOrigin.toLowerCase()) return location
  const next = location.charAt(n)
  // `http://jira:8080` must not match `http://jira:80801/` or `http://jira:8080.evil/`.
  if (next !== '' && next !== '/' && next !== '?' && next !== '#') return location
  return frontOrigin + location.slice(n)
}

/** `out` with `extra` (a login's Set-Cookie, a mutual-auth token) appended after any the upstream sent. */
export function appendHeaders(
  out: Record<string, string | string[]>,
  extra: Readonly<Record<string, string | readonly string[]>> | undefined,
): Record<string, string | string[]> {
  if (extra === undefined) return out
  for (const name in extra) {
    const have = out[name]
    const add = extra[name]!
    out[name] = have === undefined ? (add as string | string[]) : [...toList(have), ...toList(add)]
  }
  return out
}

function toList(v: string | readonly string[]): string[] {
  return typeof v === 'string' ? [v] : [...v]
}
