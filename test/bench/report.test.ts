// The bench's arithmetic: medians, per-round ratios, the added-latency column and the tables.
import t from 'tap'
import { latencyTable, mainTable, median, renderMarkdown, renderText, scalingLine, summarise } from '../../bench/report.js'
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
