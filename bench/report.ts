// Turns the rounds into one table: medians of rounds, and ratios taken round by round (each against the
// reference measured in the same round) before their median, so drift between rounds cancels out.
import type { CaseResult } from './harness.js'

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
}

export interface Row {
  readonly id: string
  readonly title: string
  readonly cores: 'own' | 'all'
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly cpuUsPerRequest: number
  readonly peakRssMB: number
  readonly errors: number
  /** Some run ran out of per-request header sets: its requests/s is understated. */
  readonly exhausted: boolean
  /** Requests/s against each reference case id (median of per-round ratios). */
  readonly rpsRatio: Readonly<Record<string, number>>
  /** CPU per request against each reference case id. */
  readonly cpuRatio: Readonly<Record<string, number>>
  /** One request in flight. */
  readonly latency?: { readonly p50Ms: number; readonly p99Ms: number; readonly addedP50Ms: number; readonly addedP99Ms: number }
}

/** a / b in each round both ran. */
function roundRatios(a: CaseResult, b: CaseResult, f: (x: CaseResult, r: number) => number): number[] {
  const n = Math.min(a.runs.length, b.runs.length)
  const out: number[] = []
  for (let r = 0; r < n; r++) out.push(f(a, r) / f(b, r))
  return out
}

function perRound(a: CaseResult, b: CaseResult | undefined, f: (x: CaseResult, r: number) => number): number {
  return b === undefined ? NaN : median(roundRatios(a, b, f))
}

export function summarise(results: readonly CaseResult[], referenceIds: readonly string[], directId = '1'): Row[] {
  const byId = new Map(results.map((r) => [r.case.id, r]))
  const direct = byId.get(directId)
  return results.map((r): Row => {
    const rpsRatio: Record<string, number> = {}
    const cpuRatio: Record<string, number> = {}
    for (const id of referenceIds) {
      rpsRatio[id] = perRound(r, byId.get(id), (x, i) => x.runs[i]!.rps)
      cpuRatio[id] = perRound(r, byId.get(id), (x, i) => x.runs[i]!.cpuUsPerRequest)
    }
    let latency: Row['latency']
    if (r.latency.length > 0) {
      const added = (pick: 'p50Ms' | 'p99Ms'): number =>
        direct === undefined || direct.latency.length === 0
          ? NaN
          : median(r.latency.map((l, i) => (direct.latency[i] === undefined ? NaN : l[pick] - direct.latency[i]![pick])))
      latency = {
        p50Ms: median(r.latency.map((l) => l.p50Ms)),
        p99Ms: median(r.latency.map((l) => l.p99Ms)),
        addedP50Ms: added('p50Ms'),
        addedP99Ms: added('p99Ms'),
      }
    }
    return {
      id: r.case.id,
      title: r.case.title,
      cores: r.case.cores ?? 'own',
      rps: median(r.runs.map((m) => m.rps)),
      p50Ms: median(r.runs.map((m) => m.p50Ms)),
      p99Ms: median(r.runs.map((m) => m.p99Ms)),
      cpuUsPerRequest: median(r.runs.map((m) => m.cpuUsPerRequest)),
      peakRssMB: r.peakRssBytes / (1024 * 1024),
      errors: r.runs.reduce((n, m) => n + m.errors, 0),
      exhausted: r.runs.some((m) => m.exhausted),
      rpsRatio,
      cpuRatio,
      latency,
    }
  })
}

const fmt = {
  int: (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'),
  ms: (n: number): string => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '–'),
  ratio: (n: number): string => (Number.isFinite(n) ? n.toFixed(2) + 'x' : '–'),
  signedMs: (n: number): string => (Number.isFinite(n) ? (n >= 0 ? '+' : '') + n.toFixed(3) : '–'),
}

/** Rows of cells: the main table. */
export function mainTable(rows: readonly Row[], referenceIds: readonly string[]): string[][] {
  const head = [
    'case',
    'what',
    'req/s',
    'p50 ms',
    'p99 ms',
    'CPU µs/req',
    'peak RSS MB',
    ...referenceIds.map((id) => `req/s vs (${id})`),
    ...referenceIds.filter((id) => id !== '1').map((id) => `CPU vs (${id})`),
    'errors',
  ]
  const body = rows.map((r) => [
    r.id,
    r.cores === 'all' ? `${r.title}` : r.title,
    fmt.int(r.rps),
    fmt.ms(r.p50Ms),
    fmt.ms(r.p99Ms),
    Number.isFinite(r.cpuUsPerRequest) ? r.cpuUsPerRequest.toFixed(1) : '–',
    r.peakRssMB.toFixed(0),
    ...referenceIds.map((id) => fmt.ratio(r.rpsRatio[id]!)),
    ...referenceIds.filter((id) => id !== '1').map((id) => fmt.ratio(r.cpuRatio[id]!)),
    r.exhausted ? `${r.errors} (ran out of headers)` : String(r.errors),
  ])
  return [head, ...body]
}

