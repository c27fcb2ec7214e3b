// Admission to the upstream pool. undici's pool queues a request that finds every connection busy without
// bound in length or time (upstream.timeout starts only once the request is written), so under a slow
// upstream a request could wait for minutes and then be forwarded long after its client gave up. restgate
// keeps its own queue in front instead: at most `upstream.connections` exchanges at once (the pool runs one
// per connection), then at most `upstream.maxQueued` waiting, each for at most `upstream.queueTimeout`.
// A request refused here was never handed to the pool, so it is never forwarded late.
//
// Free connection, empty queue (the common case): a comparison and an increment, no timer, no allocation.

export interface QueueLimits {
  /** Requests that may wait at once; 0 refuses at once when every connection is busy. */
  readonly maxQueued: number
  readonly timeoutMs: number
}

export type Refusal = 'full' | 'timeout'

/** One request's place: started once a connection is free, or refused. */
export interface Ticket {
  start(): void
  refuse(reason: Refusal): void
}

export interface UpstreamQueue {
  /**
   * Starts the ticket now, or queues it; a queued ticket is later started, or refused when it has waited
   * too long. Returns a function that withdraws a waiting ticket (its client went away); it does nothing
   * once the ticket was started or refused.
   */
  enter(ticket: Ticket, limits: QueueLimits): () => void
  /** A started exchange is over (response complete or failed): the next waiting ticket may start. */
  leave(): void
  /** Exchanges started and not yet over. */
  readonly running: number
  /** Tickets waiting. */
  readonly waiting: number
}

interface Waiter {
  readonly ticket: Ticket
  readonly deadline: number
  timer: NodeJS.Timeout | undefined
  /** Started, refused or withdrawn: skipped when its turn comes. */
  done: boolean
}

const NOOP = (): void => undefined

export function createUpstreamQueue(concurrency: number, now: () => number = performance.now.bind(performance)): UpstreamQueue {
  let running = 0
  let waiting = 0
  // FIFO: an array read from `head`, compacted when it runs empty or its read part is the larger.
  let queue: Waiter[] = []
  let head = 0

  function settle(w: Waiter): void {
    w.done = true
    waiting--
    if (w.timer !== undefined) clearTimeout(w.timer)
  }

  function next(): Waiter | undefined {
    while (head < queue.length) {
      const w = queue[head++]!
      if (!w.done) {
        if (head > 1024 && head * 2 > queue.length) {
          queue = queue.slice(head)
          head = 0
        }
        return w
      }
    }
    queue = []
    head = 0
    return undefined
  }

  return {
    enter(ticket, limits) {
      if (running < concurrency && waiting === 0) {
        running++
        ticket.start()
        return NOOP
      }
      if (waiting >= limits.maxQueued) {
        ticket.refuse('full')
        return NOOP
      }
      const w: Waiter = { ticket, deadline: now() + limits.timeoutMs, timer: undefined, done: false }
      // A hung upstream starts nothing for a while: refused and withdrawn entries must not pile up meanwhile.
      if (queue.length - head > 2 * waiting + 1024) {
        queue = queue.slice(head).filter((q) => !q.done)
        head = 0
      }
      waiting++
      queue.push(w)
      w.timer = setTimeout(() => {
        if (w.done) return
        settle(w)
        ticket.refuse('timeout')
      }, limits.timeoutMs)
      return () => {
        if (!w.done) settle(w)
      }
    },
    leave() {
      running--
      for (let w = next(); w !== undefined; w = next()) {
        settle(w)
        // The timer may not have run yet (a busy event loop): a ticket past its deadline is never started.
        if (now() > w.deadline) {
          w.ticket.refuse('timeout')
          continue
        }
        running++
        w.ticket.start()
        return
      }
    },
    get running() {
      return running
    },
    get waiting() {
      return waiting
    },
  }
}
