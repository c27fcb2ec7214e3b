// Logs say who and why, never the secret: captured in a sink and parsed, as pino's own tests do.
import t from 'tap'
import { createLogger } from '../../src/observability/logger.js'
import { createLogSink } from '../helpers/log-sink.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

t.test('secrets in logged objects are censored', async (t) => {
  const sink = createLogSink()
  const log = createLogger({ level: 'info', destination: sink.stream })
  log.info({ req: { headers: { authorization: 'Basic c2VjcmV0', cookie: 'RESTGATE_SESSION=s3cr3t' } } }, 'one')
  log.info({ apiToken: 'rgt_SECRETSECRET', password: 'hunter2', body: { token: 'tok', password: 'pw' } }, 'two')
  log.info({ res: { headers: { 'set-cookie': 'RESTGATE_SESSION=abc' } } }, 'three')
  log.flush()
  const text = sink.text()
  for (const secret of ['c2VjcmV0', 's3cr3t', 'rgt_SECRETSECRET', 'hunter2', '"tok"', '"pw"', 'RESTGATE_SESSION=abc']) {
    t.notOk(text.includes(secret), `${secret} not logged`)
  }
  t.equal((sink.lines[0]!['req'] as { headers: { authorization: string } }).headers.authorization, '[redacted]')
  t.equal(sink.lines[1]!['apiToken'], '[redacted]')
})

t.test('one access line per request: who, what, outcome; no credential, cookie or query string', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  await httpRequest(`${rg.url}/rest/api/2/search?jql=secret-query&token=abc`, {
    headers: { authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=', cookie: 'JSESSIONID=s3cr3t' },
  })
  const line = await rg.logs.waitFor((l) => l['msg'] === 'request')
  t.match(line, { method: 'GET', path: '/rest/api/2/search', status: 200, ip: '127.0.0.1', class: 'proxy', decision: 'passthrough' })
  t.type(line['reqId'], 'string')
  t.type(line['ms'], 'number')
  t.match(line, { level: 'info', pid: process.pid, msg: 'request' }, 'the frame every other line has')
  t.match(line['time'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.notOk('user' in line, 'an undefined field is left out')
  const text = rg.logs.text()
  for (const secret of ['YWxpY2U6cGFzc3dvcmQ=', 's3cr3t', 'secret-query', 'token=abc']) t.notOk(text.includes(secret), `${secret} not logged`)
})

t.test('logging.level above info: no access lines', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { logging: { level: 'warn' } }))
  t.equal((await httpRequest(`${rg.url}/rest/api/2/x`)).status, 200)
  rg.logger.flush()
  t.notOk(rg.logs.lines.some((l) => l['msg'] === 'request'))
})

t.test('logging.accessLog: false keeps metrics but writes no access lines', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { logging: { accessLog: false } }))
  await httpRequest(`${rg.url}/rest/api/2/x`)
  await httpRequest(`${rg.url}/rest/api/2/y`)
  const metrics = await rg.metrics.registry.getSingleMetricAsString('restgate_requests_total')
  t.match(metrics, /restgate_requests_total\{class="proxy",status="200",auth="none"\} 2/)
  t.notOk(rg.logs.lines.some((l) => l['msg'] === 'request'))
})
