// Forwarding over real sockets: what the client sends is what Jira gets (minus what it must not see),
// and what Jira answers is what the client gets, bodies streamed both ways.
import t from 'tap'
import { Readable } from 'node:stream'
import { createHash } from 'node:crypto'
import { startStubJira, patternChunk, patternSha256 } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

const FIVE_MB = 5 * 1024 * 1024

t.test('method, path, query and end-to-end headers reach the upstream unchanged', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const res = await httpRequest(`${rg.url}/rest/api/2/search?jql=project%20%3D%20TEST&maxResults=5`, {
    headers: ['Accept', 'application/json', 'X-Atlassian-Token', 'no-check', 'User-Agent', 'restgate-test/1', 'X-Multi', 'a', 'X-Multi', 'b'],
  })
  t.equal(res.status, 200)
  const seen = stub.requests.at(-1)!
  t.equal(seen.method, 'GET')
  t.equal(seen.url, '/rest/api/2/search?jql=project%20%3D%20TEST&maxResults=5')
  t.equal(seen.headers['accept'], 'application/json')
  t.equal(seen.headers['x-atlassian-token'], 'no-check', 'XSRF header passes untouched')
  t.equal(seen.headers['user-agent'], 'restgate-test/1')
  t.same(seen.rawHeaders.filter((_, i, a) => i % 2 === 1 && a[i - 1] === 'X-Multi'), ['a', 'b'], 'repeated headers stay repeated')
  t.equal(seen.headers['x-forwarded-for'], '127.0.0.1')
  t.equal(seen.headers['x-forwarded-proto'], 'http')
  t.equal(seen.headers['x-forwarded-host'], new URL(rg.url).host)
  t.equal(seen.headers['host'], `127.0.0.1:${stub.port}`, 'Host is the upstream unless preserveHost')
})

t.test('every method is forwarded, including WebDAV ones', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'MKCOL']) {
    const res = await httpRequest(`${rg.url}/rest/api/2/issue/TEST-1`, { method, body: method === 'GET' ? undefined : '{"x":1}', headers: { 'content-type': 'application/json' } })
    t.equal(res.status, 200, method)
    t.equal(stub.requests.at(-1)!.method, method)
    if (method !== 'GET') t.equal(stub.requests.at(-1)!.bytes, 7, `${method} body`)
  }
  const head = await httpRequest(`${rg.url}/rest/api/2/issue/TEST-1`, { method: 'HEAD' })
  t.equal(head.status, 200)
  t.equal(head.body.length, 0)
})

t.test('a 5 MB request body streams to the upstream, chunked and with a length', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  let sent = 0
  const body = new Readable({
    read() {
      if (sent >= FIVE_MB) return this.push(null)
      const chunk = patternChunk(Math.min(256 * 1024, FIVE_MB - sent), sent)
      sent += chunk.length
      this.push(chunk)
    },
  })
  const res = await httpRequest(`${rg.url}/rest/api/2/attachment`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })
  t.equal(res.status, 200)
  const rec = stub.requests.at(-1)!
  t.equal(rec.bytes, FIVE_MB)
  t.equal(rec.sha256, patternSha256(FIVE_MB))
  t.equal(rec.headers['transfer-encoding'], 'chunked')

  const fixed = patternChunk(FIVE_MB)
  const res2 = await httpRequest(`${rg.url}/rest/api/2/attachment`, { method: 'PUT', body: fixed, headers: { 'content-length': String(FIVE_MB) } })
  t.equal(res2.status, 200)
  t.equal(stub.requests.at(-1)!.headers['content-length'], String(FIVE_MB))
  t.equal(stub.requests.at(-1)!.sha256, createHash('sha256').update(fixed).digest('hex'))
})

t.test('a 5 MB response body streams back to the client', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const res = await httpRequest(`${rg.url}/stub/big?bytes=${FIVE_MB}`)
  t.equal(res.status, 200)
  t.equal(res.body.length, FIVE_MB)
  t.equal(createHash('sha256').update(res.body).digest('hex'), patternSha256(FIVE_MB))
})

t.test('response headers: hop-by-hop and Connection-named ones dropped, cookies kept', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const res = await httpRequest(`${rg.url}/stub/response-headers`)
  t.equal(res.status, 200)
  t.equal(res.headers['x-upstream-private'], undefined)
  t.equal(res.headers['keep-alive'], undefined)
  t.equal(res.headers['x-kept'], 'yes')
  t.same(res.headers['set-cookie'], ['JSESSIONID=abc; Path=/; HttpOnly', 'atlassian.xsrf.token=xyz; Path=/'])
})

t.test('upstream statuses pass through', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  // The stub sends Content-Length on 204 and 304, which RFC 9110 forbids for 204: the client still gets a clean answer.
  for (const status of [201, 204, 304, 301, 404, 500, 503]) {
    const res = await httpRequest(`${rg.url}/stub/status/${status}`)
    t.equal(res.status, status)
  }
})

t.test('preserveHost sends the client Host', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { upstream: { preserveHost: true } }))
  await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { host: 'jira.example.com' } })
  t.equal(stub.requests.at(-1)!.headers['host'], 'jira.example.com')
})

t.test('X-Forwarded-* from a trusted proxy are kept and extended; from others replaced', async (t) => {
  const stub = await startStubJira(t)
  const trusted = await startRestgate(t, testPolicy(stub.url, { server: { trustedProxies: ['127.0.0.0/8'] } }))
  await httpRequest(`${trusted.url}/rest/api/2/x`, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'jira.example.com' } })
  let seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1')
  t.equal(seen.headers['x-forwarded-proto'], 'https')
  t.equal(seen.headers['x-forwarded-host'], 'jira.example.com')
  const line = await trusted.logs.waitFor((l) => l['msg'] === 'request')
  t.equal(line['ip'], '203.0.113.7', 'the client IP comes from the trusted chain')

  const untrusted = await startRestgate(t, testPolicy(stub.url))
  await httpRequest(`${untrusted.url}/rest/api/2/x`, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example.com', 'x-real-ip': '1.1.1.1', forwarded: 'for=1.1.1.1' } })
  seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-for'], '127.0.0.1')
  t.equal(seen.headers['x-forwarded-proto'], 'http')
  t.equal(seen.headers['x-forwarded-host'], new URL(untrusted.url).host)
  t.equal(seen.headers['x-real-ip'], undefined)
  t.equal(seen.headers['forwarded'], undefined)
})
