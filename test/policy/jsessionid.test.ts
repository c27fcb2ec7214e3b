// Jira's URL sessions (`;jsessionid=` for clients without cookies) reach Tomcat, and only they: decided on
// the path without the parameter, every refusal of the canonical-path wall kept.
import t from 'tap'
import { canonicalizePath } from '../../src/policy/canonical-path.js'

// [target, path decided on, parameter forwarded, query]
const kept: Array<[string, string, string, string?]> = [
  ['/jira/secure/Dashboard.jspa;jsessionid=0A1B2C3D4E5F', '/jira/secure/Dashboard.jspa', ';jsessionid=0A1B2C3D4E5F'],
  ['/jira/browse/TEST-1;jsessionid=ABC.node-1?page=2', '/jira/browse/TEST-1', ';jsessionid=ABC.node-1', '?page=2'],
  ['/jira/;jsessionid=ABC', '/jira/', ';jsessionid=ABC'],
  ['/rest/api/2/issue;jsessionid=ABC/TEST-1', '/rest/api/2/issue/TEST-1', ''],
  ['/a/b;jsessionid=ABC;x=1', '/a/b', ''],
  ['/a/b;JSESSIONID=ABC', '/a/b', ''],
  ['/a/b;jsessionid=', '/a/b', ''],
  ['/a/b;jsessionid=.x', '/a/b', ''],
  ['/a/b;jsessionid=A%2FB', '/a/b', ''],
  ['/a/b;x=1', '/a/b', ''],
  ['/a/b', '/a/b', ''],
]

const refused: Array<[string, RegExp]> = [
  ['/jira/..;jsessionid=ABC', /dot segment/],
  ['/jira/.;jsessionid=ABC', /dot segment/],
  ['/jira/%2e%2e;jsessionid=ABC', /dot segment/],
  ['/jira//x;jsessionid=ABC', /empty path segment/],
  ['/jira/;jsessionid=ABC/x', /empty path segment/],
  ['/jira/;jsessionid=../x', /dot segment|empty path segment/],
  ['/jira/x%2F;jsessionid=ABC', /encoded \//],
]

t.test('a well-formed ;jsessionid= on the last segment is forwarded, the rest decided without it', async (t) => {
  for (const [target, path, sessionParam, query = ''] of kept) {
    t.same(canonicalizePath(target), { ok: true, path, query, sessionParam }, target)
  }
})

t.test('the wall still refuses what it refused', async (t) => {
  for (const [target, reason] of refused) {
    const r = canonicalizePath(target)
    t.equal(r.ok, false, target)
    if (!r.ok) t.match(r.reason, reason, target)
  }
})
