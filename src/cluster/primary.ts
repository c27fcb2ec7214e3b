// `server.workers: N` (N > 1): this process forks N workers (node:cluster) that share the listening socket
// (the primary accepts connections and hands them out round-robin; a keep-alive connection stays with one
// worker) and serves no proxy traffic itself. It
//   - restarts a worker that dies (after a second when the slot's last worker lived under ten seconds, so a
//     crash loop does not spin);
//   - forwards SIGHUP (each worker reloads the policy file) and SIGTERM/SIGINT (every worker drains, then
//     the primary exits 0);
//   - serves the admin listener: /healthz, /readyz over every worker's checks, /metrics summed over the
//     workers' registries. Workers have no admin listener of their own.
// A worker that fails before it listens at start-up stops the whole start (exit 1): the policy is the same
// for all, so the next one would fail alike.
import cluster, { type Worker } from 'node:cluster'
import type { FastifyInstance } from 'fastify'
import { AggregatorRegistry, Registry } from 'prom-client'
import { buildAdminApp } from '../admin/server.js'
import type { Config } from '../config/schema.js'
import { durationMs } from '../config/duration.js'
import { createLogger } from '../observability/logger.js'
import { combineChecks, isAnswer, isListening, type AnswerMessage, type MetricsJson, type Query } from './messages.js'

export interface PrimaryOptions {
  readonly config: Config
  readonly err: (text: string) => void
}

const QUERY_TIMEOUT_MS = 1500
const QUICK_DEATH_MS = 10_000
const RESTART_DELAY_MS = 1000

interface Slot {
  worker: Worker
  startedAt: number
  listening: boolean
}

export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { config } = options
  const count = config.server.workers
  const logger = createLogger({ level: config.logging.level }).child({ role: 'primary' })
  const slots = new Map<number, Slot>()
  const answers = new Map<number, (m: AnswerMessage) => void>()
  let nextQuery = 0
  let stopping = false
  let started = false
  let url = ''
  let onStartFailure: ((reason: string) => void) | undefined
  let onAllListening: (() => void) | undefined
  const exited = new Set<() => void>()

  function fork(slot: number): void {
    const worker = cluster.fork({ RESTGATE_WORKER: String(slot) })
    const entry: Slot = { worker, startedAt: Date.now(), listening: false }
    slots.set(slot, entry)
    worker.on('message', (m: unknown) => {
      if (isListening(m)) {
        entry.listening = true
        url = m.url
        if (!started && [...slots.values()].every((s) => s.listening) && slots.size === count) onAllListening?.()
      } else if (isAnswer(m)) {
        answers.get(m.id)?.(m)
      }
    })
    worker.on('exit', (code, signal) => {
      for (const fn of exited) fn()
      if (slots.get(slot)?.worker !== worker) return
      if (stopping) return
      if (!started) {
        onStartFailure?.(`worker ${slot} exited (${signal ?? code}) before it listened`)
        return
      }
      const livedMs = Date.now() - entry.startedAt
      const delay = livedMs < QUICK_DEATH_MS ? RESTART_DELAY_MS : 0
      logger.error({ slot, workerPid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died: starting a new one')
      setTimeout(() => {
        if (!stopping) fork(slot)
      }, delay).unref()
    })
  }

  function live(): Array<[number, Slot]> {
    return [...slots.entries()].filter(([, s]) => s.listening && s.worker.isConnected() && !s.worker.isDead())
  }

  function waitForExits(deadlineMs: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if ([...slots.values()].every((s) => s.worker.isDead())) {
          exited.delete(check)
          clearTimeout(timer)
          resolve()
        }
      }
      const timer = setTimeout(() => {
        for (const s of slots.values()) if (!s.worker.isDead()) s.worker.process.kill('SIGKILL')
      }, deadlineMs)
      exited.add(check)
      check()
    })
  }

  /** Asks every listening worker; a worker that does not answer in time gets undefined. */
  async function ask(what: Query): Promise<Array<{ slot: number; answer: AnswerMessage | undefined }>> {
    return Promise.all(
      live().map(
        ([slot, s]) =>
          new Promise<{ slot: number; answer: AnswerMessage | undefined }>((resolve) => {
            const id = ++nextQuery
            const timer = setTimeout(() => {
              answers.delete(id)
              resolve({ slot, answer: undefined })
            }, QUERY_TIMEOUT_MS)
            answers.set(id, (m) => {
              clearTimeout(timer)
              answers.delete(id)
              resolve({ slot, answer: m })
            })
            s.worker.send({ rg: 'query', id, what })
          }),
      ),
    )
  }

  // --- start every worker -----------------------------------------------------------------------------
  const startResult = await new Promise<string | undefined>((resolve) => {
    onStartFailure = resolve
    onAllListening = () => resolve(undefined)
    for (let slot = 1; slot <= count; slot++) fork(slot)
  })
  if (startResult !== undefined) {
    stopping = true
    options.err(`restgate: could not start: ${startResult} (its messages are above)`)
    for (const s of slots.values()) if (!s.worker.isDead()) s.worker.process.kill('SIGTERM')
    await waitForExits(5000)
    return 1
  }
  started = true

  // --- the admin listener -----------------------------------------------------------------------------
  let admin: FastifyInstance | undefined
  let adminUrl: string | undefined
  if (config.server.admin.enabled) {
    // The checks of one /readyz share one round of questions.
    let round: Promise<Record<string, string>> | undefined
    const combined = (): Promise<Record<string, string>> =>
      (round ??= ask('checks')
        .then((a) => combineChecks(a.map((x) => ({ slot: x.slot, checks: x.answer?.checks })), count))
        .finally(() => setImmediate(() => (round = undefined))))
    const check = (name: string) => async () => (await combined())[name] ?? 'ok'
    const contentType = Registry.PROMETHEUS_CONTENT_TYPE
    admin = await buildAdminApp({
      logger,
      metrics: {
        registry: {
          contentType,
          metrics: async () => {
            const all = await ask('metrics')
            const list = all.map((a) => a.answer?.metrics).filter((m): m is MetricsJson => m !== undefined)
            return AggregatorRegistry.aggregate(list).metrics()
          },
        },
      },
      checks: { workers: check('workers'), config: check('config'), store: check('store'), policyFile: check('policyFile') },
    })
    await admin.listen({ host: config.server.admin.host, port: config.server.admin.port })
    const addr = admin.server.address() as { address: string; port: number }
    adminUrl = `http://${addr.address}:${addr.port}`
  }
  logger.info({ url, adminUrl, workers: count, workerPids: [...slots.values()].map((s) => s.worker.process.pid) }, 'restgate listening')

  // --- signals --------------------------------------------------------------------------------------
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping: every worker drains its in-flight requests')
    for (const s of slots.values()) if (!s.worker.isDead()) s.worker.process.kill('SIGTERM')
    const drainMs = durationMs(config.server.drainTimeout)
    void waitForExits(drainMs + 5000)
      .then(() => admin?.close())
      .then(
        () => {
          logger.info('restgate stopped')
          logger.flush()
          process.exit(0)
        },
        (err: Error) => {
          options.err(`restgate: error while stopping: ${err.message}`)
          process.exit(1)
        },
      )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: every worker reloads the policy file')
    // A worker still starting has no SIGHUP handler yet (the signal would end it); it reads the file anyway.
    for (const s of slots.values()) if (s.listening && !s.worker.isDead()) s.worker.process.kill('SIGHUP')
  })
  return -1 // keep running
}
