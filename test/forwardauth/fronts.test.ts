// Traefik and Envoy do not install here (not in Debian 12, not on npm), so the endpoint is tested with
// auth requests shaped exactly as each builds them, read from their source: Traefik's ForwardAuth
// (pkg/middlewares/auth/forward.go, v3) and Envoy's ext_authz HTTP client
// (source/extensions/filters/common/ext_authz/ext_authz_http_impl.cc). The answer is then applied the way
// each applies it, with the configuration docs/forward-auth.md documents (read from the page), to show
// what Jira would receive.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest, type HttpResult } from '../helpers/http.js'
import { FORWARD_AUTH_DOC } from '../helpers/nginx.js'
import { basic, bearer } from '../helpers/tokens.js'
import { loginCookie } from '../helpers/sessions.js'
import { tempDir } from '../helpers/tmp.js'
import { readAssertion } from '../helpers/assertion.js'

type Headers = Record<string, string>

const kdc = await startKdc(t)
const stub = await startStubJira(t)
const dir = tempDir(t)
const keyFile = join(dir, 'signing.key')
writeFileSync(keyFile, randomBytes(32))
const rg = await startRestgate(
  t,
  testPolicy(stub.url, {
    server: { trustedProxies: ['127.0.0.1/32'] },
    forwardAuth: { enabled: true },
    anonymous: 'deny',
    identity: { groupsHeader: 'X-Forwarded-Groups', signing: { keyFile } },
    directory: { groups: { 'jira-users': ['alice'] } },
    kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: tempDir(t) },
  }),
  { dir },
)
const policy = rg.runtime.current.policy
const { secret: token } = await rg.tokens.service.create('alice', {}, policy)
const { secret: readOnly } = await rg.tokens.service.create('alice', { scope: 'read' }, policy)

/** The documented YAML blocks, by a key each holds. */
const page = readFileSync(FORWARD_AUTH_DOC, 'utf8')
const yamlBlocks = [...page.matchAll(/^```yaml[ \t]*\r?\n([\s\S]*?)^```/gm)].map((m) => m[1]!)
const traefik = (parse(yamlBlocks.find((b) => b.includes('forwardAuth:') && b.includes('authResponseHeaders'))!) as {
  http: { middlewares: { restgate: { forwardAuth: Record<string, unknown> } } }
}).http.middlewares.restgate.forwardAuth
const envoyFilter = (parse(yamlBlocks.find((b) => b.includes('envoy.filters.http.ext_authz'))!) as {
  http_filters: Array<{ typed_config: { http_service: Record<string, any> } }>
}).http_filters[0]!.typed_config.http_service

/** One client request, as it reaches the front proxy. */
interface ClientRequest {
  readonly method: string
  readonly uri: string
  readonly headers: Headers
  readonly address?: string
}

// ---- Traefik -------------------------------------------------------------------------------------------

const TRAEFIK_HOP = ['connection', 'keep-alive', 'te', 'trailers', 'transfer-encoding', 'upgrade']

/** forward.go writeHeader with trustForwardHeader false: the client's headers, then its own X-Forwarded-*. */
function traefikAuthRequest(c: ClientRequest): Headers {
  const h: Headers = {}
  for (const [k, v] of Object.entries(c.headers)) if (!TRAEFIK_HOP.includes(k.toLowerCase())) h[k.toLowerCase()] = v
  h['x-forwarded-for'] = c.address ?? '192.0.2.10'
  h['x-forwarded-method'] = c.method
  h['x-forwarded-proto'] = 'https'
  h['x-forwarded-host'] = 'jira.example.com'
  h['x-forwarded-uri'] = c.uri
  h['user-agent'] ??= 'Go-http-client/1.1'
  return h
}

function callTraefik(c: ClientRequest): Promise<HttpResult> {
  const path = new URL(traefik['address'] as string).pathname
  return httpRequest(`${rg.url}${path}`, { method: 'GET', headers: traefikAuthRequest(c) })
}

