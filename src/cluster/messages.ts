// What the cluster primary and its workers tell each other over the IPC channel. Pure shapes and guards:
// a message that does not match is ignored (the channel also carries Node's own cluster messages).
import type { MetricObjectWithValues, MetricValue } from 'prom-client'

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[]

/** Worker → primary: its listener is up. */
export interface ListeningMessage {
  readonly rg: 'listening'
  readonly url: string
}

export type Query = 'checks' | 'metrics'

/** Primary → worker: answer `what` for the admin listener. */
export interface QueryMessage {
  readonly rg: 'query'
  readonly id: number
  readonly what: Query
}

/** Worker → primary. `checks`: readiness check name → 'ok' or a reason; `metrics`: the registry as JSON. */
export interface AnswerMessage {
  readonly rg: 'answer'
  readonly id: number
  readonly checks?: Record<string, string>
  readonly metrics?: MetricsJson
  readonly error?: string
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object'
}

export function isListening(m: unknown): m is ListeningMessage {
  return isObject(m) && m['rg'] === 'listening' && typeof m['url'] === 'string'
}

export function isQuery(m: unknown): m is QueryMessage {
  return isObject(m) && m['rg'] === 'query' && typeof m['id'] === 'number' && (m['what'] === 'checks' || m['what'] === 'metrics')
}

export function isAnswer(m: unknown): m is AnswerMessage {
  return isObject(m) && m['rg'] === 'answer' && typeof m['id'] === 'number'
}

/**
 * Readiness over all workers, per check name: 'ok' when every worker says ok; otherwise the first other
 * answer, followed by the worker's slot (a reason keeps its first word: "stale" still reads as stale). A worker that did not answer makes `workers` not ok.
 */
export function combineChecks(answers: ReadonlyArray<{ readonly slot: number; readonly checks: Record<string, string> | undefined }>, expected: number): Record<string, string> {
  const out: Record<string, string> = {}
  const missing = answers.filter((a) => a.checks === undefined).map((a) => a.slot)
  const live = answers.length - missing.length
  out['workers'] = live === expected ? 'ok' : `${live} of ${expected} workers answering${missing.length > 0 ? ` (no answer from ${missing.join(', ')})` : ''}`
  for (const a of answers) {
    if (a.checks === undefined) continue
    for (const [name, value] of Object.entries(a.checks)) {
      if (out[name] === undefined || (out[name] === 'ok' && value !== 'ok')) out[name] = value === 'ok' ? 'ok' : `${value} (worker ${a.slot})`
    }
  }
  return out
}
