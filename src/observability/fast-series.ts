// The per-request metrics (restgate_requests_total, restgate_request_duration_seconds,
// restgate_upstream_duration_seconds), counted without prom-client's per-call work. prom-client sorts,
// joins and validates the label object on every inc() and observe() and makes a closure for each
// observation: three of them per forwarded request were about 4% of restgate's CPU in the forwarding
// profile. Here a series is found through one Map per label, keyed by the value as given (no key string
// to build), and prom-client's registry reads the series only when /metrics is scraped: these objects
// have the shape it registers and exports (name, help, type, aggregator, get(), reset()), so the text
// exposition and the cluster primary's AggregatorRegistry read them as they read its own metrics.
import type { Metric, Registry } from 'prom-client'

type Labels<L extends string> = Readonly<Record<L, string | number>>

interface Value {
  readonly labels: Record<string, string | number>
  readonly value: number
  readonly metricName?: string
}

interface MetricJson {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'histogram'
  readonly values: Value[]
  readonly aggregator: 'sum'
}

interface Series<L extends string> {
  readonly labels: Labels<L>
}

/** One level per label, keyed by the label's value as given (a number stays a number): no key to build. */
type Level<S> = Map<string | number, S | Level<S>>

/** The series of one label set, made on its first use; labels are copied, so a caller may reuse its object. */
abstract class LabelledSeries<L extends string, S extends Series<L>> {
  readonly aggregator = 'sum' as const
  private root: Level<S> = new Map()
  /** Every series, in the order made: what get() exports. */
  protected all: S[] = []
  /** The same series by their exported label values, so 200 and '200' share one. */
  private byKey = new Map<string, S>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    registers: readonly Registry[],
  ) {
    // The registries take any object of prom-client's Metric shape.
    for (const r of registers) r.registerMetric(this as unknown as Metric)
  }

  protected seriesOf(labels: Labels<L>): S {
    const names = this.labelNames
    let level = this.root
    const last = names.length - 1
    for (let i = 0; i < last; i++) {
      const v = labels[names[i]!]
      let next = level.get(v) as Level<S> | undefined
      if (next === undefined) {
        next = new Map()
        level.set(v, next)
      }
      level = next
    }
    const found = level.get(labels[names[last]!]) as S | undefined
    return found ?? this.make(labels)
  }

  private make(labels: Labels<L>): S {
    const copy = {} as Record<L, string | number>
    for (const n of this.labelNames) {
      const v = labels[n]
      if (v === undefined) throw new Error(`${this.name}: label ${n} has no value`)
      copy[n] = v
    }
    const key = this.labelNames.map((n) => String(copy[n])).join('\u0000')
    let s = this.byKey.get(key)
    if (s === undefined) {
      s = this.create(copy)
      this.byKey.set(key, s)
      this.all.push(s)
    }
    let level = this.root
    const names = this.labelNames
    for (let i = 0; i < names.length - 1; i++) level = level.get(labels[names[i]!]) as Level<S>
    level.set(labels[names[names.length - 1]!], s)
    return s
  }

  protected abstract create(labels: Labels<L>): S

  reset(): void {
    this.root = new Map()
    this.byKey = new Map()
    this.all = []
  }
}

interface CounterSeries<L extends string> extends Series<L> {
  value: number
}

export class FastCounter<L extends string> extends LabelledSeries<L, CounterSeries<L>> {
  readonly type = 'counter' as const

  inc(labels: Labels<L>, value = 1): void {
    this.seriesOf(labels).value += value
  }

  protected create(labels: Labels<L>): CounterSeries<L> {
    return { labels, value: 0 }
  }

  async get(): Promise<MetricJson> {
    const values: Value[] = []
    for (const s of this.all) values.push({ labels: { ...s.labels }, value: s.value })
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }
}

interface HistogramSeries<L extends string> extends Series<L> {
  /** Per bucket, not cumulative: counts[i] holds observations in (upper[i-1], upper[i]]; the last is +Inf. */
  readonly counts: number[]
  sum: number
  count: number
}

export class FastHistogram<L extends string> extends LabelledSeries<L, HistogramSeries<L>> {
  readonly type = 'histogram' as const
  private readonly upper: readonly number[]

  constructor(name: string, help: string, labelNames: readonly L[], buckets: readonly number[], registers: readonly Registry[]) {
    super(name, help, labelNames, registers)
    this.upper = [...buckets].sort((a, b) => a - b)
  }

  observe(labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: not a finite number: ${value}`)
    const s = this.seriesOf(labels)
    const upper = this.upper
    let i = 0
    while (i < upper.length && value > upper[i]!) i++
    s.counts[i]!++
    s.sum += value
    s.count++
  }

  protected create(labels: Labels<L>): HistogramSeries<L> {
    return { labels, counts: new Array<number>(this.upper.length + 1).fill(0), sum: 0, count: 0 }
  }

  /** prom-client's histogram export: cumulative `_bucket` series (`le` first), then `+Inf`, `_sum`, `_count`. */
  async get(): Promise<MetricJson> {
    const values: Value[] = []
    const bucket = `${this.name}_bucket`
    for (const s of this.all) {
      let acc = 0
      for (let i = 0; i < this.upper.length; i++) {
        acc += s.counts[i]!
        values.push({ labels: { le: this.upper[i]!, ...s.labels }, value: acc, metricName: bucket })
      }
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucket })
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` })
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }
}
