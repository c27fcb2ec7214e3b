// pino, JSON lines. Secrets never reach a log: whatever a handler logs, these paths are censored, and the
// access line is built from chosen fields only (no headers, no query string).
import pino, { type DestinationStream, type Logger } from 'pino'
import { BATCH_BYTES, BatchedDestination } from './batched-destination.js'

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
  'password',
  'apiToken',
  'token',
  'secret',
  '*.password',
  '*.apiToken',
  '*.token',
  '*.secret',
]

export interface LoggerOptions {
  readonly level: string
  /** Where lines go; default is stdout, written asynchronously so logging never blocks a request. */
  readonly destination?: DestinationStream
}

/** stdout, written asynchronously in batches; what is pending is written at exit. */
function stdoutDestination(): DestinationStream {
  const batched = new BatchedDestination(pino.destination({ dest: 1, sync: false, maxWrite: BATCH_BYTES }))
  process.once('exit', () => batched.flushSync())
  return batched
}

/** pino's `time` field (ISO 8601), formatted once per millisecond: under load many lines share one. */
export function cachedIsoTime(): () => string {
  let ms = -1
  let field = ''
  return () => {
    const now = Date.now()
    if (now !== ms) {
      ms = now
      field = `,"time":"${new Date(now).toISOString()}"`
    }
    return field
  }
}

function lineOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    timestamp: cachedIsoTime(),
    formatters: { level: (label) => ({ level: label }) },
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? stdoutDestination()
  return pino({ ...lineOptions(options.level), redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination)
}

/**
 * The logger for access lines: the same destination, level and line format as `logger`, without redaction.
 * An access line is built from chosen fields only (src/http/access-log.ts), none of them a secret, so the
 * redaction pass found nothing to censor there; it was about 5% of restgate's CPU when forwarding.
 */
export function createAccessLogger(logger: Logger): Logger {
  const destination = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!
  return pino(lineOptions(logger.level), destination)
}

/** The audit stream: token, session, lockout, snapshot and config events, filterable by `audit: true`. */
export function auditLogger(logger: Logger): Logger {
  return logger.child({ audit: true })
}
