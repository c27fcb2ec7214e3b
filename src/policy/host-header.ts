// What restgate believes about the address the client used: the Host header (or a trusted proxy's
// X-Forwarded-Host) as host[:port], checked before anything is decided or forwarded. The product builds
// its absolute links from what restgate tells it (X-Forwarded-Host, -Proto, -Port, read by Tomcat's
// RemoteIpValve), and restgate rewrites Location headers to it, so a value that is not a plain host and
// port (a path, a user name, a space, a second Host header) is refused rather than passed on: RFC 9112 §3.2
// asks for 400 on a request with more than one Host or an invalid one (host header injection, cache
// poisoning through a link built from it).
import { isIPv4, isIPv6 } from 'node:net'

export type HostResult =
  | { readonly ok: true; readonly hostname: string; readonly port: number | undefined }
  | { readonly ok: false; readonly reason: string }

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/

function fail(reason: string): HostResult {
  return { ok: false, reason }
}

/** A port as HTTP writes it: 1-5 digits, 1-65535. */
export function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= 65535 ? n : undefined
}

/** `host[:port]` (RFC 9110 §7.2): a DNS name, an IPv4 address or a bracketed IPv6 address, and an optional port. */
export function parseHostHeader(value: string): HostResult {
  if (value.length === 0) return fail('the Host header is empty')
  if (value.length > 261) return fail('the Host header is too long')
  let hostname: string
  let rest: string
  if (value.startsWith('[')) {
    const end = value.indexOf(']')
    if (end === -1 || !isIPv6(value.slice(1, end))) return fail('the Host header has an invalid IPv6 address')
    hostname = value.slice(0, end + 1)
    rest = value.slice(end + 1)
  } else {
    const colon = value.indexOf(':')
    hostname = colon === -1 ? value : value.slice(0, colon)
    rest = colon === -1 ? '' : value.slice(colon)
    const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname
    if (!isIPv4(name) && (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l)))) {
      return fail('the Host header is not a host name or address')
    }
  }
  if (rest === '') return { ok: true, hostname, port: undefined }
  const port = rest.startsWith(':') ? parsePort(rest.slice(1)) : undefined
  if (port === undefined) return fail('the Host header has an invalid port')
  return { ok: true, hostname, port }
}
