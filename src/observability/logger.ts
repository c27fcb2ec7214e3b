// pino, JSON lines. Secrets never reach a log: whatever a handler logs, these paths are censored, and the
// access line is built from chosen fields only (no headers, no query string).
import pino, { type DestinationStream, type Logger } from 'pino'
import { BatchedDestination } from './batched-destination.js'

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
  const batched = new BatchedDestination(pino.destination({ dest: 1, sync: false }))
  process.once('exit', () => batched.flushSync())
  return batched
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? stdoutDestination()
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  )
}

/** The audit stream: token, session, lockout, snapshot and config events, filterable by `audit: true`. */
export function auditLogger(logger: Logger): Logger {
  return logger.child({ audit: true })
}
