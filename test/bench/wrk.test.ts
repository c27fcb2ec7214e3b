// The load driver: fixed headers on every request, per-request header sets used once each (single-use
// credentials), and the result line parsed from wrk's output.
import t from 'tap'
import http from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { encodePerRequest, luaString, parseWrkOutput, runWrk } from '../../bench/load/wrk.js'
import { tempDir } from '../helpers/tmp.js'

async function recorder(t: { teardown(fn: () => unknown): void }) {
  const seen: Array<{ nonce: string | undefined; fixed: string | undefined; path: string | undefined }> = []
  const server = http.createServer((req, res) => {
    seen.push({ nonce: req.headers['x-nonce'] as string | undefined, fixed: req.headers['x-fixed'] as string | undefined, path: req.url })
    res.end('ok')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

t.test('per-request headers are each sent exactly once; running out is reported', async (t) => {
  const { url, seen } = await recorder(t)
  const perRequest = Array.from({ length: 200 }, (_, i) => ({ 'X-Nonce': `n${i}` }))
  const r = await runWrk({
    url,
    method: 'GET',
    path: '/rest/api/2/issue/X-1',
    headers: { 'X-Fixed': 'yes' },
    perRequest,
    connections: 2,
    threads: 2,
    durationS: 1,
    workDir: tempDir(t),
  })
  const nonces = seen.map((s) => s.nonce).filter((n): n is string => n !== undefined)
  t.equal(new Set(nonces).size, nonces.length, 'no header set was sent twice')
  t.equal(nonces.length, 200, 'every header set was sent')
  t.ok(seen.every((s) => s.fixed === 'yes' && s.path === '/rest/api/2/issue/X-1'), 'fixed headers and path on every request')
  t.equal(r.exhausted, true, 'the run says it ran out, so its requests/s is not believed')
  t.equal(r.errors, 0)
})

t.test('rotating header sets are used in turn, over and over, by every thread', async (t) => {
  const { url, seen } = await recorder(t)
  const rotate = Array.from({ length: 5 }, (_, i) => ({ 'X-Nonce': `r${i}` }))
  const r = await runWrk({ url, method: 'GET', path: '/x', headers: {}, rotate, connections: 2, threads: 2, durationS: 1, workDir: tempDir(t) })
  const counts = new Map<string, number>()
  for (const s of seen) if (s.nonce !== undefined) counts.set(s.nonce, (counts.get(s.nonce) ?? 0) + 1)
  t.same([...counts.keys()].sort(), ['r0', 'r1', 'r2', 'r3', 'r4'], 'every set, and only those, was sent')
  t.ok([...counts.values()].every((n) => n > 10), 'each set many times')
  t.equal(r.exhausted, false)
  t.equal(r.errors, 0)
})

t.test('a fixed request: figures come back', async (t) => {
  const { url, seen } = await recorder(t)
  const r = await runWrk({ url, method: 'GET', path: '/x', headers: { 'X-Fixed': 'a "quoted" \\ value' }, connections: 1, threads: 1, durationS: 1, workDir: tempDir(t) })
  t.ok(r.requests > 0 && r.rps > 0)
  t.ok(r.p99Ms >= r.p50Ms && r.p50Ms > 0)
  t.equal(seen[0]!.fixed, 'a "quoted" \\ value', 'quotes and backslashes survive the Lua script')
  t.equal(r.exhausted, false)
})

t.test('values that cannot go in a header line are refused before wrk runs', async (t) => {
  t.throws(() => luaString('a\r\nX-Injected: 1'), /not printable ASCII/)
  t.throws(() => encodePerRequest([{ 'X-Nonce': 'tab\there' }]), /not printable ASCII/)
  t.equal(encodePerRequest([{ A: '1', B: '2' }, { A: '3' }]), 'A\t1\tB\t2\nA\t3')
})

t.test('wrk output without a result line is an error, not zeros', async (t) => {
  t.throws(() => parseWrkOutput('Running 1s test\nunable to connect'), /wrk printed no result/)
  const r = parseWrkOutput('noise\nWRK_RESULT {"requests":500,"duration_us":2000000,"p50_us":150,"p99_us":900,"errors":3,"status":3}\n')
  t.same(r, { requests: 500, durationS: 2, rps: 250, p50Ms: 0.15, p99Ms: 0.9, errors: 3, exhausted: false })
})
