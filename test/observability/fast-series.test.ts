// The per-request series read exactly as prom-client's own counter and histogram would: the same text on
// /metrics and the same sums across cluster workers, for the same observations.
import t from 'tap'
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client'
import { FastCounter, FastHistogram } from '../../src/observability/fast-series.js'

const BUCKETS = [0.001, 0.01, 0.1, 1]
const OBSERVED: Array<[string, number]> = [
  ['proxy', 0.0004],
  ['proxy', 0.001],
  ['proxy', 0.05],
  ['api', 3],
  ['proxy', 0.0099],
]

function pair() {
  const mine = new Registry()
  const theirs = new Registry()
  return {
    mine,
    theirs,
    counters: [
      new FastCounter<'class' | 'status'>('rg_requests_total', 'Requests', ['class', 'status'], [mine]),
      new Counter<'class' | 'status'>({ name: 'rg_requests_total', help: 'Requests', labelNames: ['class', 'status'], registers: [theirs] }),
    ] as const,
    histograms: [
      new FastHistogram<'class'>('rg_duration_seconds', 'Duration', ['class'], BUCKETS, [mine]),
      new Histogram<'class'>({ name: 'rg_duration_seconds', help: 'Duration', labelNames: ['class'], buckets: BUCKETS, registers: [theirs] }),
    ] as const,
  }
}

function feed(p: ReturnType<typeof pair>): void {
  for (const [cls, seconds] of OBSERVED) {
    for (const c of p.counters) c.inc({ class: cls, status: cls === 'api' ? 404 : 200 })
    for (const h of p.histograms) h.observe({ class: cls }, seconds)
  }
}

t.test('the text exposition is prom-client’s, line for line', async (t) => {
  const p = pair()
  t.equal(await p.mine.metrics(), await p.theirs.metrics(), 'nothing observed yet')
  feed(p)
  const text = await p.mine.metrics()
  t.equal(text, await p.theirs.metrics())
  t.match(text, /rg_requests_total\{class="proxy",status="200"\} 4/)
  t.match(text, /rg_duration_seconds_bucket\{le="0.001",class="proxy"\} 2/, 'an observation on a bound counts in its bucket')
  t.match(text, /rg_duration_seconds_bucket\{le="\+Inf",class="api"\} 1/)
})

t.test('the cluster primary sums them as it sums prom-client’s', async (t) => {
  const workers = [pair(), pair()]
  for (const w of workers) feed(w)
  const mine = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.mine.getMetricsAsJSON())))
  const theirs = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.theirs.getMetricsAsJSON())))
  t.equal(await mine.metrics(), await theirs.metrics())
  t.match(await mine.metrics(), /rg_requests_total\{class="proxy",status="200"\} 8/)
})

t.test('reset empties the series; a label set is copied, never kept by reference', async (t) => {
  const p = pair()
  const labels = { class: 'proxy', status: 200 }
  p.counters[0].inc(labels)
  labels.class = 'api'
  p.counters[0].inc({ class: 'proxy', status: '200' })
  t.match(await p.mine.metrics(), /rg_requests_total\{class="proxy",status="200"\} 2/, "200 and '200' are one series")
  p.mine.resetMetrics()
  t.notMatch(await p.mine.metrics(), /rg_requests_total\{/)
})

t.test('bad input is refused, as prom-client refuses it', async (t) => {
  const p = pair()
  t.throws(() => p.histograms[0].observe({ class: 'proxy' }, Number.NaN), TypeError)
  t.throws(() => p.counters[0].inc({ class: 'proxy' } as never), /label status has no value/)
  t.notMatch(await p.mine.metrics(), /rg_requests_total\{/, 'nothing counted for a refused call')
})
