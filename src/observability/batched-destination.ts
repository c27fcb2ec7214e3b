// Log lines leave in batches: at most every BATCH_MS, or at once when BATCH_BYTES are pending, and always
// on flush and at exit. Handing each access line to the asynchronous file writer on its own costs a
// thread-pool round trip per request (a futex wake, a context switch, an eventfd wake-up back): in the
// forwarding profile that was about 6% of restgate's CPU. Batched, a write carries tens of lines, and a
// line waits at most BATCH_MS: nobody reads a log faster than that. Writes stay asynchronous, so a slow log
// consumer (a full pipe) never stalls a request.
// A batch stays within its byte limit and ends at a line's end (a single longer line is written alone). Cluster
// workers share one stdout pipe, where only writes up to PIPE_BUF (4 KB) are atomic: they use that limit, and
// the same for the writer below, so their lines never interleave mid-line.
import type { DestinationStream } from 'pino'

export const BATCH_MS = 10
export const BATCH_BYTES = 16 * 1024
export const PIPE_BUF = 4096

export interface Flushable extends DestinationStream {
  flush?(cb?: (err?: Error | null) => void): void
  flushSync?(): void
}

export class BatchedDestination implements DestinationStream {
  private pending = ''
  private timer: NodeJS.Timeout | undefined
  private readonly drain = (): void => {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.pending.length === 0) return
    const text = this.pending
    this.pending = ''
    this.target.write(text)
  }

  constructor(
    private readonly target: Flushable,
    private readonly batchMs = BATCH_MS,
    private readonly batchBytes = BATCH_BYTES,
  ) {}

  write(line: string): void {
    if (this.pending.length > 0 && this.pending.length + line.length > this.batchBytes) this.drain()
    // V8 joins strings as ropes: appending is cheap, the write flattens them once.
    this.pending += line
    if (this.pending.length >= this.batchBytes) this.drain()
    else if (this.timer === undefined) {
      this.timer = setTimeout(this.drain, this.batchMs)
      this.timer.unref()
    }
  }

  flush(cb?: (err?: Error | null) => void): void {
    this.drain()
    if (this.target.flush !== undefined) this.target.flush(cb)
    else cb?.()
  }

  /** For process exit: what is pending goes out synchronously. */
  flushSync(): void {
    this.drain()
    this.target.flushSync?.()
  }
}
