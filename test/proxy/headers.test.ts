import t from 'tap'
import { buildClientHeaders, buildUpstreamHeaders, removeCookie, type UpstreamHeaderOptions } from '../../src/proxy/headers.js'
import { identityHeaderNames } from '../../src/upstream/header-names.js'

const identity = identityHeaderNames({
  identity: { userHeader: 'X-Remote-User', methodHeader: 'X-Forwarded-Auth', stripHeaders: ['X-Internal'] },
} as never)

const base: UpstreamHeaderOptions = {
  identityHeaders: identity,
  dropAuthorization: false,
  dropCookie: undefined,
  host: undefined,
  forwardedFor: '192.0.2.1',
  forwardedProto: 'https',
  forwardedHost: 'jira.example.com',
  requestId: 'req-1',
  add: [],
}

function pairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!.toLowerCase(), flat[i + 1]!])
  return out
}

t.test('identity headers are stripped in every spelling and count', async (t) => {
  const raw = [
    'X-Remote-User', 'evil', 'x-remote-user', 'evil2', 'X_Remote_User', 'evil3', 'x-REMOTE_user', 'evil4',
    'X-Forwarded-User', 'evil5', 'X-Internal', 'x', 'X-Forwarded-Auth', 'kerberos', 'Accept', 'application/json',
  ]
  const out = pairs(buildUpstreamHeaders(raw, base))
  t.same(out.filter(([n]) => n.replace(/_/g, '-').includes('remote-user') || n === 'x-forwarded-user' || n === 'x-internal' || n === 'x-forwarded-auth'), [])
  t.ok(out.some(([n, v]) => n === 'accept' && v === 'application/json'))
})

t.test('added identity headers come after removal and survive Connection tokens', async (t) => {
  const raw = ['Connection', 'close, X-Remote-User, X-Forwarded-For, x-forwarded-proto', 'X-Remote-User', 'evil', 'Keep-Alive', '5', 'TE', 'trailers', 'Upgrade', 'h2c', 'X-Custom', 'kept']
  const out = pairs(buildUpstreamHeaders(raw, { ...base, add: ['X-Remote-User', 'alice', 'X-Forwarded-Auth', 'token'] }))
  t.same(out.filter(([n]) => n === 'x-remote-user'), [['x-remote-user', 'alice']])
  t.same(out.filter(([n]) => n === 'x-forwarded-for'), [['x-forwarded-for', '192.0.2.1']])
  t.same(out.filter(([n]) => n === 'x-forwarded-proto'), [['x-forwarded-proto', 'https']])
  for (const hop of ['connection', 'keep-alive', 'te', 'upgrade']) t.notOk(out.some(([n]) => n === hop), hop)
  t.ok(out.some(([n]) => n === 'x-custom'))
})

t.test('a client Connection token removes only the client copy of an end-to-end header', async (t) => {
  const out = pairs(buildUpstreamHeaders(['Connection', 'X-Custom', 'X-Custom', '1', 'Connection', 'x-other', 'X-Other', '2', 'X-Third', '3'], base))
  t.notOk(out.some(([n]) => n === 'x-custom'))
  t.notOk(out.some(([n]) => n === 'x-other'), 'tokens from a second Connection header count too')
  t.ok(out.some(([n]) => n === 'x-third'))
})

t.test('a consumed Authorization is dropped in every copy; otherwise kept', async (t) => {
  const raw = ['Authorization', 'Basic YTpi', 'authorization', 'Basic Yzpk']
  t.notOk(pairs(buildUpstreamHeaders(raw, { ...base, dropAuthorization: true })).some(([n]) => n === 'authorization'))
  t.equal(pairs(buildUpstreamHeaders(raw, base)).filter(([n]) => n === 'authorization').length, 2)
})

t.test('proxy-authorization, expect, forwarded and x-real-ip never pass', async (t) => {
  const raw = ['Proxy-Authorization', 'Basic x', 'Expect', '100-continue', 'Forwarded', 'for=1.2.3.4', 'X-Real-IP', '1.2.3.4', 'X-Forwarded-Host', 'evil', 'Host', 'client']
  const out = pairs(buildUpstreamHeaders(raw, base))
  t.same(out.map(([n]) => n).sort(), ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id'])
  t.same(out.find(([n]) => n === 'x-forwarded-host'), ['x-forwarded-host', 'jira.example.com'])
  const preserved = pairs(buildUpstreamHeaders(raw, { ...base, host: 'client' }))
  t.same(preserved.filter(([n]) => n === 'host'), [['host', 'client']])
})

t.test('X-Original-URL and X-Rewrite-URL never pass, in any case or spelling', async (t) => {
  const raw = ['X-Original-URL', '/rest/api/2/user', 'x-rewrite-url', '/admin', 'X_Original_Url', '/x', 'X-Original-URI', '/kept']
  const out = pairs(buildUpstreamHeaders(raw, base))
  t.same(out.filter(([n]) => /^x[-_](original[-_]url|rewrite[-_]url)$/.test(n)), [])
  t.ok(out.some(([n, v]) => n === 'x-original-uri' && v === '/kept'), 'other headers are not caught by the rule')
})

t.test("a client's X-Request-Id is replaced by the request's own id", async (t) => {
  const out = pairs(buildUpstreamHeaders(['X-Request-Id', 'forged', 'x-request-id', 'again'], base))
  t.same(out.filter(([n]) => n === 'x-request-id'), [['x-request-id', 'req-1']])
})

t.test('the session cookie is removed from Cookie, other cookies kept', async (t) => {
  t.equal(removeCookie('a=1; RESTGATE_SESSION=xyz; b=2', 'RESTGATE_SESSION'), 'a=1; b=2')
  t.equal(removeCookie('RESTGATE_SESSION=xyz', 'RESTGATE_SESSION'), null)
  t.equal(removeCookie('RESTGATE_SESSIONX=1', 'RESTGATE_SESSION'), 'RESTGATE_SESSIONX=1')
  const out = pairs(buildUpstreamHeaders(['Cookie', 'RESTGATE_SESSION=s', 'Cookie', 'JSESSIONID=j'], { ...base, dropCookie: 'RESTGATE_SESSION' }))
  t.same(out.filter(([n]) => n === 'cookie'), [['cookie', 'JSESSIONID=j']])
})

t.test('response headers lose hop-by-hop and Connection-named ones', async (t) => {
  const out = buildClientHeaders({
    connection: 'keep-alive, x-private',
    'x-private': 'secret',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    'set-cookie': ['a=1', 'b=2'],
    'content-type': 'application/json',
  })
  t.same(out, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' })
})
