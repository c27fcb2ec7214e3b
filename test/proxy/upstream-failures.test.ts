// When Jira is down, slow or the client leaves: a JSON error with the right status, or a cancelled
// upstream request. Never a hang, never a stack trace.
import t from 'tap'
import http from 'node:http'
import { once } from 'node:events'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { freePort } from '../helpers/ports.js'

t.test('upstream refusing connections: 502 JSON', async (t) => {
  const port = await freePort()
  const rg = await startRestgate(t, testPolicy(`http://127.0.0.1:${port}`))
  const res = await httpRequest(`${rg.url}/rest/api/2/issue/TEST-1`)
  t.equal(res.status, 502)
  t.same(res.json(), { code: 'RG_ERR_UPSTREAM_UNAVAILABLE', message: 'The upstream application could not be reached' })
  t.match(res.headers['content-type'], /application\/json/)
  const line = await rg.logs.waitFor((l) => l['msg'] === 'upstream request failed')
  t.equal((line['err'] as { code: string }).code, 'ECONNREFUSED', 'the log says why')
})

t.test('upstream too slow: 504 JSON', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { upstream: { timeout: '300ms' } }))
  const res = await httpRequest(`${rg.url}/stub/slow?ms=3000`)
  t.equal(res.status, 504)
  t.equal(res.json()['code'], 'RG_ERR_UPSTREAM_TIMEOUT')
})

t.test('upstream closing mid-response: the client connection is cut, not left hanging', async (t) => {
  const stub = await startStubJira(t)
  stub.handle = (req, res) => {
    if (req.url !== '/stub/cut') return false
    res.writeHead(200, { 'content-length': '1000' })
    res.write('partial')
    setTimeout(() => res.destroy(), 20)
    return true
  }
  const rg = await startRestgate(t, testPolicy(stub.url))
  await t.rejects(httpRequest(`${rg.url}/stub/cut`), 'the client sees an aborted response')
})

t.test('a client that goes away cancels the upstream request', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const hung = once(stub.events, 'hang')
  const req = http.get(`${rg.url}/stub/hang`, { agent: false })
  req.on('error', () => undefined)
  await hung
  const aborted = once(stub.events, 'aborted')
  req.destroy()
  const [rec] = (await aborted) as [{ url: string; aborted: boolean }]
  t.equal(rec.url, '/stub/hang')
  t.equal(rec.aborted, true, 'the upstream saw its connection closed')
  const line = await rg.logs.waitFor((l) => l['msg'] === 'request aborted by client')
  t.equal(line['status'], 499)
})

t.test('a client that aborts a streamed upload cancels the upstream request', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const arrived = stub.waitForRequest((r) => r.url === '/rest/api/2/attachment')
  const req = http.request(`${rg.url}/rest/api/2/attachment`, { method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } })
  req.on('error', () => undefined)
  req.write(Buffer.alloc(64 * 1024, 1))
  const rec = await arrived
  const aborted = once(stub.events, 'aborted')
  req.destroy()
  await aborted
  t.equal(rec.aborted, true)
})
