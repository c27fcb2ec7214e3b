// A product under a context path against the stub upstream (fast; test/tomcat/ has the real Tomcat):
// what is forwarded where, the Host wall, the X-Forwarded-* restgate sends, Location, ;jsessionid=.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { rewriteLocation } from '../../src/proxy/headers.js'

t.test('only the context path is forwarded, with its path unchanged; restgate answers the rest', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(`${stub.url}/jira`))
  const res = await httpRequest(`${rg.url}/jira/rest/api/2/issue/X-1?fields=a`)
  t.equal(res.status, 200)
  t.equal(stub.requests.at(-1)!.url, '/jira/rest/api/2/issue/X-1?fields=a')
  const before = stub.requests.length
  for (const path of ['/rest/api/2/issue/X-1', '/', '/jiraa/x', '/confluence/x']) {
    const r = await httpRequest(`${rg.url}${path}`)
    t.equal(r.status, 404, path)
    t.equal(r.json()['code'], 'RG_ERR_NOT_FOUND')
  }
  t.equal(stub.requests.length, before, 'none of them reached the upstream')
  t.equal((await httpRequest(`${rg.url}/jira/rest/ksso/api/info/1.0/ping`)).json()['response'], 'pong')
  await httpRequest(`${rg.url}/jira`)
  t.equal(stub.requests.at(-1)!.url, '/jira', 'the context root itself goes to the product (Tomcat redirects it)')
})

t.test('path rules are relative to the context path', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(`${stub.url}/jira`, { anonymous: 'deny' }))
  t.equal((await httpRequest(`${rg.url}/jira/rest/api/2/myself`)).status, 401, '/rest/** covers /jira/rest/...')
  t.equal((await httpRequest(`${rg.url}/jira/secure/Dashboard.jspa`)).status, 200, 'outside /rest/**: not protected')
})

t.test('Host: one, and a valid host[:port], or 400 before anything is forwarded', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const host = new URL(rg.url).host
  for (const headers of [
    ['Host', host, 'Host', 'evil.example.com'],
    ['Host', 'evil.example.com/x'],
    ['Host', 'user@evil.example.com'],
    ['Host', 'evil.example.com:99999'],
  ]) {
    const res = await httpRequest(`${rg.url}/rest/api/2/x`, { headers })
    t.equal(res.status, 400, headers.join(' '))
    t.equal(res.json()['code'], 'RG_ERR_BAD_HOST')
  }
  t.equal(stub.requests.length, 0)
})

t.test('X-Forwarded-Host, -Proto and -Port: what restgate checked; a client\'s own copies only from a trusted proxy', async (t) => {
  const stub = await startStubJira(t)
  const direct = await startRestgate(t, testPolicy(stub.url))
  await httpRequest(`${direct.url}/x`, { headers: { 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-port': '1' } })
  let seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-host'], new URL(direct.url).host)
  t.equal(seen.headers['x-forwarded-proto'], 'http')
  t.equal(seen.headers['x-forwarded-port'], new URL(direct.url).port)

  const behind = await startRestgate(t, testPolicy(stub.url, { server: { trustedProxies: ['127.0.0.1'] } }))
  await httpRequest(`${behind.url}/x`, { headers: { 'x-forwarded-host': 'jira.example.com', 'x-forwarded-proto': 'https' } })
  seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-host'], 'jira.example.com')
  t.equal(seen.headers['x-forwarded-proto'], 'https')
  t.equal(seen.headers['x-forwarded-port'], '443', 'the default port of the scheme')
  await httpRequest(`${behind.url}/x`, { headers: { 'x-forwarded-host': 'jira.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-port': '8443' } })
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-port'], '8443', "the load balancer's port")
  const bad: Array<Record<string, string>> = [{ 'x-forwarded-host': 'a b' }, { 'x-forwarded-proto': 'gopher' }, { 'x-forwarded-host': 'jira.example.com', 'x-forwarded-port': 'x' }]
  for (const headers of bad) {
    const res = await httpRequest(`${behind.url}/x`, { headers })
    t.equal(res.json()['code'], 'RG_ERR_BAD_HOST', JSON.stringify(headers))
  }
})

t.test('Location pointing at the upstream origin is rewritten to the client\'s; any other is left alone', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(`${stub.url}/jira`))
  const locations = [`${stub.url}/jira/secure/Dashboard.jspa?a=1`, 'http://elsewhere.example.com/jira/x', '/jira/relative', `${stub.url}0/jira/x`]
  stub.handle = (req, res) => {
    const i = Number(new URL(req.url!, 'http://x').searchParams.get('i'))
    res.writeHead(302, { location: locations[i]! }).end()
    return true
  }
  const got = []
  for (let i = 0; i < locations.length; i++) got.push((await httpRequest(`${rg.url}/jira/go?i=${i}`)).headers.location)
  t.same(got, [`${rg.url}/jira/secure/Dashboard.jspa?a=1`, locations[1], locations[2], locations[3]])
  t.equal(rewriteLocation('HTTP://JIRA:8080/x', 'http://jira:8080', 'https://a'), 'https://a/x', 'scheme and host case-insensitively')
  t.equal(rewriteLocation('http://jira:8080', 'http://jira:8080', 'https://a'), 'https://a')
  t.equal(rewriteLocation('http://jira:8080.evil/x', 'http://jira:8080', 'https://a'), 'http://jira:8080.evil/x')
})

t.test(';jsessionid= on the last segment is forwarded; rules are decided without it', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(`${stub.url}/jira`, { anonymous: 'deny' }))
  await httpRequest(`${rg.url}/jira/secure/Dashboard.jspa;jsessionid=0A1B2C.node1?x=1`)
  t.equal(stub.requests.at(-1)!.url, '/jira/secure/Dashboard.jspa;jsessionid=0A1B2C.node1?x=1')
  const protectedPath = await httpRequest(`${rg.url}/jira/rest/api/2/myself;jsessionid=0A1B2C`)
  t.equal(protectedPath.status, 401, 'the path decided on is /rest/api/2/myself: protected')
  await httpRequest(`${rg.url}/jira/a;x=1/b;y=2`)
  t.equal(stub.requests.at(-1)!.url, '/jira/a/b', 'any other parameter is dropped as before')
})
