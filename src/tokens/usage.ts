// "Last used" time and address per token, without a store write per request: uses are merged in memory
// (the latest per token wins) and written in one batch on an interval and on close. A batch the store
// refuses is kept for the next attempt; the buffer is bounded so an outage cannot grow it without end.
import type { Logger } from 'pino'
import type { Store } from '../store/types.js'

export interface UsageRecorder {
  note(id: number, at: number, ip: string): void
  /** Writes what is pending now. */
  flush(): Promise<void>
  /** Stops the timer and writes what is pending. */
  close(): Promise<void>
}

export interface UsageOptions {
  readonly intervalMs?: number
  readonly maxPending?: number
  readonly logger?: Logger
}

export function createUsageRecorder(store: Pick<Store, 'recordTokenUse'>, options: UsageOptions = {}): UsageRecorder {
  const maxPending = options.maxPending ?? 100_000
  let pending = new Map<number, { at: number; ip: string }>()
  let flushing: Promise<void> | undefined

  async function writeBatch(): Promise<void> {
    if (pending.size === 0) return
    const batch = pending
    pending = new Map()
    try {
      await store.recordTokenUse([...batch].map(([id, u]) => ({ id, at: u.at, ip: u.ip })))
    } catch (err) {
      // Put the batch back under anything newer that arrived meanwhile.
      for (const [id, u] of batch) {
        const newer = pending.get(id)
        if ((newer === undefined || newer.at < u.at) && (pending.size < maxPending || newer !== undefined)) pending.set(id, u)
      }
      options.logger?.warn({ err: (err as Error).message, pending: pending.size }, 'could not record API token use; will retry')
    }
  }

  function flush(): Promise<void> {
    flushing ??= writeBatch().finally(() => {
      flushing = undefined
    })
    return flushing
  }

  const timer = setInterval(() => void flush(), options.intervalMs ?? 5000)
  timer.unref()

  return {
    note(id, at, ip) {
      const have = pending.get(id)
      if (have !== undefined) {
        if (have.at <= at) {
          have.at = at
          have.ip = ip
        }
        return
      }
      if (pending.size < maxPending) pending.set(id, { at, ip })
    },
    flush,
    async close() {
      clearInterval(timer)
      await flushing
      await flush()
    },
  }
}
