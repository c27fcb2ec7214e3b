// Captures restgate's JSON log lines in memory so tests can assert on what was (and was not) logged.
import { Writable } from 'node:stream'

export interface LogSink {
  readonly stream: Writable
  readonly lines: Array<Record<string, unknown>>
  /** Raw text of everything logged. */
  text(): string
  /** Resolves with the first line (already logged or still to come) that matches. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
}

export function createLogSink(): LogSink {
  const lines: Array<Record<string, unknown>> = []
  let raw = ''
  const waiters: Array<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk.toString('utf8')
      raw += text
      for (const part of text.split('\n')) {
        if (part.trim().length === 0) continue
        const line = JSON.parse(part) as Record<string, unknown>
        lines.push(line)
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.match(line)) {
            waiters[i]!.resolve(line)
            waiters.splice(i, 1)
          }
        }
      }
      cb()
    },
  })
  return {
    stream,
    lines,
    text: () => raw,
    waitFor(match, timeoutMs = 5000) {
      const found = lines.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('log line not seen in time')), timeoutMs)
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer)
            resolve(l)
          },
        })
      })
    },
  }
}
