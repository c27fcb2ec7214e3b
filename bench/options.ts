// Command-line flags of `npm run bench`. Pure: parsed and checked here, used by run.ts.
import { parseArgs } from 'node:util'

export interface BenchOptions {
  /** Seconds per measured throughput run. */
  readonly durationS: number
  /** Seconds per one-request-in-flight latency run. */
  readonly latencyS: number
  /** Seconds of unmeasured load per case before the first round (JIT, pools). */
  readonly warmupS: number
  readonly rounds: number
  readonly connections: number
  readonly threads: number
  /** Case ids to run, in order; empty means every case. */
  readonly cases: readonly string[]
  readonly pin: boolean
  /** BENCHMARKS.md to update, or undefined to only print. */
  readonly out: string | undefined
  /** restgate's log destination: a file in the run directory (default) or /dev/null. */
  readonly devNullLog: boolean
  readonly keep: boolean
  /** Other built checkouts whose restgate runs beside case 3 (case 3@name): before/after in one run. */
  readonly baselines: readonly string[]
  readonly help: boolean
}

export const USAGE = `npm run bench -- [options]

Starts a stub Jira, the reference proxies and restgate on loopback, loads them with wrk in alternating
rounds and prints one table (medians of rounds). Updates BENCHMARKS.md unless --no-write.

  --duration S       seconds per throughput run (default 3)
  --latency S        seconds per one-request-in-flight run (default 2)
  --warmup S         unmeasured seconds per case before round 1 (default 3)
  --rounds N         rounds; each figure is the median (default 5)
  --connections N    concurrent connections for throughput runs (default 32)
  --threads N        wrk threads (default 1)
  --cases A,B,...    case ids to run (default all; see BENCHMARKS.md; ws is the WebSocket case)
  --no-pin           do not pin processes to cores
  --log-devnull      restgate logs to /dev/null instead of a file
  --out FILE         file to update (default BENCHMARKS.md)
  --no-write         print only
  --keep             keep the run directory (logs, policies)
  --baseline DIR     also run case 3 from another built checkout (case 3@DIR's name); repeatable
`

// wrk takes whole seconds, so every figure here is a positive integer.
function positiveInteger(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: must be a positive integer, got ${JSON.stringify(v)}`)
  return n
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      latency: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      cases: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'log-devnull': { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      baseline: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  const threads = positiveInteger('threads', values.threads, 1)
  const connections = positiveInteger('connections', values.connections, 32)
  if (connections < threads) throw new Error('--connections: must be at least --threads')
  return {
    durationS: positiveInteger('duration', values.duration, 3),
    latencyS: positiveInteger('latency', values.latency, 2),
    warmupS: positiveInteger('warmup', values.warmup, 3),
    rounds: positiveInteger('rounds', values.rounds, 5),
    connections,
    threads,
    cases: values.cases === undefined ? [] : values.cases.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    pin: !values['no-pin'],
    out: values['no-write'] ? undefined : (values.out ?? 'BENCHMARKS.md'),
    devNullLog: values['log-devnull'],
    keep: values.keep,
    baselines: values.baseline ?? [],
    help: values.help,
  }
}
