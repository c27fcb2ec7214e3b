// Starting and stopping a restgate: the only place (with cli.ts) that opens sockets. Used by the CLI and
// by tests, which run several instances side by side in one process.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import { buildApp, type AppDeps, type Lifecycle } from './app.js'
import { buildAdminApp, type ReadinessCheck } from './admin/server.js'
import { loadConfigFile } from './config/load.js'
import { formatProblem, type Problem } from './config/problems.js'
import { createRuntimeHolder, type RuntimeHolder } from './config/runtime.js'
import { createReloader, type ReloadResult } from './config/reloader.js'
import { DEFAULT_DEBOUNCE_MS, watchPolicyFile, type PolicyWatcher } from './config/watch.js'
import type { Config } from './config/schema.js'
import { systemClock, type Clock } from './clock.js'
import { createLogger } from './observability/logger.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { createUpstream, type Upstream } from './proxy/upstream.js'
import { createSignerBox } from './proxy/signer-box.js'
import { createOAuthBox } from './upstream/oauth-box.js'
import type { Authenticator } from './auth/types.js'
import { createUpstreamDirectory } from './directory/upstream.js'
import { createPolicyDirectory } from './directory/policy-directory.js'
import type { KerberosHolder } from './kerberos/setup.js'
import { createReplayGuard } from './kerberos/replay-guard.js'
import { createSpnegoAuthenticator } from './auth/spnego.js'
import { createPolicyMaterial } from './config/material.js'
import { createStore } from './store/create.js'
import type { Store } from './store/types.js'
import { setupTokens, type TokenSetup } from './tokens/setup.js'
import { setupTokenPage, type TokenPageSetup } from './tokenpage/setup.js'
import { createLockoutService, type LockoutService } from './lockout/service.js'
import { setupSessions, type SessionSetup } from './sessions/setup.js'
import { LOCKOUT_FAMILY, LOCKOUT_VERSION, lockoutRoutes } from './api/lockout.js'
import { setupSnapshots, type SnapshotSetup } from './snapshots/setup.js'

export type { ReloadResult } from './config/reloader.js'

/** Connections of the directory's own pool to the upstream (group lookups, not proxied traffic). */
const DIRECTORY_CONNECTIONS = 4

export interface StartOptions {
  readonly configPath: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly clock?: Clock
  /** Log destination; stdout (asynchronous) by default. */
  readonly logDestination?: DestinationStream
  /** Listen overrides, for tests that need free ports (0). */
  readonly port?: number
  readonly adminPort?: number
  readonly host?: string
  /**
   * A cluster worker (server.workers > 1): the primary serves the admin listener, so none here, and the
   * "listening" line is the primary's to write once every worker is up.
   */
  readonly worker?: boolean
  /** Replaces the authenticator chain built from the policy (tests that need a stand-in identity). */
  readonly authenticators?: readonly Authenticator[]
  /** Reload when the policy file changes (default on); `{ debounceMs }` sets the quiet period. */
  readonly watch?: boolean | { readonly debounceMs: number }
}

export interface Running {
  readonly app: FastifyInstance
  readonly admin: FastifyInstance | undefined
  readonly url: string
  readonly adminUrl: string | undefined
  readonly runtime: RuntimeHolder
  readonly logger: Logger
  readonly metrics: Metrics
  readonly store: Store
  readonly tokens: TokenSetup
  readonly sessions: SessionSetup
  readonly lockout: LockoutService
  readonly snapshots: SnapshotSetup
  /** Readiness checks (the admin listener's /readyz), by name. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>
  reload(trigger: string): Promise<ReloadResult>
  /** Stops accepting, lets in-flight requests finish (bounded by server.drainTimeout), closes everything. */
  close(): Promise<void>
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(`invalid policy:\n${problems.map((p) => '  ' + formatProblem(p)).join('\n')}`)
    this.name = 'ConfigError'
  }
}

function listenUrl(app: FastifyInstance, tls: boolean): string {
  const addr = app.server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return `${tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}`
}

