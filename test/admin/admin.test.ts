// The admin listener: liveness, readiness with detail, Prometheus metrics; separate from the proxy port.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { repoPath } from '../helpers/paths.js'

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

  const onProxy = await httpRequest(`${rg.url}/healthz`)
  t.equal(stub.requests.at(-1)!.url, '/healthz', 'the proxy port forwards /healthz to Jira: admin routes live only on the admin port')
  t.equal(onProxy.status, 200)
})

t.test('a refused reload shows as stale in readyz but stays ready', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { admin: { enabled: true, port: 9999 } } }))
  writeFileSync(rg.configPath, 'upstream: { url: 42 }\n')
  const result = await rg.reload('test')
  t.equal(result.applied, false)
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 200)
  t.match(ready.json()['config'], /^stale: upstream\.url \(line 1\): must be an http/)
})

t.test('metrics: in flight, end-to-end duration, build info, last reload, and Node\'s own under their usual names', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { admin: { enabled: true, port: 9999 } } }))
  const scrape = async (): Promise<string> => (await httpRequest(`${rg.adminUrl}/metrics`)).body.toString()
  const value = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '))
    if (line === undefined) throw new Error(`no ${series} in the scrape`)
    return Number(line.slice(series.length + 1))
  }

  // Two requests held by the upstream: both in flight while they wait.
  const held = new Promise<void>((resolve) => {
    let n = 0
    stub.events.on('hang', () => ++n === 2 && resolve())
  })
  const a = httpRequest(`${rg.url}/stub/hang`).catch(() => undefined)
  const b = httpRequest(`${rg.url}/stub/hang`).catch(() => undefined)
  await held
  t.equal(value(await scrape(), 'restgate_requests_in_flight'), 2, 'two requests in flight')
  await stub.close()
  await Promise.all([a, b])
  const text = await scrape()
  t.equal(value(text, 'restgate_requests_in_flight'), 0, 'none once they are answered')
  t.equal(value(text, 'restgate_request_duration_seconds_count{class="proxy"}'), 2, 'each answered request is timed end to end')
  t.ok(value(text, 'restgate_request_duration_seconds_bucket{le="+Inf",class="proxy"}') === 2)
  const version = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')).version as string
  t.equal(value(text, `restgate_build_info{version="${version}",node_version="${process.version}"}`), 1)
  const loaded = value(text, 'restgate_config_last_reload_success_timestamp_seconds')
  t.ok(Math.abs(loaded - rg.runtime.current.loadedAt / 1000) < 0.01, 'the start-up load counts as the last successful one')
  t.equal(value(text, 'restgate_config_last_reload_successful'), 1)

  writeFileSync(rg.configPath, 'upstream: { url: 42 }\n')
  await rg.reload('test')
  const refused = await scrape()
  t.equal(value(refused, 'restgate_config_last_reload_successful'), 0, 'a refused reload shows')
  t.equal(value(refused, 'restgate_config_last_reload_success_timestamp_seconds'), loaded, 'and does not move the time')

  // Stock Node.js dashboards read these names, unprefixed.
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_version_info']) {
    t.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name)
  }
  t.notMatch(text, /^restgate_process_|^restgate_nodejs_/m, 'no restgate_ prefix on them')
})
