// The bypass wall, read the way Tomcat reads a path: `;params` stripped per segment, dot segments
// resolved, %2F/%5C rejected. Every row is either one canonical path or a refusal, never a guess.
import t from 'tap'
import { canonicalizePath } from '../../src/policy/canonical-path.js'

const accepted: Array<[string, string, string?]> = [
  ['/', '/'],
  ['/rest/api/2/issue/TEST-1', '/rest/api/2/issue/TEST-1'],
  ['/rest/api/2/issue/TEST-1?fields=summary&x=%2F', '/rest/api/2/issue/TEST-1', '?fields=summary&x=%2F'],
  ['/rest/api/2/', '/rest/api/2/'],
  ['/rest/api/2/issue;jsessionid=ABC/TEST-1', '/rest/api/2/issue/TEST-1'],
  ['/rest/api/2/issue/TEST-1;x=y', '/rest/api/2/issue/TEST-1'],
  ['/rest/%61pi/2', '/rest/api/2'],
  ['/rest/api/2/search%3Fjql', '/rest/api/2/search%3Fjql'],
  ['/rest/api/2/user%3bx', '/rest/api/2/user%3Bx'],
  ['/wiki/display/SPACE/Page%20Title', '/wiki/display/SPACE/Page%20Title'],
  ['/a/%c3%a9', '/a/%C3%A9'],
  ['/a/%25', '/a/%25'],
  ['/a/%252e%252e/b', '/a/%252e%252e/b'],
  ['/a/.hidden', '/a/.hidden'],
  ['/a/...', '/a/...'],
  ['/a/b.c/d', '/a/b.c/d'],
  ['/a/~user', '/a/~user'],
  ['/a/caf\u00e9', '/a/caf%E9'],
  ['/REST/API', '/REST/API'],
]

const refused: Array<[string, RegExp]> = [
  ['', /start with \//],
  ['rest/api/2', /start with \//],
  ['*', /start with \//],
  ['http://jira/rest/api/2', /start with \//],
  ['/rest/ksso/api/info/..;/..;/../api/2/issue/X', /dot segment/],
  ['/rest/ksso/api/info/../../api/2', /dot segment/],
  ['/rest/./api', /dot segment/],
  ['/rest/api/..', /dot segment/],
  ['/rest/api/.', /dot segment/],
  ['/rest/%2e%2e/secure', /dot segment/],
  ['/rest/%2E/secure', /dot segment/],
  ['/rest/.%2e/secure', /dot segment/],
  ['/rest/..;x=1/secure', /dot segment/],
  ['/rest/.;/secure', /dot segment/],
  ['/rest/api%2f2/issue', /encoded \//],
  ['/rest/api%2F2/issue', /encoded \//],
  ['/rest/api%5c2/issue', /encoded \//],
  ['/rest\\api', /backslash/],
  ['/rest//api', /empty path segment/],
  ['//rest/api', /empty path segment/],
  ['/rest/;x/api', /empty path segment/],
  ['/rest/api/;x', /empty path segment/],
  ['/rest/%00/api', /NUL/],
  ['/rest/a\u0000b', /control character/],
  ['/rest/a b', /control character/],
  ['/rest/a\tb', /control character/],
  ['/rest/%zz', /malformed percent/],
  ['/rest/%4', /malformed percent/],
  ['/rest/%', /malformed percent/],
  ['/rest/a#frag', /#/],
  ['/rest/a?x=1#frag', /#/],
  ['/rest/api/2/issue;x#y/TEST-1', /#/],
  ['/rest/api/2/issue/TEST-1;jsessionid=A#frag', /#/],
  ['/rest/api;#/2', /#/],
  ['/rest/\u0100', /non-ASCII/],
]

t.test('accepted targets have exactly one reading', async (t) => {
  for (const [target, path, query = ''] of accepted) {
    t.same(canonicalizePath(target), { ok: true, path, query, sessionParam: '' }, JSON.stringify(target))
  }
})

t.test('ambiguous targets are refused with a reason', async (t) => {
  for (const [target, reason] of refused) {
    const r = canonicalizePath(target)
    t.equal(r.ok, false, JSON.stringify(target))
    if (!r.ok) t.match(r.reason, reason, JSON.stringify(target))
  }
})

t.test('canonical output is a fixed point', async (t) => {
  for (const [target] of accepted) {
    const once = canonicalizePath(target)
    if (!once.ok) continue
    const twice = canonicalizePath(once.path + once.query)
    t.same(twice, once, `canonical(canonical(${JSON.stringify(target)}))`)
  }
})
