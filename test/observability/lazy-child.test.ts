// The per-request logger is made on its first line: same bindings, same redaction, same level.
import t from 'tap'
import type { FastifyBaseLogger } from 'fastify'
import { createLogger } from '../../src/observability/logger.js'
import { LazyChildLogger } from '../../src/observability/lazy-child.js'
import { createLogSink } from '../helpers/log-sink.js'
import { freePort } from '../helpers/ports.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

t.test('no pino child until a line is written; then its lines carry the bindings and are redacted', async (t) => {
  const sink = createLogSink()
  const root = createLogger({ level: 'info', destination: sink.stream })
  let made = 0
  const parent = {
    get level() {
      return root.level
    },
    child: (b: Record<string, unknown>, o?: object) => {
      made++
      return root.child(b, o) as unknown as FastifyBaseLogger
    },
  }
  const lazy = new LazyChildLogger(parent, { reqId: 'r-1' }, {})
  t.equal(lazy.level, 'info', "the parent's level before the child exists")
  lazy.debug('below the level')
  t.equal(made, 1, 'a write makes the child, even one below the level')
  lazy.warn({ authorization: 'Negotiate c2VjcmV0', user: 'alice' }, 'refused')
  lazy.info('plain %s', 'text')
  root.flush()
  t.equal(made, 1, 'one child for the whole request')
  t.match(sink.lines[0], { level: 'warn', reqId: 'r-1', user: 'alice', authorization: '[redacted]', msg: 'refused' })
  t.match(sink.lines[1], { level: 'info', reqId: 'r-1', msg: 'plain text' })
  t.notOk(sink.text().includes('c2VjcmV0'))
  t.notOk(sink.lines.some((l) => l['msg'] === 'below the level'))
})

t.test('a line a request writes through Fastify carries the request id of its access line', async (t) => {
  // Nothing listens on the upstream port: the forwarder logs the failure through request.log.
  const rg = await startRestgate(t, testPolicy(`http://127.0.0.1:${await freePort()}`))
  const res = await httpRequest(`${rg.url}/rest/api/2/issue/X-1`)
  t.equal(res.status, 502)
  const failure = await rg.logs.waitFor((l) => l['msg'] === 'upstream request failed')
  const access = await rg.logs.waitFor((l) => l['msg'] === 'request')
  t.type(failure['reqId'], 'string')
  t.equal(failure['reqId'], access['reqId'])
})
