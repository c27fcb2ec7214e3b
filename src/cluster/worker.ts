// A cluster worker: an ordinary restgate (start()) without the admin listener, telling the primary when it
// listens and answering its questions for /readyz and /metrics. It stops, draining, on SIGTERM from the
// primary, and on its own when the primary is gone (the IPC channel closes).
import type { Running } from '../main.js'
import { isQuery, type AnswerMessage, type ListeningMessage } from './messages.js'

function send(message: ListeningMessage | AnswerMessage): void {
  // The channel may close while an answer is on its way (primary stopping): nothing to do then.
  if (process.connected) process.send!(message, undefined, {}, () => undefined)
}

async function answer(running: Running, id: number, what: 'checks' | 'metrics'): Promise<AnswerMessage> {
  try {
    if (what === 'metrics') return { rg: 'answer', id, metrics: await running.metrics.registry.getMetricsAsJSON() }
    const names = Object.keys(running.checks)
    const results = await Promise.all(
      names.map((n) =>
        running.checks[n]!().catch((err: unknown) => `error: ${(err as Error).message}`),
      ),
    )
    return { rg: 'answer', id, checks: Object.fromEntries(names.map((n, i) => [n, results[i]!])) }
  } catch (err) {
    return { rg: 'answer', id, error: (err as Error).message }
  }
}

/** Wires a started worker to its primary; `stop` drains and exits (the CLI's own SIGTERM path). */
export function serveAsWorker(running: Running, stop: (reason: string) => void): void {
  process.on('message', (m: unknown) => {
    if (isQuery(m)) void answer(running, m.id, m.what).then(send)
  })
  process.once('disconnect', () => stop('primary gone'))
  send({ rg: 'listening', url: running.url })
}
