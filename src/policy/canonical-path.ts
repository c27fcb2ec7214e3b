// The bypass wall. Every rule is checked on the canonical path and exactly that path is forwarded, so the
// proxy and Tomcat can never read one request two ways. Tomcat strips `;params` from each segment and
// resolves dot segments; a rule checked on `/rest/ksso/api/info/..;/..;/../api/2/x` but forwarded raw would
// let Tomcat read `/rest/api/2/x`. Anything that cannot be read one way only is refused, not repaired.
// See CVE-2020-1938-era path confusion write-ups and Tomcat's RequestUtil.normalize for the reading we match.

export type CanonicalResult =
  /** `sessionParam`: a well-formed `;jsessionid=<id>` the last segment carried (else ''), forwarded, never decided on. */
  | { ok: true; path: string; query: string; sessionParam: string }
  | { ok: false; reason: string }

/**
 * Jira's URL sessions for clients without cookies (`/jira/secure/Dashboard.jspa;jsessionid=0A1B…`, a
 * Tomcat session id with an optional `.route`): the one path parameter that reaches Tomcat, and only on the
 * last segment, alone. Rules are still decided on the path without it, and a session id holds no '/', '.'
 * segment or escape Tomcat could read as path. Every other `;parameter` is removed as before.
 */
const SESSION_PARAM = /^;jsessionid=[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/

// RFC 3986 unreserved characters: decoding them never changes the meaning of a URI.
const UNRESERVED = /[A-Za-z0-9\-._~]/

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 65 && code <= 70) return code - 55
  if (code >= 97 && code <= 102) return code - 87
  return -1
}

function fail(reason: string): CanonicalResult {
  return { ok: false, reason }
}

/** Fast check: a plain path needs no rewriting (most REST traffic). */
function isPlain(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    // a-z A-Z 0-9 - _ ~ / are safe; '.' is checked for dot segments below; anything else takes the slow path
    if (
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      (c >= 48 && c <= 57) ||
      c === 45 ||
      c === 95 ||
      c === 126
    ) {
      continue
    }
    if (c === 47) {
      if (path.charCodeAt(i + 1) === 47) return false // '//'
      continue
    }
    if (c === 46) {
      const prev = path.charCodeAt(i - 1)
      const next = path.charCodeAt(i + 1)
      // a dot that starts a segment could be a dot segment: let the full parser judge
      if (prev === 47 && (next === 47 || next === 46 || Number.isNaN(next))) return false
      continue
    }
    return false
  }
  return true
}

/**
 * Turns a raw request target into the canonical path plus the untouched query string (with its '?').
 * Refuses: non-origin-form targets, '#' (also inside ';params'), control characters, NUL (raw or %00), malformed percent escapes,
 * encoded '/' or '\' (%2F, %5C), raw '\', empty segments ('//'), and '.'/'..' segments raw or encoded,
 * including ones that only appear after Tomcat strips ';params' ('..;x').
 */
export function canonicalizePath(target: string): CanonicalResult {
  if (target.length === 0 || target.charCodeAt(0) !== 47) return fail('the request target must start with /')
  const q = target.indexOf('?')
  const rawPath = q === -1 ? target : target.slice(0, q)
  const query = q === -1 ? '' : target.slice(q)
  if (query.includes('#') || query.includes('\0')) return fail('the query string contains # or NUL')

  if (isPlain(rawPath)) return { ok: true, path: rawPath, query, sessionParam: '' }
  // Checked on the whole path, before `;parameters` are cut off below: a `#` inside one would otherwise
  // vanish with it, and a target with a fragment has no one reading (clients never send one).
  if (rawPath.includes('#')) return fail('# in the request target')

  const segments = rawPath.split('/')
  // segments[0] is the empty string before the leading '/'
  const out: string[] = ['']
  let sessionParam = ''
  for (let s = 1; s < segments.length; s++) {
    let seg = segments[s]!
    const last = s === segments.length - 1
    // Tomcat reads ';' as the start of path parameters and drops them from the segment.
    const semi = seg.indexOf(';')
    if (semi !== -1) {
      if (last && SESSION_PARAM.test(seg.slice(semi))) sessionParam = seg.slice(semi)
      seg = seg.slice(0, semi)
    }

    if (seg.length === 0) {
      // a trailing slash is a real, distinct path (`/jira/;jsessionid=…` is one too); any other empty
      // segment is '//' or '/;x/'
      if (last && (semi === -1 || sessionParam !== '')) {
        out.push('')
        continue
      }
      return fail('empty path segment (// or a segment that is only ;parameters)')
    }

    let decoded = ''
    for (let i = 0; i < seg.length; i++) {
      const ch = seg[i]!
      const c = seg.charCodeAt(i)
      if (c === 37) {
        // '%'
        const h = hexValue(seg.charCodeAt(i + 1))
        const l = hexValue(seg.charCodeAt(i + 2))
        if (h < 0 || l < 0) return fail('malformed percent-encoding')
        const byte = h * 16 + l
        if (byte === 0) return fail('encoded NUL (%00)')
        if (byte === 0x2f || byte === 0x5c) return fail('encoded / or \\ (%2F, %5C) in the path')
        const char = String.fromCharCode(byte)
        if (byte < 0x80 && UNRESERVED.test(char)) {
          decoded += char
        } else {
          decoded += '%' + seg.slice(i + 1, i + 3).toUpperCase()
        }
        i += 2
        continue
      }
      if (c < 0x21 || c === 0x7f) return fail('control character or space in the path')
      if (c === 0x5c) return fail('backslash in the path')
      if (c > 0x7e) {
        // Node hands raw bytes over as latin1 characters; encode them so the forwarded bytes are unchanged.
        if (c > 0xff) return fail('non-ASCII character in the path')
        decoded += '%' + c.toString(16).toUpperCase().padStart(2, '0')
        continue
      }
      decoded += ch
    }
    if (decoded === '.' || decoded === '..') return fail('dot segment (., .., %2e) in the path')
    out.push(decoded)
  }
  return { ok: true, path: out.join('/'), query, sessionParam }
}
