// The bench's arithmetic: medians, per-round ratios, the added-latency column and the tables.
import t from 'tap'
import { latencyTable, mainTable, median, peerRows, peerTable, renderMarkdown, renderText, scalingLine, summarise, targetTable } from '../../bench/report.js'
import { PEER_CASES, PEER_PAIRS } from '../../bench/peer-cases.js'
import type { CaseResult, Measurement } from '../../bench/harness.js'
import type { BenchCase } from '../../bench/case.js'

function m(rps: number, cpu: number, errors = 0): Measurement {
  return { requests: rps, durationS: 1, rps, p50Ms: 1, p99Ms: 2, errors, exhausted: false, cpuUsPerRequest: cpu }
}

function result(id: string, runs: Measurement[], latency: Array<[number, number]> = []): CaseResult {
  const c: BenchCase = { id, title: `case ${id}`, start: () => Promise.reject(new Error('not started')) }
  return {
    case: c,
    runs,
    latency: latency.map(([p50, p99]) => ({ requests: 1, durationS: 1, rps: 1, p50Ms: p50, p99Ms: p99, errors: 0, exhausted: false })),
    peakRssBytes: 64 * 1024 * 1024,
  }
}

t.test('median of odd, even and empty lists; non-numbers ignored', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.ok(Number.isNaN(median([])))
  t.equal(median([NaN, 5]), 5)
})

t.test('ratios are taken per round, then their median', async (t) => {
  // Round 3 was slow for case 3 only; round 2 for everyone. A ratio of medians would say 300/900 = 0.33.
  const one = result('1', [m(1000, 20), m(200, 20), m(900, 20)])
  const two = result('2', [m(500, 100), m(100, 100), m(450, 100)])
  const three = result('3', [m(600, 80), m(120, 80), m(300, 80)])
  const rows = summarise([one, two, three], ['1', '2', '3'])
  const r3 = rows.find((r) => r.id === '3')!
  t.equal(r3.rps, 300, 'the figure itself is the plain median')
  t.equal(r3.rpsRatio['1'], 0.6)
  t.equal(r3.rpsRatio['2'], 1.2)
  t.equal(r3.rpsRatio['3'], 1)
  t.equal(r3.cpuRatio['2'], 0.8)
  t.equal(r3.peakRssMB, 64)
})

t.test('a missing reference case gives no ratio rather than a wrong one', async (t) => {
  const rows = summarise([result('3', [m(600, 80)])], ['1', '2', '3'])
  t.ok(Number.isNaN(rows[0]!.rpsRatio['2']!))
  t.equal(rows[0]!.rpsRatio['3'], 1)
  const table = mainTable(rows, ['1', '2', '3'])
  t.ok(table[1]!.includes('–'), 'shown as a dash')
})

t.test('added latency is over case 1, round by round', async (t) => {
  const one = result('1', [m(1, 1), m(1, 1), m(1, 1)], [[0.05, 1], [0.06, 2], [0.05, 1]])
  const three = result('3', [m(1, 1), m(1, 1), m(1, 1)], [[0.25, 1.5], [0.36, 2.5], [0.3, 1.2]])
  const rows = summarise([one, three], ['1'])
  const lat = rows[1]!.latency!
  t.equal(lat.p50Ms, 0.3)
  t.equal(Number(lat.addedP50Ms.toFixed(3)), 0.25)
  t.equal(Number(lat.addedP99Ms.toFixed(3)), 0.5)
  const table = latencyTable(rows)
  t.equal(table.length, 3)
  t.equal(table[2]![4], '+0.250')
})

t.test('the scaling line compares the two worker rows', async (t) => {
  const w1 = result('3w1', [m(1000, 1), m(900, 1), m(1000, 1)])
  const w2 = result('3w2', [m(1700, 1), m(1800, 1), m(1600, 1)])
  t.match(scalingLine([w1, w2]), /2 workers serve 1\.70x the requests\/s of 1 worker/)
  t.equal(scalingLine([w1]), undefined)
})

t.test('text and markdown renderings keep every cell', async (t) => {
  const table = [
    ['case', 'what', 'req/s'],
    ['1', 'direct', '1,000'],
  ]
  const text = renderText(table)
  t.match(text, /^case {2}what {4}req\/s\n1 {5}direct {2}1,000$/)
  t.equal(renderMarkdown(table), '| case | what | req/s |\n| --- | --- | ---: |\n| 1 | direct | 1,000 |')
})

t.test('errors are summed over rounds so a failing case is visible', async (t) => {
  const rows = summarise([result('3', [m(600, 80, 2), m(600, 80, 0), m(600, 80, 5)])], ['3'])
  t.equal(rows[0]!.errors, 7)
})

