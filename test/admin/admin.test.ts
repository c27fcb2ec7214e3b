// The admin listener: liveness, readiness with detail, Prometheus metrics; separate from the proxy port.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

t.test('healthz, readyz and metrics on the admin port', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { admin: { enabled: true, port: 9999 } } }))
  t.ok(rg.adminUrl)
  t.not(rg.adminUrl, rg.url)
  const health = await httpRequest(`${rg.adminUrl}/healthz`)
  t.equal(health.status, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 200)
  t.same(ready.json(), { status: 'ready', policyFile: 'ok', config: 'ok', store: 'ok' })

  await httpRequest(`${rg.url}/rest/api/2/issue/X`)
  await httpRequest(`${rg.url}/rest/ksso/api/info/1.0/ping`)
  await httpRequest(`${rg.url}/rest/%2e%2e/x`)
  const metrics = await httpRequest(`${rg.adminUrl}/metrics`)
  t.equal(metrics.status, 200)
  t.match(metrics.headers['content-type'], /text\/plain/)
  const text = metrics.body.toString()
  t.match(text, /restgate_requests_total\{class="proxy",status="200",auth="none"\} 1/)
  t.match(text, /restgate_requests_total\{class="api",status="200",auth="none"\} 1/)
  t.match(text, /restgate_requests_total\{class="local",status="400",auth="none"\} 1/)
  t.match(text, /restgate_upstream_duration_seconds_count\{status="200"\} 1/)
  t.match(text, /restgate_process_resident_memory_bytes/)

  const onProxy = await httpRequest(`${rg.url}/healthz`)
  t.equal(stub.requests.at(-1)!.url, '/healthz', 'the proxy port forwards /healthz to Jira: admin routes live only on the admin port')
  t.equal(onProxy.status, 200)
})

t.test('a refused reload shows as stale in readyz but stays ready', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { admin: { enabled: true, port: 9999 } } }))
  const { writeFileSync } = await import('node:fs')
  writeFileSync(rg.configPath, 'upstream: { url: 42 }\n')
  const result = await rg.reload('test')
  t.equal(result.applied, false)
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 200)
  t.match(ready.json()['config'], /^stale: upstream\.url \(line 1\): must be an http/)
})