export async function start(options: StartOptions): Promise<Running> {
  const clock = options.clock ?? systemClock
  const loaded = await loadConfigFile(options.configPath, { env: options.env })
  if (!loaded.ok) throw new ConfigError(loaded.problems)
  const config: Config = loaded.config

  const logger = createLogger({ level: config.logging.level, destination: options.logDestination })
  const metrics = createMetrics()
  const runtime = createRuntimeHolder(config, loaded.text, clock.now())
  const lifecycle: Lifecycle = { closing: false }

  // ── Kerberos (SPNEGO), the signing key and the OAuth key ──────────────────────────────────────────
  // The keytab, its service key, the replay cache directory and the native module are checked before
  // anything listens; libkrb5 gets KRB5_KTNAME and KRB5RCACHEDIR from the policy here (process.env is the
  // environment the C library reads). The signing and OAuth keys are read too. A reload prepares them all
  // again before the new policy goes into force (config/material.ts), so a key or keytab is rotated with SIGHUP.
  const kerberos: KerberosHolder = { current: undefined }
  const signer = createSignerBox(clock)
  const oauth = createOAuthBox(clock)
  const material = createPolicyMaterial(signer, oauth, kerberos)
  const boot = await material.prepare(config)
  if ('problems' in boot) throw new ConfigError(boot.problems)
  boot.commit()
  if (kerberos.current !== undefined) {
    const { keytab, principals, servicePrincipal, replayCacheDir } = kerberos.current
    logger.info({ keytab, principals, servicePrincipal: servicePrincipal || '(any key in the keytab)', replayCacheDir }, 'Kerberos ready')
  }
  // ────────────────────────────────────────────────────────────────────────────────────────────────────

  const upstream: Upstream = createUpstream(config.upstream)
  const directoryClient: Upstream = createUpstream({ ...config.upstream, connections: DIRECTORY_CONNECTIONS })
  const directory = createPolicyDirectory(createUpstreamDirectory({ client: directoryClient, clock, logger, signer, oauth }))

  // --- Store and API tokens ---------------------------------------------------------------------------
  // The store is opened before anything listens and closed after the last request; tokens add the proxy's
  // token authenticator, the management API's Jira-password one and the `apitokens` API family.
  // The directory is the policy's (static or Jira's groups), chosen per request, so tokens see reloads.
  let store: Store
  try {
    store = await createStore(config.store, { logger })
  } catch (err) {
    await directoryClient.close()
    await upstream.close()
    throw err
  }
  const lockout = createLockoutService({ store, clock, logger })
  let tokens: TokenSetup
  try {
    tokens = await setupTokens({ runtime, store, clock, directory, metrics, logger, upstream, lockout })
  } catch (err) {
    await store.close()
    await directoryClient.close()
    await upstream.close()
    throw err
  }
  // --- Sessions: the cookie first in the proxy chain, /rest/auth/1/session beside the proxy -----------
  const sessions = setupSessions({ runtime, store, clock, logger, hasher: tokens.service.hasher, tokens: tokens.authenticator, lockout })
  const releaseStore = async (): Promise<void> => {
    await sessions.close()
    await tokens.close()
    await store.close()
  }
  // ── Kerberos replay refusal across instances ──────────────────────────────────────────────────────
  // MIT's replay cache is a file on one host. With the Redis store (several instances), each accepted
  // authenticator is also claimed in Redis, so a header captured in front of one instance is refused by
  // every other; a store that cannot answer refuses the handshake (503). The embedded store serves one
  // host, where the file replay cache already covers it. With kerberos.sessions, a handshake also opens a
  // restgate session (its Set-Cookie goes on the response).
  const spnego = createSpnegoAuthenticator({
    kerberos,
    metrics,
    replayGuard: config.store.type === 'redis' ? createReplayGuard(store) : undefined,
    afterHandshake: sessions.afterHandshake,
  })
  // ────────────────────────────────────────────────────────────────────────────────────────────────────

  // The proxy chain, first match wins: session cookie, API token, Kerberos. The management API's chain
  // (session cookie with CSRF, tokens, Kerberos, a Jira password) is set with the token page below.
  const authenticators = options.authenticators ?? [sessions.authenticator, tokens.authenticator, spnego]
  // -----------------------------------------------------------------------------------------------------

  const reloader = createReloader({
    configPath: options.configPath,
    env: options.env,
    runtime,
    logger,
    metrics,
    clock,
    prepare: (next) => material.prepare(next),
    precheck: (next) => material.precheck(next),
    initialFingerprint: boot.fingerprint,
    // What is read once rather than per request, applied right after the swap (only after start-up:
    // `app` and `admin` exist by the time a reload can run).
    apply: (next, previous) => {
      const level = next.config.logging.level
      if (level !== previous.config.logging.level) {
        logger.level = level
        app.log.level = level
        if (admin !== undefined) admin.log.level = level
      }
      app.server.keepAliveTimeout = next.policy.durations.keepAliveTimeoutMs
      app.server.requestTimeout = next.policy.durations.requestTimeoutMs
    },
  })
  const reload = (trigger: string): Promise<ReloadResult> => reloader.reload(trigger)

  // --- Snapshots ------------------------------------------------------------------------------------------
  // The `snapshot` API family, and a backup of the policy when the store last saw another restgate version.
  let snapshots: SnapshotSetup
  try {
    snapshots = await setupSnapshots({ store, clock, runtime, logger, configPath: options.configPath, check: reloader.check, reload })
  } catch (err) {
    await releaseStore()
    await directoryClient.close()
    await upstream.close()
    throw err
  }
  const apiFamilies = [
    tokens.apiFamily,
    snapshots.apiFamily,
    [LOCKOUT_FAMILY, LOCKOUT_VERSION, lockoutRoutes({ lockout, clock })] as const,
  ]
  // -----------------------------------------------------------------------------------------------------

  // --- Token page ----------------------------------------------------------------------------------------
  // The page scope, and the session cookie (CSRF-checked on changes) first in the management API's chain.
  // The page logs people in with the sessions above and counts failed logins in the same lockout.
  let page: TokenPageSetup
  try {
    page = setupTokenPage({ runtime, directory, tokens, sessions: sessions.service, lockout })
  } catch (err) {
    await releaseStore()
    await directoryClient.close()
    await upstream.close()
    throw err
  }
  const apiAuthenticators =
    options.authenticators === undefined
      ? [page.sessionAuthenticator, tokens.authenticator, spnego, tokens.jiraPassword]
      : undefined
  const pageScope = page.scope(apiAuthenticators ?? [page.sessionAuthenticator, ...authenticators])
  const localScopes = pageScope === undefined ? [sessions.resource] : [sessions.resource, pageScope]
  // -----------------------------------------------------------------------------------------------------

  const deps: AppDeps = {
    runtime, logger, metrics, clock, upstream, signer, oauth, lifecycle, authenticators, apiAuthenticators, apiFamilies, directory,
    localScopes,
  }
  const app = await buildApp(deps)
  try {
    await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port })
  } catch (err) {
    await app.close()
    await releaseStore()
    await upstream.close()
    await directoryClient.close()
    throw err
  }
  const url = listenUrl(app, config.server.tls !== undefined)

  const checks: Record<string, ReadinessCheck> = {
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
  let admin: FastifyInstance | undefined
  let adminUrl: string | undefined
  if (config.server.admin.enabled && options.worker !== true) {
    admin = await buildAdminApp({ logger, metrics, checks })
    await admin.listen({ host: options.host ?? config.server.admin.host, port: options.adminPort ?? config.server.admin.port })
    adminUrl = listenUrl(admin, false)
  }
  logger.info({ url, adminUrl, upstream: upstream.origin }, options.worker === true ? 'worker listening' : 'restgate listening')

  const watchOption = options.watch ?? true
  const watcher: PolicyWatcher | undefined =
    watchOption === false
      ? undefined
      : watchPolicyFile(options.configPath, {
          debounceMs: watchOption === true ? DEFAULT_DEBOUNCE_MS : watchOption.debounceMs,
          logger,
          onChange: () => void reload('file change'),
        })

  let closing: Promise<void> | undefined
  async function close(): Promise<void> {
    closing ??= (async () => {
      lifecycle.closing = true
      watcher?.close()
      await reloader.idle()
      const drainMs = runtime.current.policy.durations.drainTimeoutMs
      const force = setTimeout(() => {
        logger.warn({ drainMs }, 'drain timeout: closing the remaining connections')
        app.server.closeAllConnections()
      }, drainMs)
      force.unref()
      await app.close()
      clearTimeout(force)
      await admin?.close()
      await releaseStore()
      await upstream.close()
      await directoryClient.close()
      logger.info('restgate stopped')
      logger.flush()
    })()
    return closing
  }

  return { app, admin, url, adminUrl, runtime, logger, metrics, store, tokens, sessions, lockout, snapshots, checks, reload, close }
}
