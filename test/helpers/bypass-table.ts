// The bypass table: request targets with exactly one reading (and that reading), and targets that can be
// read two ways (and why), the way Tomcat reads a path: `;params` stripped per segment, dot segments
// resolved, %2F/%5C rejected. The canonical-path tests run it against the wall itself; the forward-auth
// tests send it through nginx.

/** [target, canonical path, query]. */
export const accepted: Array<[string, string, string?]> = [
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

/** [target, why it is refused]. */
export const refused: Array<[string, RegExp]> = [
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
  ['/rest/\u0100', /non-ASCII/],
]
