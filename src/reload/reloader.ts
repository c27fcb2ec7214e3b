// Hot reload: read the policy file, validate all of it, and only then swap it in with one assignment.
// A file that does not validate changes nothing (the policy in force stays, /readyz says why); restart-only
// keys keep their start-up values and are reported; reloads never overlap (a file save and a SIGHUP at
// the same moment give one reload after the other, and triggers that arrive while one waits share it).
import { readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { Metrics } from '../observability/metrics.js'
import { auditLogger } from '../observability/logger.js'
import { parseConfig } from '../config/load.js'
import { formatProblem, type Problem } from '../config/problems.js'
import { createRuntime, type Runtime, type RuntimeHolder } from './runtime.js'
import { ConfigSchema, type Config } from '../config/schema.js'
import { changedPaths } from '../config/diff.js'
import { changedRestartKeys, keepRestartKeys, restartKeyPaths } from '../config/restart-keys.js'
import { formChanged } from '../config/products.js'
import type { PrepareOutcome } from '../config/prepare.js'

export type ReloadOutcome = 'applied' | 'unchanged' | 'failed'

export interface ReloadResult {
  readonly result: ReloadOutcome
  /** True when a new policy was put in force. */
  readonly applied: boolean
  readonly problems: readonly Problem[]
  /** Leaf key paths whose new values are in force now. */
  readonly changed: readonly string[]
  /** Restart-only key paths the file changed, not applied until restart. */
  readonly restartPending: readonly string[]
  /** From starting to read the file to the policy in force (or refused). */
  readonly ms: number
}

export interface ReloaderOptions {
  readonly configPath: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly runtime: RuntimeHolder
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: Clock
  /** Loads what the policy names (the signing key, Kerberos); problems refuse the reload. Nothing it
   *  loads is used before commit(). */
  readonly prepare?: (config: Config) => PrepareOutcome | Promise<PrepareOutcome>
  /** Checks without side effects, for check() (whether a snapshot could be restored). */
  readonly precheck?: (config: Config) => readonly Problem[]
  /** Fingerprint of what prepare() loaded at start-up. */
  readonly initialFingerprint?: string
  /** Applies what cannot be read per request (log level, server timeouts), after the swap. */
  readonly apply?: (next: Runtime, previous: Runtime) => void
}

export interface Reloader {
  reload(trigger: string): Promise<ReloadResult>
  /** The problems a reload of `text` would meet that can be found without side effects (validation, the
   *  files it names, precheck): what decides whether a snapshot is restorable. */
  check(text: string): readonly Problem[]
  /** Resolves once no reload is running or waiting. */
  idle(): Promise<void>
}

const elapsedMs = (start: bigint): number => Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100

export function createReloader(options: ReloaderOptions): Reloader {
  const { runtime, metrics, logger } = options
  const audit = auditLogger(logger)
  const restartPaths = restartKeyPaths(ConfigSchema)
  let fingerprint = options.initialFingerprint ?? 'none'

  // The policy in force at start-up was a successful load.
  metrics.configLastReloadSuccess.set(runtime.current.loadedAt / 1000)
  metrics.configLastReloadSuccessful.set(1)

  function succeeded(): void {
    metrics.configLastReloadSuccess.set(options.clock.now() / 1000)
    metrics.configLastReloadSuccessful.set(1)
  }

  function refuse(trigger: string, problems: readonly Problem[], start: bigint): ReloadResult {
    const lines = problems.map(formatProblem)
    runtime.stale = lines.join('; ')
    metrics.configReloads.inc({ result: 'failed' })
    metrics.configReloadFailures.inc()
    metrics.configLastReloadSuccessful.set(0)
    const ms = elapsedMs(start)
    audit.error({ trigger, problems: lines, ms }, 'policy reload refused: keeping the policy in force')
    return { result: 'failed', applied: false, problems, changed: [], restartPending: [], ms }
  }

  function check(text: string): readonly Problem[] {
    const loaded = parseConfig(text, { env: options.env })
    if (!loaded.ok) return loaded.problems
    return options.precheck?.(loaded.config) ?? []
  }

  async function run(trigger: string): Promise<ReloadResult> {
    const start = process.hrtime.bigint()
    let text: string
    try {
      text = await readFile(options.configPath, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err)
      return refuse(trigger, [{ path: '', message: `cannot read ${options.configPath} (${code})` }], start)
    }
    const loaded = parseConfig(text, { env: options.env })
    if (!loaded.ok) return refuse(trigger, loaded.problems, start)
    // Reloads never overlap, so this stays the policy in force until the swap below.
    const previous = runtime.current
    if (formChanged(previous.config, loaded.config)) {
      const path = loaded.config.products === undefined ? 'upstream' : 'products'
      return refuse(trigger, [{ path, message: 'moving between upstream and products needs a restart: restart restgate to apply this file' }], start)
    }
    // Prepared is what will be in force: restart-only keys (kerberos.replayCacheDir) keep their values.
    const prepared = (await options.prepare?.(keepRestartKeys(loaded.config, previous.config, restartPaths))) ?? {
      fingerprint: 'none',
      commit: () => undefined,
    }
    if ('problems' in prepared) return refuse(trigger, prepared.problems, start)

    if (text === previous.text && prepared.fingerprint === fingerprint) {
      metrics.configReloads.inc({ result: 'unchanged' })
      succeeded()
      const ms = elapsedMs(start)
      if (runtime.stale !== null) {
        runtime.stale = null
        audit.info({ trigger, ms }, 'policy file matches the policy in force again')
      } else {
        logger.debug({ trigger, ms }, 'policy file unchanged')
      }
      return { result: 'unchanged', applied: false, problems: [], changed: [], restartPending: previous.restartPending, ms }
    }

    const restartPending = changedRestartKeys(previous.config, loaded.config, restartPaths)
    const config = keepRestartKeys(loaded.config, previous.config, restartPaths)
    const changed = changedPaths(previous.config, config)
    // Compiling can still throw on something the schema let through: that too keeps the old policy.
    let next: Runtime
    try {
      next = createRuntime(config, text, previous.generation + 1, options.clock.now(), restartPending)
    } catch (err) {
      return refuse(trigger, [{ path: '', message: `cannot compile the policy: ${(err as Error).message}` }], start)
    }

    // From here on nothing awaits: no request can start between these lines and see half a reload.
    prepared.commit()
    fingerprint = prepared.fingerprint
    runtime.current = next
    runtime.stale = null
    try {
      options.apply?.(next, previous)
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'policy reloaded, but applying a live setting failed')
    }
    metrics.configReloads.inc({ result: 'applied' })
    succeeded()
    const ms = elapsedMs(start)
    audit.info({ trigger, generation: next.generation, changed, restartPending, ms }, 'policy reloaded')
    for (const key of restartPending) {
      audit.warn({ key, trigger }, `policy key ${key} changed but is not applied until restart`)
    }
    return { result: 'applied', applied: true, problems: [], changed, restartPending, ms }
  }

  // One reload at a time; triggers that arrive while one is waiting to start join it.
  let chain: Promise<unknown> = Promise.resolve()
  let waiting: { promise: Promise<ReloadResult>; triggers: string[] } | undefined

  return {
    reload(trigger) {
      if (waiting !== undefined) {
        if (!waiting.triggers.includes(trigger)) waiting.triggers.push(trigger)
        return waiting.promise
      }
      const triggers = [trigger]
      const promise = chain.then(() => {
        waiting = undefined
        return run(triggers.join(', '))
      })
      waiting = { promise, triggers }
      chain = promise.catch(() => undefined)
      return promise
    },
    idle: () => chain.then(() => undefined),
    check,
  }
}