/** What Jira gets after a 2xx: authResponseHeaders and authResponseHeadersRegex, as forward.go applies them. */
function traefikUpstream(c: ClientRequest, answer: HttpResult): Headers {
  const req = new Map(Object.entries(c.headers).map(([k, v]) => [k, v]))
  const canonical = (k: string) => k.toLowerCase()
  for (const name of traefik['authResponseHeaders'] as string[]) {
    for (const k of [...req.keys()]) if (canonical(k) === canonical(name)) req.delete(k)
    const v = answer.headers[name.toLowerCase()]
    if (v !== undefined) req.set(name, String(v))
  }
  const source = (traefik['authResponseHeadersRegex'] as string).replace(/^\(\?i\)/, '')
  const re = new RegExp(source, 'i')
  for (const k of [...req.keys()]) if (re.test(k)) req.delete(k)
  for (const [k, v] of Object.entries(answer.headers)) if (re.test(k) && v !== undefined) req.set(k, String(v))
  return Object.fromEntries([...req].map(([k, v]) => [k.toLowerCase(), v]))
}

t.test('the documented Traefik middleware: restgate decides, and Traefik never trusts client X-Forwarded-*', async (t) => {
  t.equal(traefik['trustForwardHeader'], false)
  t.equal(new URL(traefik['address'] as string).pathname, '/restgate/auth')
  t.same(traefik['addAuthCookiesToResponse'], ['RESTGATE_SESSION'])
})

t.test('Traefik: an API token, with spoofed identity headers in every spelling Go keeps apart', async (t) => {
  const client: ClientRequest = {
    method: 'GET',
    uri: '/rest/api/2/issue/TEST-1?fields=summary',
    headers: { Authorization: basic('alice', token), 'X-Forwarded-User': 'admin', X_Forwarded_User: 'admin', 'X-Restgate-Assertion': 'forged', Cookie: 'JSESSIONID=j1' },
  }
  const answer = await callTraefik(client)
  t.equal(answer.status, 200)
  const jira = traefikUpstream(client, answer)
  t.equal(jira['x-forwarded-user'], 'alice')
  t.equal(jira['x-forwarded-auth'], 'token')
  t.equal(jira['x-forwarded-groups'], 'jira-users')
  const assertion = readAssertion(readFileSync(keyFile), jira['x-restgate-assertion'], { method: 'GET', target: client.uri })
  t.match(assertion, { user: 'alice', method: 'token' }, 'signed for the request line Traefik forwards to Jira')
  t.equal(jira['x_forwarded_user'], undefined, 'the regex removed the underscore spelling')
  t.equal(jira['authorization'], undefined, 'the consumed token does not reach Jira')
  t.equal(jira['cookie'], 'JSESSIONID=j1')
})

t.test('Traefik: a read-only token asked for a POST (X-Forwarded-Method) is refused, the refusal returned whole', async (t) => {
  const answer = await callTraefik({ method: 'POST', uri: '/rest/api/2/issue', headers: { Authorization: bearer(readOnly) } })
  t.equal(answer.status, 403)
  t.equal(answer.json()['code'], 'RG_ERR_TOKEN_SCOPE')
  t.match(answer.json()['message'], /not POST/)
})

t.test('Traefik: a Jira password goes to Jira as sent; no credential gets the 401 with its challenges', async (t) => {
  const client: ClientRequest = { method: 'GET', uri: '/rest/api/2/myself', headers: { Authorization: basic('alice', 'jira-password') } }
  const answer = await callTraefik(client)
  t.equal(answer.status, 200)
  t.equal(traefikUpstream(client, answer)['authorization'], basic('alice', 'jira-password'))
  t.equal(traefikUpstream(client, answer)['x-forwarded-user'], undefined)
  const none = await callTraefik({ method: 'GET', uri: '/rest/api/2/myself', headers: { 'X-Forwarded-User': 'admin' } })
  t.equal(none.status, 401)
  t.equal(none.headers['www-authenticate'], 'Negotiate, Basic realm="restgate"')
  t.equal(none.json()['code'], 'RG_ERR_UNAUTHENTICATED')
})

