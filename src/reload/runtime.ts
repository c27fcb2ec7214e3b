// The policy in force. A reload swaps `current` in one assignment; each request keeps the Runtime it
// started with, so a request in flight finishes under the policy it began with.
import type { Config } from '../config/schema.js'
import { compilePolicy, type Policy } from '../policy/compile.js'

export interface Runtime {
  readonly config: Config
  readonly policy: Policy
  /** The file text this policy came from (snapshots save it). */
  readonly text: string
  /** 1 at boot, +1 for every applied reload. */
  readonly generation: number
  readonly loadedAt: number
  /** Restart-only keys (dotted paths) the file changed but that keep their start-up values until a restart. */
  readonly restartPending: readonly string[]
}

export interface RuntimeHolder {
  current: Runtime
  /** Why the file on disk is not the policy in force (a reload was refused), or null. */
  stale: string | null
}

export function createRuntime(
  config: Config,
  text: string,
  generation: number,
  now: number,
  restartPending: readonly string[] = [],
): Runtime {
  return Object.freeze({
    config,
    policy: compilePolicy(config),
    text,
    generation,
    loadedAt: now,
    restartPending: Object.freeze([...restartPending]),
  })
}

export function createRuntimeHolder(config: Config, text: string, now: number): RuntimeHolder {
  return { current: createRuntime(config, text, 1, now), stale: null }
}
