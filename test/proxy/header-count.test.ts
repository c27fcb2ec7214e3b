// server.maxHeaders: Node keeps only the first 1,000 header lines of a request and drops the rest without a
// word, restgate's own identity headers among them if they came after. A request with more lines than the
// limit (100 by default, Tomcat's) is refused with 431 before anything reads it, so no header is ever lost.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { headWithLines, rawConnect } from '../helpers/raw.js'
import { bearer } from '../helpers/tokens.js'
import { parseConfig } from '../../src/config/load.js'

t.test('more header lines than server.maxHeaders: 431 JSON, nothing forwarded; at the limit: forwarded whole', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url))
  const token = await rg.tokens.service.create('alice', {}, rg.runtime.current.policy)
  for (const count of [101, 1001]) {
    const c = await rawConnect(t, rg.url)
    c.write(headWithLines('/rest/api/2/issue/TEST-1', count, [`Authorization: ${bearer(token.secret)}`]))
    const res = await c.response
    t.equal(res.status, 431, `${count} lines`)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.equal(res.json()['code'], 'RG_ERR_TOO_MANY_HEADERS')
    t.match(res.json()['message'], /more than 100 header lines \(server\.maxHeaders\)/)
    t.equal(res.headers['connection'], 'close')
    t.ok(res.headers['x-request-id'], 'the refusal has a request id too')
    await c.closed
  }
  t.equal(stub.requests.length, 0, 'nothing forwarded')

  const c = await rawConnect(t, rg.url)
  // The identity header a client might hope to smuggle past the cut sits last.
  c.write(headWithLines('/rest/api/2/issue/TEST-1', 100, [`Authorization: ${bearer(token.secret)}`, 'X-Forwarded-User: mallory']))
  t.equal((await c.response).status, 200, '100 lines are accepted')
  const seen = stub.requests.at(-1)!
  t.equal(seen.headers['x-forwarded-user'], 'alice', "restgate's identity header, not the client's")
  t.equal(seen.headers['x-filler-99'], '99', 'the last client header arrived')
})

t.test('server.maxHeaders is the policy\'s (restart-only) and validated', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { maxHeaders: 20 } }))
  const over = await rawConnect(t, rg.url)
  over.write(headWithLines('/rest/api/2/x', 21))
  t.equal((await over.response).status, 431)
  const at = await rawConnect(t, rg.url)
  at.write(headWithLines('/rest/api/2/x', 20))
  t.equal((await at.response).status, 200)

  const bad = parseConfig('upstream: { url: "http://jira:8080" }\nserver:\n  maxHeaders: 5\n')
  t.equal(bad.ok, false)
  if (!bad.ok) t.match(bad.problems, [{ path: 'server.maxHeaders', line: 3 }])
})
