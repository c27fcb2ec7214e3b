// Header size: big Kerberos tickets fit (64 KiB default), anything bigger is a clean 431 in JSON.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

t.test('a 48 KiB Authorization header is accepted by default', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const big = 'Negotiate ' + 'A'.repeat(48 * 1024)
  const res = await httpRequest(`${rg.url}/secure/Dashboard.jspa`, { headers: { authorization: big } })
  t.equal(res.status, 200)
  t.equal(stub.requests.at(-1)!.headers['authorization']!.length, big.length, 'passed through intact')
})

t.test('headers over server.maxHeaderBytes: 431 with a JSON code', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { maxHeaderBytes: 16384 } }))
  const res = await httpRequest(`${rg.url}/rest/api/2/x`, { headers: { authorization: 'Negotiate ' + 'A'.repeat(20000) } })
  t.equal(res.status, 431)
  t.equal(res.json()['code'], 'RG_ERR_HEADERS_TOO_LARGE')
  t.equal(stub.requests.length, 0, 'nothing forwarded')
})

t.test('a request with two Authorization headers is refused, never guessed', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const res = await httpRequest(`${rg.url}/rest/api/2/x`, { headers: ['Authorization', 'Basic YTpi', 'Authorization', 'Basic Yzpk'] })
  t.equal(res.status, 401)
  t.equal(res.json()['code'], 'RG_ERR_BAD_CREDENTIALS')
  t.equal(stub.requests.length, 0)
})

t.test('bad paths are refused before any rule, and nothing reaches the upstream', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  for (const target of ['/rest/ksso/api/info/..;/..;/../api/2/issue/X', '/rest/%2e%2e/secure', '/rest/api%2F2', '//rest/api/2']) {
    const res = await httpRequest(`${rg.url}${target}`)
    t.equal(res.status, 400, target)
    t.equal(res.json()['code'], 'RG_ERR_BAD_PATH', target)
  }
  t.equal(stub.requests.length, 0)
  await httpRequest(`${rg.url}/rest/api/2/issue;jsessionid=X/TEST-1`)
  t.equal(stub.requests.at(-1)!.url, '/rest/api/2/issue/TEST-1', 'the canonical path is what is forwarded')
})
