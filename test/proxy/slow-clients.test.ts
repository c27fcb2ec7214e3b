// Slow clients cannot hold connections: headers must arrive within server.headersTimeout, a body may pause
// at most server.bodyTimeout and must average server.minBodyRate, each answered with 408 JSON and the
// connection closed; server.maxConnections bounds the rest. Short limits here, so each case takes seconds.
import t from 'tap'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { rawConnect, type RawConnection } from '../helpers/raw.js'

const FAST = { headersTimeout: '1s', bodyTimeout: '1s', minBodyRate: 100 }

/** Writes `data` a piece at a time, every `everyMs`, until it is all sent or the connection is gone. */
function dribble(c: RawConnection, data: string, size: number, everyMs: number): () => void {
  let at = 0
  const timer = setInterval(() => {
    if (at >= data.length || c.socket.destroyed) return clearInterval(timer)
    c.write(data.slice(at, at + size))
    at += size
  }, everyMs)
  return () => clearInterval(timer)
}

t.test('headers sent a byte at a time, or never: every connection closed after server.headersTimeout with 408', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: FAST }))
  const head = 'GET /rest/api/2/issue/TEST-1 HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'x'.repeat(200)
  const drips: RawConnection[] = []
  const stops: Array<() => void> = []
  for (let i = 0; i < 50; i++) {
    const c = await rawConnect(t, rg.url)
    drips.push(c)
    stops.push(dribble(c, head, 1, 200))
  }
  t.teardown(() => stops.forEach((stop) => stop()))
  const silent = await rawConnect(t, rg.url)
  const closedAfter = await Promise.all([...drips, silent].map((c) => c.closed))
  // headersTimeout plus the check interval (a quarter of it) on an idle machine; the bound leaves room for a
  // loaded one and is still far below what held them before (Node's 60 s, server.requestTimeout's 5 min).
  t.ok(Math.max(...closedAfter) < 15_000, `all 51 closed within ${Math.round(Math.max(...closedAfter))} ms`)
  t.ok(Math.min(...closedAfter) >= 900, 'none before the timeout')
  const answered = await drips[0]!.response
  t.equal(answered.status, 408)
  t.equal(answered.json()['code'], 'RG_ERR_REQUEST_TIMEOUT')
  t.equal(stub.requests.length, 0, 'nothing reached the upstream')
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/OK`)).status, 200, 'a prompt client is served meanwhile')
})

t.test('a body at 1 byte every 250 ms: 408 once it falls below server.minBodyRate, the upstream request aborted', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: FAST }))
  const c = await rawConnect(t, rg.url)
  c.write('POST /rest/api/2/issue HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n')
  t.teardown(dribble(c, 'x'.repeat(1000), 1, 250))
  const started = performance.now()
  const res = await c.response
  const ms = performance.now() - started
  t.equal(res.status, 408)
  t.equal(res.json()['code'], 'RG_ERR_REQUEST_TIMEOUT')
  t.match(res.json()['message'], /slower than 100 bytes a second \(server\.minBodyRate\)/)
  t.equal(res.headers['connection'], 'close')
  t.ok(ms >= 1000 && ms < 15_000, `cut after ${Math.round(ms)} ms: the allowance, then the rate (about 1.3 s when idle)`)
  await c.closed
  const seen = await stub.waitForRequest((r) => r.url === '/rest/api/2/issue')
  await new Promise<void>((resolve) => (seen.aborted ? resolve() : stub.events.once('aborted', () => resolve())))
  t.ok(seen.aborted, 'the upstream exchange was abandoned, its connection freed')
  t.ok(seen.bytes < 1000, 'with an incomplete body')
  t.ok(rg.logs.lines.some((l) => l['msg'] === 'request body too slow: closing the connection' && l['why'] === 'rate'))
  t.ok(rg.logs.lines.some((l) => l['msg'] === 'request' && l['decision'] === 'slow body (rate)' && l['status'] === 408), 'the access line says why')
})

t.test('a body that stops half-way: 408 after server.bodyTimeout, on a local route too', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { ...FAST, minBodyRate: 0 } }))
  for (const path of ['/rest/api/2/issue', '/rest/auth/1/session']) {
    const c = await rawConnect(t, rg.url)
    c.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"username":`)
    const res = await c.response
    t.equal(res.status, 408, path)
    t.match(res.json()['message'], /No request body arrived for 1000 ms \(server\.bodyTimeout\)/)
    await c.closed
  }
  t.same(rg.logs.lines.filter((l) => l['level'] === 'error' || l['level'] === 'warn'), [], 'no warning or error logged on either route')
})

t.test('a slow but steady body within the rate, and time restgate is not reading, are not cut', async (t) => {
  const stub = await startStubJira(t)
  // A wide margin over the minimum: timers on a loaded machine run late, which slows the dribble down.
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { ...FAST, minBodyRate: 25 }, upstream: { connections: 1 } }))
  const steady = await rawConnect(t, rg.url)
  steady.write('POST /rest/api/2/steady HTTP/1.1\r\nHost: localhost\r\nContent-Length: 300\r\n\r\n')
  t.teardown(dribble(steady, 'y'.repeat(300), 50, 200)) // 250 bytes a second, in pauses well under bodyTimeout
  t.equal((await steady.response).status, 200, 'a body at 250 B/s against a 25 B/s minimum completes')

  // The one upstream connection is taken for 2.5 s; a large body sent at once waits for it, unread, longer
  // than bodyTimeout: that wait is restgate's, not the client's.
  const blocker = httpRequest(`${rg.url}/stub/slow?ms=2500`)
  await stub.waitForRequest((r) => r.url.startsWith('/stub/slow'))
  const big = Buffer.alloc(512 * 1024, 'z')
  const queued = await httpRequest(`${rg.url}/rest/api/2/attachment`, { method: 'POST', body: big })
  t.equal((await blocker).status, 200)
  t.equal(queued.status, 200, 'forwarded once the connection came free')
  t.equal(stub.requests.find((r) => r.url === '/rest/api/2/attachment')!.bytes, big.length, 'the whole body')
  t.notOk(rg.logs.lines.some((l) => l['msg'] === 'request body too slow: closing the connection'), 'never judged slow')
})

t.test('server.maxConnections: connections past it are closed at once, the others served', async (t) => {
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { maxConnections: 3, headersTimeout: '10s' } }))
  const held = await Promise.all([rawConnect(t, rg.url), rawConnect(t, rg.url), rawConnect(t, rg.url)])
  const extra = await rawConnect(t, rg.url)
  t.ok((await extra.closed) < 1000, 'the fourth connection is closed at once')
  held[0]!.write('GET /rest/api/2/issue/A HTTP/1.1\r\nHost: localhost\r\n\r\n')
  t.equal((await held[0]!.response).status, 200, 'the ones within the limit are served')
  held[1]!.socket.destroy()
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/B`)).status, 200, 'a slot freed is a slot for a new connection')
})
