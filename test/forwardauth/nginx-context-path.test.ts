// nginx in front of a Jira under /jira, configured as docs/forward-auth.md's "Under a context path" says: the
// documented block with the page's six lines changed (read from the page's table). The endpoint under /jira
// decides on the client's target, context path included; restgate's own routes answer under /jira; nothing
// outside /jira/ reaches Jira.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate } from '../helpers/restgate.js'
import { httpRequest, type HttpOptions } from '../helpers/http.js'
import { FORWARD_AUTH_DOC, localhostCertificate, startFrontNginx } from '../helpers/nginx.js'
import { bearer } from '../helpers/tokens.js'

/** The page's table of changed lines: [documented line, line under /jira]. */
function contextPathEdits(): Array<[string, string]> {
  const page = readFileSync(FORWARD_AUTH_DOC, 'utf8')
  const section = page.slice(page.indexOf('### Under a context path'), page.indexOf('## Traefik'))
  const rows = [...section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|$/gm)].map((m) => [m[1]!, m[2]!] as [string, string])
  if (rows.length !== 6) throw new Error(`expected six changed lines in the page's table, found ${rows.length}`)
  return rows
}

function replaceOnce(text: string, what: string, by: string): string {
  const at = text.indexOf(what)
  if (at === -1 || text.indexOf(what, at + 1) !== -1) throw new Error(`the documented block must contain "${what}" exactly once`)
  return text.slice(0, at) + by + text.slice(at + what.length)
}

const stub = await startStubJira(t)
const tls = await localhostCertificate(t)
const ca = readFileSync(tls.cert)
const rg = await startRestgate(t, {
  server: { host: '127.0.0.1', port: 8000, admin: { enabled: false }, trustedProxies: ['127.0.0.1/32'] },
  upstream: { url: `${stub.url}/jira`, timeout: '5s', connectTimeout: '2s' },
  forwardAuth: { enabled: true },
  anonymous: 'deny',
})
const edits = contextPathEdits()
const front = await startFrontNginx(t, {
  restgate: new URL(rg.url).host,
  jira: `127.0.0.1:${stub.port}`,
  tls,
  edit: (block) => edits.reduce((b, [from, to]) => replaceOnce(b, from, to), block),
})
const get = (path: string, options: HttpOptions = {}) => httpRequest(`${front.url}${path}`, { ...options, ca })

t.test("restgate's own routes answer under /jira through nginx; a token decides what reaches Jira there", async (t) => {
  const ping = await get('/jira/rest/ksso/api/info/1.0/ping')
  t.equal(ping.json()['response'], 'pong')
  const { secret: token } = await rg.tokens.service.create('alice', { name: 'nginx under /jira' }, rg.runtime.current.policy)
  const listed = await get('/jira/rest/ksso/api/apitokens/2.0/user/tokens', { headers: { authorization: bearer(token) } })
  t.equal(listed.status, 200, 'the management API under /jira, through nginx, with the token')
  t.same(listed.json<{ allApiTokens: Array<{ tokenName: string }> }>().allApiTokens.map((x) => x.tokenName), ['nginx under /jira'])

  const from = stub.requests.length
  const ok = await get('/jira/rest/api/2/issue/X-1?fields=summary', { headers: { authorization: bearer(token), 'x-forwarded-user': 'admin' } })
  t.equal(ok.status, 200)
  const seen = stub.requests.slice(from)
  t.equal(seen.length, 1, 'one request reached Jira')
  t.equal(seen[0]!.url, '/jira/rest/api/2/issue/X-1?fields=summary', 'the target as the client sent it, under /jira')
  t.equal(seen[0]!.headers['x-forwarded-user'], 'alice', "restgate's user, not the client's")
  t.equal(seen[0]!.headers['authorization'], undefined, 'the consumed token is not forwarded')
})

t.test('without a credential: 401 with the challenge; outside /jira/: nginx answers, Jira never sees it', async (t) => {
  const from = stub.requests.length
  const none = await get('/jira/rest/api/2/issue/X-1')
  t.equal(none.status, 401)
  t.equal(none.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.ok(none.headers['www-authenticate'], 'a challenge')
  const outside = await get('/rest/api/2/issue/X-1')
  t.equal(outside.status, 404)
  t.equal(stub.requests.length, from, 'nothing reached Jira')
})