t.test('Traefik: Kerberos answers with the mutual-authentication token, a session cookie with the rest of the cookies', async (t) => {
  const answer = await callTraefik({ method: 'GET', uri: '/rest/api/2/myself', headers: { Authorization: `Negotiate ${await kdc.token('alice')}` } })
  t.equal(answer.status, 200)
  t.equal(answer.headers['x-forwarded-user'], 'alice')
  t.equal(answer.headers['x-forwarded-auth'], 'kerberos')
  t.match(answer.headers['www-authenticate'], /^Negotiate [A-Za-z0-9+/=]+$/, 'in the answer; Traefik does not pass it on (documented)')
  const cookie = await loginCookie(rg.url, 'alice', token)
  const client: ClientRequest = { method: 'GET', uri: '/rest/api/2/issue/TEST-2', headers: { Cookie: `${cookie}; seraph.rememberme.cookie=r1` } }
  const withSession = await callTraefik(client)
  t.equal(withSession.status, 200)
  const jira = traefikUpstream(client, withSession)
  t.equal(jira['x-forwarded-auth'], 'session')
  t.equal(jira['cookie'], 'seraph.rememberme.cookie=r1', "restgate's cookie removed, Jira's kept")
  const only = { method: 'GET', uri: '/rest/api/2/issue/TEST-2', headers: { Cookie: cookie } }
  t.equal(traefikUpstream(only, await callTraefik(only))['cookie'], undefined, 'nothing left: no Cookie at all')
})

t.test('Traefik: a client that adds X-Original-URI makes two readings: refused, never ranked', async (t) => {
  const answer = await callTraefik({ method: 'GET', uri: '/rest/api/2/issue/TEST-3', headers: { Authorization: bearer(token), 'X-Original-URI': '/secure/Dashboard.jspa' } })
  t.equal(answer.status, 400)
  t.match(answer.json()['message'], /Two readings/)
})

// ---- Envoy ---------------------------------------------------------------------------------------------

const envoyPatterns = (list: { patterns: Array<{ exact: string }> }): string[] => list.patterns.map((p) => p.exact)
const envoyRequest = envoyFilter['authorization_request'] as { allowed_headers: { patterns: Array<{ exact: string }> }; headers_to_add: Array<{ key: string }> }
const envoyResponse = envoyFilter['authorization_response'] as Record<string, { patterns: Array<{ exact: string }> }>

/** ext_authz_http_impl.cc check(): Authorization, :method, :path (after path_prefix), Host, the allowed ones. */
function envoyAuthRequest(c: ClientRequest): { path: string; headers: Headers } {
  const allowed = new Set(['authorization', 'host', ...envoyPatterns(envoyRequest.allowed_headers)])
  const h: Headers = { 'content-length': '0' }
  for (const [k, v] of Object.entries(c.headers)) if (allowed.has(k.toLowerCase())) h[k.toLowerCase()] = v
  for (const add of envoyRequest.headers_to_add) if (add.key === 'x-forwarded-for') h['x-forwarded-for'] = c.address ?? '192.0.2.20'
  return { path: `${envoyFilter['path_prefix'] as string}${c.uri}`, headers: h }
}

function callEnvoy(c: ClientRequest): Promise<HttpResult> {
  const { path, headers } = envoyAuthRequest(c)
  return httpRequest(`${rg.url}${path}`, { method: c.method, headers })
}

/** What Jira gets after a 200 (only a 200): allowed_upstream_headers set, x-envoy-auth-headers-to-remove removed. */
function envoyUpstream(c: ClientRequest, answer: HttpResult): Headers {
  const req: Headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]))
  for (const name of envoyPatterns(envoyResponse['allowed_upstream_headers']!)) {
    const v = answer.headers[name]
    if (v !== undefined) req[name] = String(v)
  }
  const remove = String(answer.headers['x-envoy-auth-headers-to-remove'] ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const name of remove) delete req[name]
  return req
}