t.test('restgate against Apache: ratios per round, each round listed, and their median', async (t) => {
  const pair = { what: 'plain forwarding', restgate: 'r1', apache: 'a1' }
  // Round 2 was slow for both; the per-round ratios stay put where a ratio of medians would not.
  const rg = result('r1', [m(1000, 150), m(400, 300), m(900, 160)])
  const ap = result('a1', [m(1250, 120), m(500, 250), m(1000, 128)])
  const [row] = peerRows([rg, ap], [pair])
  t.same(row!.cpuRounds.map((x) => +x.toFixed(3)), [1.25, 1.2, 1.25])
  t.equal(row!.cpuRatio, 1.25)
  t.same(row!.rpsRounds, [0.8, 0.8, 0.9])
  t.equal(row!.rpsRatio, 0.8)
  t.equal(row!.restgateCpu, 160)
  t.equal(row!.apacheCpu, 128)
  const table = peerTable([row!])
  t.same(table[1], ['r1 vs a1', 'plain forwarding', '160.0', '128.0', '1.25x', '1.25 1.20 1.25', '900', '1,000', '0.80x', '0.80 0.80 0.90'])
  t.same(peerRows([rg], [pair]), [], 'a pair with one side missing gives no row')
})

t.test('every Apache case has its restgate partner in the peer cases, on all cores', async (t) => {
  const ids = new Map(PEER_CASES.map((c) => [c.id, c]))
  t.equal(PEER_PAIRS.length, 3)
  for (const p of PEER_PAIRS) {
    t.ok(ids.has(p.restgate) && ids.has(p.apache), `${p.what}: both cases exist`)
    t.equal(ids.get(p.restgate)!.cores, 'all')
    t.equal(ids.get(p.apache)!.cores, 'all')
  }
})

t.test('targets: met, not met, and "not run" when their cases were left out', async (t) => {
  const three = result('3', [m(1000, 100), m(1000, 100), m(1000, 100)], [[0.3, 1], [0.3, 1], [0.3, 1]])
  const one = result('1', [m(4000, 25), m(4000, 25), m(4000, 25)], [[0.05, 0.2], [0.05, 0.2], [0.05, 0.2]])
  const token = result('4e', [m(960, 100), m(940, 100), m(990, 100)])
  const session = result('5', [m(900, 110), m(930, 110), m(920, 110)])
  const rg = result('r2', [m(800, 700), m(800, 700), m(800, 700)])
  const ap = result('a2', [m(1000, 600), m(1000, 600), m(1000, 600)])
  const results = [one, three, token, session, rg, ap]
  const table = targetTable(summarise(results, ['1', '2', '3']), results, PEER_PAIRS)
  const row = (prefix: string) => table.find((r) => r[0]!.startsWith(prefix))!
  t.same(row('(4e) API token hit').slice(2), ['0.96x', 'met'])
  t.same(row('(5) session cookie hit').slice(2), ['0.92x', 'not met'])
  t.same(row('(4r)').slice(2), ['–', 'not run'])
  t.same(row('(3) added p50').slice(2), ['+0.250 ms', 'met'])
  t.same(row('(7b)').slice(2), ['–', 'not run'])
  t.same(row('(r2) / (a2) a fresh SPNEGO token per request: CPU').slice(2), ['1.17x', 'not met'])
  t.same(row('(r2) / (a2) a fresh SPNEGO token per request: req/s').slice(2), ['0.80x', 'not met'])
  t.same(row('(r1) / (a1)').slice(2), ['–', 'not run'])
})

t.test('forward-auth targets: added p50 over nginx alone round by round, restgate CPU against proxy mode', async (t) => {
  const results = [
    result('n1', [m(10000, 30), m(9000, 30)], [[0.06, 1], [0.08, 1]]),
    result('n2', [m(8000, 90), m(7000, 100)], [[0.14, 1], [0.2, 1]]),
    result('4e', [m(5000, 200), m(4000, 150)]),
    result('n3', [m(8000, 90)]),
  ]
  const ids = { alone: 'n1', pairs: [{ what: 'API token', auth: 'n2', proxy: '4e' }, { what: 'session cookie', auth: 'n3', proxy: '5' }] }
  const table = targetTable(summarise(results, ['1', '2', '3']), results, [], ids)
  const row = (prefix: string) => table.find((r) => r[0]!.startsWith(prefix))!
  // Rounds: 0.14 - 0.06 = 0.08, 0.2 - 0.08 = 0.12; median 0.10. CPU: 90/200 = 0.45, 100/150 = 0.67; median 0.56.
  t.same(row('(n2) API token through nginx: added p50').slice(1), ['<= 0.1 ms', '+0.100 ms', 'met'])
  t.same(row('(n2) / (4e)').slice(1), ['<= 0.60x', '0.56x', 'met'])
  t.same(row('(n3) session cookie through nginx').slice(2), ['–', 'not run'], 'no latency runs')
  t.same(row('(n3) / (5)').slice(2), ['–', 'not run'], 'no proxy-mode case')
})
