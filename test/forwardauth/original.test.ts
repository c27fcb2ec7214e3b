// Which request an auth request stands for, as each front proxy says it: exactly one reading or a 400,
// and the original target through the same canonical-path wall as a proxied request.
import t from 'tap'
import { RgError } from '../../src/errors.js'
import { readOriginal } from '../../src/forwardauth/original.js'

t.test('nginx, Traefik and Envoy each give one original method, canonical path and forwarded target', async (t) => {
  t.same(readOriginal('GET', '/restgate/auth', { 'x-original-uri': '/rest/api/2/issue;jsessionid=A/X-1?f=1', 'x-original-method': 'DELETE' }), {
    front: 'nginx',
    method: 'DELETE',
    path: '/rest/api/2/issue/X-1',
    target: '/rest/api/2/issue;jsessionid=A/X-1?f=1',
  })
  t.same(readOriginal('GET', '/restgate/auth', { 'x-forwarded-uri': '/rest/%61pi/2', 'x-forwarded-method': 'PROPFIND' }), {
    front: 'traefik',
    method: 'PROPFIND',
    path: '/rest/api/2',
    target: '/rest/%61pi/2',
  })
  t.same(readOriginal('POST', '/restgate/auth/rest/api/2/issue?expand=x', {}, '/restgate/auth/rest/%61pi/2/issue?expand=x'), {
    front: 'envoy',
    method: 'POST',
    path: '/rest/api/2/issue',
    target: '/rest/%61pi/2/issue?expand=x',
  })
  t.same(readOriginal('GET', '/restgate/auth/', {}), { front: 'envoy', method: 'GET', path: '/', target: '/' })
  t.same(readOriginal('GET', '/restgate/auth?x=1', { 'x-original-uri': '/a', 'x-original-method': 'GET' }), { front: 'nginx', method: 'GET', path: '/a', target: '/a' })
})

t.test('the method is named as sent, never upper-cased into a safe one', async (t) => {
  const r = readOriginal('GET', '/restgate/auth', { 'x-original-uri': '/rest/api/2/issue', 'x-original-method': 'post' })
  t.equal((r as { method: string }).method, 'post', "a read-only token's GET-only rule then refuses it")
})

t.test('no reading, two readings, a missing or bad method, a target that is not origin-form: 400', async (t) => {
  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['/restgate/auth', {}, 'RG_ERR_BAD_REQUEST', /No original URI/],
    ['/restgate/auth', { 'x-original-uri': '/a' }, 'RG_ERR_BAD_REQUEST', /X-Original-Method is missing/],
    ['/restgate/auth', { 'x-original-uri': '/a', 'x-forwarded-method': 'GET' }, 'RG_ERR_BAD_REQUEST', /X-Original-Method is missing/],
    ['/restgate/auth', { 'x-forwarded-uri': '/a', 'x-forwarded-method': '' }, 'RG_ERR_BAD_REQUEST', /not an HTTP method/],
    ['/restgate/auth', { 'x-forwarded-uri': '/a', 'x-forwarded-method': 'G\u00e9T' }, 'RG_ERR_BAD_REQUEST', /not an HTTP method/],
    ['/restgate/auth', { 'x-original-uri': '/a', 'x-original-method': 'GET', 'x-forwarded-uri': '/b' }, 'RG_ERR_BAD_REQUEST', /Two readings/],
    ['/restgate/auth/b', { 'x-forwarded-uri': '/a', 'x-forwarded-method': 'GET' }, 'RG_ERR_BAD_REQUEST', /Two readings/],
    ['/restgate/auth', { 'x-original-uri': 'https://jira/rest/api/2', 'x-original-method': 'GET' }, 'RG_ERR_BAD_REQUEST', /origin-form/],
    ['/restgate/auth', { 'x-original-uri': '', 'x-original-method': 'GET' }, 'RG_ERR_BAD_REQUEST', /origin-form/],
    ['/restgate/auth', { 'x-original-uri': '/rest/ksso/api/info/..;/../api/2', 'x-original-method': 'GET' }, 'RG_ERR_BAD_PATH', /dot segment/],
    ['/restgate/auth', { 'x-original-uri': '/rest/api%2F2', 'x-original-method': 'GET' }, 'RG_ERR_BAD_PATH', /encoded \//],
    ['/restgate/auth', { 'x-original-uri': '//rest/api/2', 'x-original-method': 'GET' }, 'RG_ERR_BAD_PATH', /empty path segment/],
  ]
  for (const [url, headers, code, message] of bad) {
    const r = readOriginal('GET', url, headers)
    t.ok(r instanceof RgError, JSON.stringify(headers))
    t.equal((r as RgError).code, code, JSON.stringify(headers))
    t.match((r as RgError).message, message, JSON.stringify(headers))
  }
})

t.test('under a context path: the endpoint is the product\'s, the path decided on is within it, one outside it is refused', async (t) => {
  const at = { endpoint: '/jira/restgate/auth', contextPath: '/jira' }
  t.same(readOriginal('GET', '/jira/restgate/auth', { 'x-original-uri': '/jira/rest/api/2/issue/X-1?f=1', 'x-original-method': 'GET' }, undefined, at), {
    front: 'nginx',
    method: 'GET',
    path: '/rest/api/2/issue/X-1',
    target: '/jira/rest/api/2/issue/X-1?f=1',
  })
  t.same(readOriginal('GET', '/jira/restgate/auth', { 'x-forwarded-uri': '/jira', 'x-forwarded-method': 'GET' }, undefined, at), {
    front: 'traefik',
    method: 'GET',
    path: '/',
    target: '/jira',
  })
  t.same(readOriginal('PUT', '/jira/restgate/auth/jira/rest/api/2/issue', {}, undefined, at), {
    front: 'envoy',
    method: 'PUT',
    path: '/rest/api/2/issue',
    target: '/jira/rest/api/2/issue',
  })
  for (const uri of ['/confluence/rest/api/user/current', '/jirax/rest/api/2', '/rest/api/2/issue', '/']) {
    const r = readOriginal('GET', '/jira/restgate/auth', { 'x-original-uri': uri, 'x-original-method': 'GET' }, undefined, at)
    t.ok(r instanceof RgError, uri)
    t.equal((r as RgError).code, 'RG_ERR_BAD_REQUEST', uri)
    t.match((r as RgError).message, /not under this product's context path \/jira/, uri)
  }
  const envoyOutside = readOriginal('GET', '/jira/restgate/auth/confluence/x', {}, undefined, at)
  t.match((envoyOutside as RgError).message, /not under this product's context path/)
})