t.test('the documented Envoy filter: the original path after /restgate/auth, only a 200 lets a request on', async (t) => {
  t.equal(envoyFilter['path_prefix'], '/restgate/auth')
  t.ok(envoyPatterns(envoyRequest.allowed_headers).includes('cookie'), 'the session cookie reaches restgate')
  t.same(envoyPatterns(envoyResponse['allowed_client_headers_on_success']!), ['www-authenticate', 'set-cookie'])
})

t.test('Envoy: an API token; the consumed Authorization and every spoofed identity header are removed', async (t) => {
  const client: ClientRequest = {
    method: 'GET',
    uri: '/rest/api/2/issue/TEST-4?expand=names',
    headers: { authorization: bearer(token), 'x-forwarded-user': 'admin', 'x-forwarded-auth': 'kerberos', cookie: 'JSESSIONID=j2' },
  }
  const answer = await callEnvoy(client)
  t.equal(answer.status, 200, 'exactly 200: Envoy reads any other status as a denial')
  const jira = envoyUpstream(client, answer)
  t.equal(jira['x-forwarded-user'], 'alice')
  t.equal(jira['x-forwarded-auth'], 'token')
  t.equal(jira['x-forwarded-groups'], 'jira-users')
  t.match(readAssertion(readFileSync(keyFile), jira['x-restgate-assertion'], { method: 'GET', target: client.uri }), { user: 'alice' })
  t.equal(jira['authorization'], undefined)
  t.equal(jira['cookie'], 'JSESSIONID=j2')
})

t.test('Envoy: anonymous on an open path goes on, with no identity header left from the client', async (t) => {
  const client: ClientRequest = { method: 'GET', uri: '/secure/Dashboard.jspa', headers: { 'x-forwarded-user': 'admin', 'x-restgate-assertion': 'forged', 'x-forwarded-groups': 'jira-administrators' } }
  const answer = await callEnvoy(client)
  t.equal(answer.status, 200)
  const jira = envoyUpstream(client, answer)
  t.equal(jira['x-forwarded-user'], undefined)
  t.equal(jira['x-restgate-assertion'], undefined)
  t.equal(jira['x-forwarded-groups'], undefined)
})

t.test('Envoy: the original method decides, a refusal keeps its status and JSON body, a bad path is refused', async (t) => {
  const write = await callEnvoy({ method: 'PUT', uri: '/rest/api/2/issue/TEST-5', headers: { authorization: bearer(readOnly) } })
  t.equal(write.status, 403)
  t.equal(write.json()['code'], 'RG_ERR_TOKEN_SCOPE')
  const none = await callEnvoy({ method: 'GET', uri: '/rest/api/2/issue/TEST-5', headers: {} })
  t.equal(none.status, 401)
  t.match(none.headers['www-authenticate'], /^Negotiate, Basic realm=/)
  const bad = await callEnvoy({ method: 'GET', uri: '/rest/ksso/api/info/..;/..;/../api/2/issue/X', headers: { authorization: bearer(token) } })
  t.equal(bad.status, 400)
  t.equal(bad.json()['code'], 'RG_ERR_BAD_PATH')
})

t.test('Envoy: a Jira password stays; Kerberos returns the mutual-authentication token for the client', async (t) => {
  const client: ClientRequest = { method: 'GET', uri: '/rest/api/2/myself', headers: { authorization: basic('bob', 'jira-password') } }
  const answer = await callEnvoy(client)
  t.equal(answer.status, 200)
  t.equal(envoyUpstream(client, answer)['authorization'], basic('bob', 'jira-password'))
  const krb = await callEnvoy({ method: 'GET', uri: '/rest/api/2/myself', headers: { authorization: `Negotiate ${await kdc.token('bob')}` } })
  t.equal(krb.status, 200)
  t.match(krb.headers['www-authenticate'], /^Negotiate [A-Za-z0-9+/=]+$/, 'allowed_client_headers_on_success passes it on')
  t.match(krb.headers['x-envoy-auth-headers-to-remove'], /\bauthorization\b/, 'the ticket is removed from the request')
})

// ---- Any front -----------------------------------------------------------------------------------------