export function latencyTable(rows: readonly Row[]): string[][] {
  const head = ['case', 'what', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms']
  const body = rows
    .filter((r) => r.latency !== undefined)
    .map((r) => [r.id, r.title, r.latency!.p50Ms.toFixed(3), r.latency!.p99Ms.toFixed(3), fmt.signedMs(r.latency!.addedP50Ms), fmt.signedMs(r.latency!.addedP99Ms)])
  return [head, ...body]
}

/** "2 workers: 1.71x the requests/s of 1 worker", when both scaling rows ran. */
export function scalingLine(results: readonly CaseResult[], oneId = '3w1', twoId = '3w2'): string | undefined {
  const one = results.find((r) => r.case.id === oneId)
  const two = results.find((r) => r.case.id === twoId)
  if (one === undefined || two === undefined) return undefined
  const ratio = perRound(two, one, (x, i) => x.runs[i]!.rps)
  return `Worker scaling (all cores, shared with wrk and the stub): 2 workers serve ${fmt.ratio(ratio)} the requests/s of 1 worker (${fmt.int(median(two.runs.map((m) => m.rps)))} vs ${fmt.int(median(one.runs.map((m) => m.rps)))}).`
}

const NUMERIC = /^[-+]?[\d,.]+(x| MB)?$|^–$/

export function renderText(table: string[][]): string {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)))
  return table
    .map((row) => row.map((cell, c) => (c > 1 && NUMERIC.test(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n')
}

export function renderMarkdown(table: string[][]): string {
  const [head, ...body] = table
  const align = head!.map((_, c) => (c > 1 ? '---:' : '---'))
  return [head!, align, ...body].map((row) => `| ${row.join(' | ')} |`).join('\n')
}

/** A restgate case and the Apache httpd case it is weighed against. */
export interface PeerPairIds {
  readonly what: string
  readonly restgate: string
  readonly apache: string
}

export interface PeerRow {
  readonly pair: PeerPairIds
  readonly restgateCpu: number
  readonly apacheCpu: number
  readonly restgateRps: number
  readonly apacheRps: number
  /** restgate / Apache in each round, and their median. */
  readonly cpuRounds: readonly number[]
  readonly rpsRounds: readonly number[]
  readonly cpuRatio: number
  readonly rpsRatio: number
}

/** One row per pair whose two cases both ran. */
export function peerRows(results: readonly CaseResult[], pairs: readonly PeerPairIds[]): PeerRow[] {
  const byId = new Map(results.map((r) => [r.case.id, r]))
  const out: PeerRow[] = []
  for (const pair of pairs) {
    const rg = byId.get(pair.restgate)
    const ap = byId.get(pair.apache)
    if (rg === undefined || ap === undefined) continue
    const cpuRounds = roundRatios(rg, ap, (x, i) => x.runs[i]!.cpuUsPerRequest)
    const rpsRounds = roundRatios(rg, ap, (x, i) => x.runs[i]!.rps)
    out.push({
      pair,
      restgateCpu: median(rg.runs.map((m) => m.cpuUsPerRequest)),
      apacheCpu: median(ap.runs.map((m) => m.cpuUsPerRequest)),
      restgateRps: median(rg.runs.map((m) => m.rps)),
      apacheRps: median(ap.runs.map((m) => m.rps)),
      cpuRounds,
      rpsRounds,
      cpuRatio: median(cpuRounds),
      rpsRatio: median(rpsRounds),
    })
  }
  return out
}

const rounds = (v: readonly number[]): string => v.map((x) => (Number.isFinite(x) ? x.toFixed(2) : '–')).join(' ')

/** restgate against Apache httpd: the medians, the median of per-round ratios, and each round's ratio. */
export function peerTable(rows: readonly PeerRow[]): string[][] {
  const head = [
    'cases',
    'what',
    'restgate CPU µs/req',
    'Apache CPU µs/req',
    'CPU restgate / Apache',
    'CPU ratio per round',
    'restgate req/s',
    'Apache req/s',
    'req/s restgate / Apache',
    'req/s ratio per round',
  ]
  const body = rows.map((r) => [
    `${r.pair.restgate} vs ${r.pair.apache}`,
    r.pair.what,
    r.restgateCpu.toFixed(1),
    r.apacheCpu.toFixed(1),
    fmt.ratio(r.cpuRatio),
    rounds(r.cpuRounds),
    fmt.int(r.restgateRps),
    fmt.int(r.apacheRps),
    fmt.ratio(r.rpsRatio),
    rounds(r.rpsRounds),
  ])
  return [head, ...body]
}

/** restgate's forward-auth endpoint behind nginx, the case of nginx alone, and the proxy-mode case alike. */
export interface ForwardAuthIds {
  readonly alone: string
  readonly pairs: ReadonlyArray<{ readonly what: string; readonly auth: string; readonly proxy: string }>
}

/** a's p50 minus b's at one request in flight, round by round, and the median of that. */
function addedLatency(a: CaseResult | undefined, b: CaseResult | undefined): number | undefined {
  if (a === undefined || b === undefined || a.latency.length === 0 || b.latency.length === 0) return undefined
  return median(a.latency.map((l, i) => (b.latency[i] === undefined ? NaN : l.p50Ms - b.latency[i]!.p50Ms)))
}

/**
 * The standing targets (issues 8, 14 and 17), each as measured in this run: met, not met, or "not run"
 * when its cases were left out. Figures only where a target has no threshold (worker scaling).
 */
export function targetTable(
  rows: readonly Row[],
  results: readonly CaseResult[],
  pairs: readonly PeerPairIds[],
  forwardAuth?: ForwardAuthIds,
): string[][] {
  const peers = peerRows(results, pairs)
  const byId = new Map(rows.map((r) => [r.id, r]))
  const out: string[][] = [['target', 'goal', 'measured', 'status']]
  const add = (what: string, goal: string, value: number | undefined, shown: (v: number) => string, ok?: (v: number) => boolean): void => {
    if (value === undefined || !Number.isFinite(value)) out.push([what, goal, '–', 'not run'])
    else out.push([what, goal, shown(value), ok === undefined ? 'figure' : ok(value) ? 'met' : 'not met'])
  }
  for (const [id, what] of [['4e', 'API token hit, embedded'], ['4r', 'API token hit, Redis'], ['5', 'session cookie hit']] as const) {
    add(`(${id}) ${what}: req/s vs (3)`, '>= 0.95x', byId.get(id)?.rpsRatio['3'], fmt.ratio, (v) => v >= 0.95)
  }
  for (const id of ['3', '4e', '5']) {
    add(`(${id}) added p50, one request in flight`, '<= 0.3 ms', byId.get(id)?.latency?.addedP50Ms, (v) => `${fmt.signedMs(v)} ms`, (v) => v <= 0.3)
  }
  add('(7b) peak RSS, 100,000 tokens', '<= 128 MB', byId.get('7b')?.peakRssMB, (v) => `${v.toFixed(0)} MB`, (v) => v <= 128)
  const one = results.find((r) => r.case.id === '3w1')
  const two = results.find((r) => r.case.id === '3w2')
  add('(3w2) / (3w1) worker scaling: req/s', '–', two === undefined ? undefined : perRound(two, one, (x, i) => x.runs[i]!.rps), fmt.ratio)
  const result = (id: string): CaseResult | undefined => results.find((r) => r.case.id === id)
  for (const fa of forwardAuth?.pairs ?? []) {
    const auth = result(fa.auth)
    add(`(${fa.auth}) ${fa.what} through nginx: added p50 over (${forwardAuth!.alone}), one request in flight`, '<= 0.1 ms', addedLatency(auth, result(forwardAuth!.alone)), (v) => `${fmt.signedMs(v)} ms`, (v) => v <= 0.1)
    const proxy = result(fa.proxy)
    const cpu = auth === undefined || proxy === undefined ? undefined : perRound(auth, proxy, (x, i) => x.runs[i]!.cpuUsPerRequest)
    add(`(${fa.auth}) / (${fa.proxy}) ${fa.what}: restgate's CPU per request, auth mode / proxy mode`, '<= 0.60x', cpu, fmt.ratio, (v) => v <= 0.6)
  }
  for (const pair of pairs) {
    const p = peers.find((x) => x.pair === pair)
    add(`(${pair.restgate}) / (${pair.apache}) ${pair.what}: CPU per request`, '<= 1.00x', p?.cpuRatio, fmt.ratio, (v) => v <= 1)
    add(`(${pair.restgate}) / (${pair.apache}) ${pair.what}: req/s`, '>= 1.00x', p?.rpsRatio, fmt.ratio, (v) => v >= 1)
  }
  return out
}
