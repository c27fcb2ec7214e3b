// Fastify gives every request a child logger bound to its request id. A pino child serialises its
// bindings and runs the redaction paths over them when it is made: in the forwarding profile that was
// about 3% of restgate's CPU, for a logger most requests never write to (the access line has its own
// writer). This child makes the pino child the first time a line is written through it, with the same
// bindings and options, so every line it writes is the line the eager child would have written.
import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString } from 'pino'

// pino's LogFn overloads, as one rest list: every call is handed on unchanged.
type LogArgs = any[]

type Parent = Pick<FastifyBaseLogger, 'child' | 'level'>

export class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined

  constructor(
    private readonly parent: Parent,
    private readonly childBindings: Bindings,
    private readonly options: ChildLoggerOptions | undefined,
  ) {}

  private get real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.childBindings, this.options))
  }

  /** The parent's level until the child exists: a pino child starts at its parent's level. */
  get level(): LevelWithSilentOrString {
    return this.made === undefined ? this.parent.level : this.made.level
  }

  set level(level: LevelWithSilentOrString) {
    this.real.level = level
  }

  // Methods on the prototype, not arrow fields: one small object per request, no closures.
  fatal(...args: LogArgs): void {
    this.write('fatal', args)
  }
  error(...args: LogArgs): void {
    this.write('error', args)
  }
  warn(...args: LogArgs): void {
    this.write('warn', args)
  }
  info(...args: LogArgs): void {
    this.write('info', args)
  }
  debug(...args: LogArgs): void {
    this.write('debug', args)
  }
  trace(...args: LogArgs): void {
    this.write('trace', args)
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options)
  }

  private write(level: Level, args: LogArgs): void {
    const real = this.real
    ;(real[level] as (...a: LogArgs) => void).apply(real, args)
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options)
}