t.test('bad input is 400 JSON, never a 200', async (t) => {
  const cases: Array<[string, Headers, RegExp]> = [
    ['/restgate/auth', {}, /No original URI/],
    ['/restgate/auth', { 'x-original-uri': '/rest/api/2/issue/X' }, /X-Original-Method is missing/],
    ['/restgate/auth', { 'x-forwarded-uri': '/rest/api/2/issue/X' }, /X-Forwarded-Method is missing/],
    ['/restgate/auth', { 'x-original-uri': 'http://jira/rest/api/2/issue/X', 'x-original-method': 'GET' }, /origin-form/],
    ['/restgate/auth', { 'x-original-uri': '*', 'x-original-method': 'OPTIONS' }, /origin-form/],
    ['/restgate/auth', { 'x-original-uri': '/rest/api/2/issue/X', 'x-original-method': 'GET POST' }, /not an HTTP method/],
    ['/restgate/auth', { 'x-original-uri': '/rest/%2e%2e/secure', 'x-original-method': 'GET' }, /dot segment/],
    ['/restgate/auth', { 'x-original-uri': '/a', 'x-original-method': 'GET', 'x-forwarded-uri': '/a', 'x-forwarded-method': 'GET' }, /Two readings/],
    ['/restgate/auth/rest/api/2/issue/X', { 'x-original-uri': '/secure/x', 'x-original-method': 'GET' }, /Two readings/],
  ]
  for (const [path, headers, message] of cases) {
    const res = await httpRequest(`${rg.url}${path}`, { headers: { authorization: bearer(token), ...headers } })
    t.equal(res.status, 400, JSON.stringify(headers))
    t.match(res.json()['message'], message)
    t.match(res.json()['code'], /^RG_ERR_BAD_(REQUEST|PATH)$/)
  }
})

t.test('two Authorization headers (Go hands both to the auth request): refused before any is read', async (t) => {
  const res = await httpRequest(`${rg.url}/restgate/auth`, {
    headers: ['X-Forwarded-Uri', '/rest/api/2/issue/X', 'X-Forwarded-Method', 'GET', 'Authorization', bearer(token), 'Authorization', basic('admin', 'x')],
  })
  t.equal(res.status, 401)
  t.equal(res.json()['code'], 'RG_ERR_BAD_CREDENTIALS')
})

t.test('a user name no header can carry: 500 JSON, never a 200 without its identity headers', async (t) => {
  const { secret } = await rg.tokens.service.create('\u0141ukasz', {}, policy)
  const res = await callTraefik({ method: 'GET', uri: '/rest/api/2/myself', headers: { Authorization: bearer(secret) } })
  t.equal(res.status, 500)
  t.equal(res.json()['code'], 'RG_ERR_INTERNAL')
  t.equal(res.headers['x-forwarded-user'], undefined)
})

t.test('an auth request from an address outside server.trustedProxies: 403 JSON, even with a good token', async (t) => {
  const strict = await startRestgate(t, testPolicy(stub.url, { server: { trustedProxies: ['10.0.0.0/8'] }, forwardAuth: { enabled: true } }))
  const res = await httpRequest(`${strict.url}/restgate/auth`, { headers: { 'x-original-uri': '/secure/Dashboard.jspa', 'x-original-method': 'GET' } })
  t.equal(res.status, 403)
  t.equal(res.json()['code'], 'RG_ERR_UNTRUSTED_PROXY')
  await strict.logs.waitFor((l) => l['msg'] === 'auth request from an address outside server.trustedProxies: refused')
})

t.test('forwardAuth off (the default): /restgate/auth is an ordinary path, forwarded to Jira', async (t) => {
  const off = await startRestgate(t, testPolicy(stub.url, { server: { trustedProxies: ['127.0.0.1/32'] } }))
  const res = await httpRequest(`${off.url}/restgate/auth`, { headers: { 'x-original-uri': '/rest/api/2/issue/X', 'x-original-method': 'GET' } })
  t.equal(res.status, 200)
  t.equal(stub.requests.at(-1)!.url, '/restgate/auth')
})
