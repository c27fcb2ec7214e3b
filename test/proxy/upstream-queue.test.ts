// Waiting for an upstream connection is bounded: with every connection busy, at most upstream.maxQueued
// requests wait, each at most upstream.queueTimeout; the others get 503 RG_ERR_UPSTREAM_BUSY at once, and a
// request that waited too long is refused and never forwarded late, not even when a connection frees.
import t from 'tap'
import type { ServerResponse } from 'node:http'
import { startStubJira, type StubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'

/** Resolves once `cond` holds (polled), so a test waits for a state, not for a guessed time. */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`not reached in time: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Requests to /hold are kept unanswered until `release()`. */
function holding(stub: StubJira): { readonly held: ServerResponse[]; arrived(n: number): Promise<void>; release(): void } {
  const held: ServerResponse[] = []
  stub.handle = (_req, res, rec) => {
    if (!rec.url.startsWith('/hold')) return false
    held.push(res)
    stub.events.emit('held')
    return true
  }
  return {
    held,
    arrived: (n) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (held.length < n) return
          stub.events.off('held', check)
          resolve()
        }
        stub.events.on('held', check)
        check()
      }),
    release() {
      for (const res of held.splice(0)) res.end('{"released":true}')
    },
  }
}

t.test('pool full: a full queue is refused at once, a wait past upstream.queueTimeout is refused, neither forwarded', async (t) => {
  const stub = await startStubJira(t)
  const hold = holding(stub)
  const rg = await startRestgate(t, testPolicy(stub.url, { upstream: { connections: 2, maxQueued: 2, queueTimeout: '1500ms' } }))
  const busy = [httpRequest(`${rg.url}/hold/1`), httpRequest(`${rg.url}/hold/2`)]
  await hold.arrived(2)

  const started = performance.now()
  let waitingAnswered = false
  const waiting = Promise.all([httpRequest(`${rg.url}/rest/api/2/issue/W-1`), httpRequest(`${rg.url}/rest/api/2/issue/W-2`)]).finally(() => (waitingAnswered = true))
  await until(() => rg.upstreams.get('jira')!.queue.waiting === 2, 'two requests waiting')
  const full = await httpRequest(`${rg.url}/rest/api/2/issue/F-1`)
  t.equal(full.status, 503, 'a third waiting request finds the queue full')
  t.equal(full.json()['code'], 'RG_ERR_UPSTREAM_BUSY')
  t.match(full.json()['message'], /2 requests are waiting already \(upstream\.maxQueued\)/)
  t.equal(full.headers['retry-after'], '1')
  t.ok(full.headers['x-request-id'])
  t.notOk(waitingAnswered, 'refused at once: the two before it were still waiting')

  for (const res of await waiting) {
    t.equal(res.status, 503)
    t.equal(res.json()['code'], 'RG_ERR_UPSTREAM_BUSY')
    t.match(res.json()['message'], /within 1500 ms \(upstream\.queueTimeout\)/)
  }
  const waited = performance.now() - started
  t.ok(waited >= 1450, `the waiting ones refused after their queueTimeout (${Math.round(waited)} ms)`)

  hold.release()
  for (const res of await Promise.all(busy)) t.equal(res.status, 200)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(stub.requests.map((r) => r.url).sort(), ['/hold/1', '/hold/2'], 'no refused request reached the upstream, not even late')
  t.equal(rg.upstreams.get('jira')!.queue.running, 0)
  t.equal(rg.upstreams.get('jira')!.queue.waiting, 0)
  t.ok(rg.logs.lines.some((l) => l['msg'] === 'request' && l['decision'] === 'RG_ERR_UPSTREAM_BUSY' && l['status'] === 503))
  t.notOk(rg.logs.lines.some((l) => l['msg'] === 'upstream request failed'), 'no warning per refused request')
  t.equal((await httpRequest(`${rg.url}/rest/api/2/issue/AFTER`)).status, 200, 'served again once connections are free')
})

t.test('a request that gets a connection within upstream.queueTimeout is forwarded, in arrival order', async (t) => {
  const stub = await startStubJira(t)
  const hold = holding(stub)
  const rg = await startRestgate(t, testPolicy(stub.url, { upstream: { connections: 1, queueTimeout: '5s' } }))
  const first = httpRequest(`${rg.url}/hold/first`)
  await hold.arrived(1)
  const queued: Array<ReturnType<typeof httpRequest>> = []
  for (const n of [1, 2, 3]) {
    queued.push(httpRequest(`${rg.url}/rest/api/2/issue/Q-${n}`))
    await until(() => rg.upstreams.get('jira')!.queue.waiting === n, `${n} waiting`) // so the arrival order is known
  }
  hold.release()
  t.equal((await first).status, 200)
  for (const res of await Promise.all(queued)) t.equal(res.status, 200)
  t.same(stub.requests.map((r) => r.url), ['/hold/first', '/rest/api/2/issue/Q-1', '/rest/api/2/issue/Q-2', '/rest/api/2/issue/Q-3'])
})

t.test('a client that gives up while waiting frees its place in the queue and is never forwarded', async (t) => {
  const stub = await startStubJira(t)
  const hold = holding(stub)
  const rg = await startRestgate(t, testPolicy(stub.url, { upstream: { connections: 1, maxQueued: 1, queueTimeout: '10s' } }))
  const busy = httpRequest(`${rg.url}/hold/busy`)
  await hold.arrived(1)
  const controller = new AbortController()
  const gaveUp = fetch(`${rg.url}/rest/api/2/issue/GONE`, { signal: controller.signal }).catch((err: Error) => err)
  await until(() => rg.upstreams.get('jira')!.queue.waiting === 1, 'the request waiting')
  controller.abort()
  await gaveUp
  await until(() => rg.upstreams.get('jira')!.queue.waiting === 0, 'its place freed')
  t.pass('its place is free')
  const next = httpRequest(`${rg.url}/rest/api/2/issue/NEXT`)
  await until(() => rg.upstreams.get('jira')!.queue.waiting === 1, 'the next one waiting in the freed place')
  hold.release()
  t.equal((await busy).status, 200)
  t.equal((await next).status, 200, 'the next one waited in the freed place')
  t.notOk(stub.requests.some((r) => r.url.endsWith('/GONE')), 'the abandoned request never reached the upstream')
})
