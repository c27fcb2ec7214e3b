// The servers of a running restgate: where they listen, what /readyz asks, what a reload changes on them,
// how the proxy drains on shutdown, and the policy file watcher.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { ReadinessCheck } from '../admin/server.js'
import { applyServerLimits } from '../app.js'
import { DEFAULT_DEBOUNCE_MS, watchPolicyFile, type PolicyWatcher } from '../config/watch.js'
import type { ReloaderOptions } from '../reload/reloader.js'
import type { RuntimeHolder } from '../reload/runtime.js'
import type { Store } from '../store/types.js'
import type { Tunnels } from '../proxy/tunnels.js'

export function listenUrl(app: FastifyInstance, tls: boolean): string {
  const addr = app.server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}`
}

/**
 * The admin listener's /readyz: the policy in force is the file's, the store answers, and whether the
 * policy file can be replaced by a snapshot restore (`policyReadOnly`, found at start: reported, not a
 * reason to be unready, since a read-only policy is a sound way to deploy).
 */
export function readinessChecks(runtime: RuntimeHolder, store: Pick<Store, 'ping'>, policyReadOnly?: string): Record<string, ReadinessCheck> {
  return {
    policyFile: async () => (policyReadOnly === undefined ? 'ok' : `read-only: ${policyReadOnly}; snapshot restores are refused`),
    config: async () => {
      if (runtime.stale !== null) return `stale: ${runtime.stale}`
      const pending = runtime.current.restartPending
      return pending.length === 0 ? 'ok' : `stale: restart needed for ${pending.join(', ')}`
    },
    store: async () => {
      await store.ping()
      return 'ok'
    },
  }
}

export interface Servers {
  app?: FastifyInstance
  admin?: FastifyInstance
}

/**
 * What is read once rather than per request, applied right after a reload's swap: the log level and the
 * proxy listener's timeouts and connection limit. `servers` is filled in as they are built (a reload can only run after start-up).
 */
export function liveSettings(logger: Logger, servers: Servers): NonNullable<ReloaderOptions['apply']> {
  return (next, previous) => {
    const level = next.config.logging.level
    if (level !== previous.config.logging.level) {
      logger.level = level
      if (servers.app !== undefined) servers.app.log.level = level
      if (servers.admin !== undefined) servers.admin.log.level = level
    }
    if (servers.app !== undefined) applyServerLimits(servers.app, next.policy)
  }
}

/**
 * Stops accepting, lets in-flight requests and open WebSockets finish (bounded by server.drainTimeout),
 * then closes what is left: an upgraded socket is no longer the HTTP server's, so the tunnels close theirs.
 */
export async function drain(app: FastifyInstance, runtime: RuntimeHolder, logger: Logger, tunnels?: Tunnels): Promise<void> {
  const drainMs = runtime.current.policy.durations.drainTimeoutMs
  const force = setTimeout(() => {
    logger.warn({ drainMs, websockets: tunnels?.size ?? 0 }, 'drain timeout: closing the remaining connections')
    app.server.closeAllConnections()
    tunnels?.closeAll('shutting down')
  }, drainMs)
  force.unref()
  await app.close()
  clearTimeout(force)
}

/** Reloads when the policy file changes (`watch` true by default; `{ debounceMs }` sets the quiet period). */
export function watchPolicy(
  path: string,
  watch: boolean | { readonly debounceMs: number } | undefined,
  logger: Logger,
  reload: (trigger: string) => unknown,
): PolicyWatcher | undefined {
  if (watch === false) return undefined
  const debounceMs = watch === undefined || watch === true ? DEFAULT_DEBOUNCE_MS : watch.debounceMs
  return watchPolicyFile(path, { debounceMs, logger, onChange: () => void reload('file change') })
}
