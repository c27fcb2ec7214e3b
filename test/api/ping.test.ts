// The management API is answered locally: ping's Kantega shape, 404 JSON for the rest, nothing forwarded.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { zonedDateTime } from '../../src/time.js'

t.test('ping answers like Kantega SSO, under 1.0 and latest', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  for (const version of ['1.0', 'latest']) {
    const before = Date.now()
    const res = await httpRequest(`${rg.url}/rest/ksso/api/info/${version}/ping`)
    t.equal(res.status, 200)
    const body = res.json<{ datetime: string; response: string; timestamp: number }>()
    t.same(Object.keys(body).sort(), ['datetime', 'response', 'timestamp'])
    t.equal(body.response, 'pong')
    t.ok(body.timestamp >= before && body.timestamp <= Date.now())
    t.match(body.datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)\[[A-Za-z_/+-]+\]$/)
  }
  t.equal(stub.requests.length, 0)
})

t.test('datetime is Java ZonedDateTime text', async (t) => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 6)
  t.equal(zonedDateTime(at, 'UTC'), '2026-01-02T03:04:05.006Z[UTC]')
  t.equal(zonedDateTime(at, 'Europe/Oslo'), '2026-01-02T04:04:05.006+01:00[Europe/Oslo]')
  t.equal(zonedDateTime(Date.UTC(2026, 6, 1, 12), 'America/New_York'), '2026-07-01T08:00:00.000-04:00[America/New_York]')
})

t.test('unknown management paths and methods are 404 JSON, never forwarded', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  for (const [method, path] of [
    ['GET', '/rest/ksso/api'],
    ['GET', '/rest/ksso/api/'],
    ['GET', '/rest/ksso/api/unknown'],
    ['GET', '/rest/ksso/api/info/2.0/ping'],
    ['POST', '/rest/ksso/api/info/1.0/ping'],
    ['DELETE', '/rest/ksso/api/apitokens/9.9/x/y/z'],
    ['GET', '/rest/ksso/%61pi/info/1.0/nothing'],
  ] as const) {
    const res = await httpRequest(`${rg.url}${path}`, { method })
    t.equal(res.status, 404, `${method} ${path}`)
    t.equal(res.json()['code'], 'RG_ERR_NOT_FOUND')
  }
  t.equal(stub.requests.length, 0, 'the upstream never saw a management path')
})
