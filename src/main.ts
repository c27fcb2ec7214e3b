// Starting and stopping a restgate: the only place (with cli.ts) that opens sockets. Used by the CLI and
// by tests, which run several instances side by side in one process.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream, Logger } from 'pino'
import { buildApp, type AppDeps, type Lifecycle } from './app.js'
import { buildAdminApp } from './admin/server.js'
import { loadConfigFile } from './config/load.js'
import { formatProblem, type Problem } from './config/problems.js'
import { createRuntime, createRuntimeHolder, type RuntimeHolder } from './config/runtime.js'
import type { Config } from './config/schema.js'
import { systemClock, type Clock } from './clock.js'
import { createLogger } from './observability/logger.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { createUpstream, type Upstream } from './proxy/upstream.js'
import { createSigner } from './proxy/identity.js'
import type { Authenticator } from './auth/types.js'
import { prepareKerberos, type KerberosHolder } from './kerberos/setup.js'
import { createReplayGuard } from './kerberos/replay-guard.js'
import { createSpnegoAuthenticator } from './auth/spnego.js'
import { createStaticDirectory } from './directory/static.js'
import { createStore } from './store/create.js'
import type { Store } from './store/types.js'
import { setupTokens, type TokenSetup } from './tokens/setup.js'
import { setupTokenPage, type TokenPageSetup } from './tokenpage/setup.js'

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
  /** Replaces the authenticator chain built from the policy (tests that need a stand-in identity). */
  readonly authenticators?: readonly Authenticator[]
}

export interface ReloadResult {
  readonly applied: boolean
  readonly problems: readonly Problem[]
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

  // ── Kerberos (SPNEGO) ──────────────────────────────────────────────────────────────────────────────
  // The keytab, its service key, the replay cache directory and the native module are checked before
  // anything listens; libkrb5 gets KRB5_KTNAME and KRB5RCACHEDIR from the policy here (process.env is the
  // environment the C library reads). A reload prepares again before the new policy goes into force.
  const kerberos: KerberosHolder = { current: undefined }
  const preparedKerberos = await prepareKerberos(config, { env: process.env, createReplayCacheDir: true })
  if (!preparedKerberos.ok) throw new ConfigError(preparedKerberos.problems)
  kerberos.current = preparedKerberos.state
  if (kerberos.current !== undefined) {
    const { keytab, principals, servicePrincipal, replayCacheDir } = kerberos.current
    logger.info({ keytab, principals, servicePrincipal: servicePrincipal || '(any key in the keytab)', replayCacheDir }, 'Kerberos ready')
  }
  // ────────────────────────────────────────────────────────────────────────────────────────────────────

  const upstream: Upstream = createUpstream(config.upstream)
  const signer = config.identity.signing === undefined ? undefined : createSigner(config.identity.signing.keyFile, clock)

  // --- Store and API tokens ---------------------------------------------------------------------------
  // The store is opened before anything listens and closed after the last request; tokens add the proxy's
  // token authenticator, the management API's Jira-password one and the `apitokens` API family.
  const store = await createStore(config.store, { logger })
  const directory = createStaticDirectory()
  let tokens: TokenSetup
  try {
    tokens = await setupTokens({ runtime, store, clock, directory, metrics, logger, upstream })
  } catch (err) {
    await store.close()
    await upstream.close()
    throw err
  }
  const releaseStore = async (): Promise<void> => {
    await tokens.close()
    await store.close()
  }
  // ── Kerberos replay refusal across instances ──────────────────────────────────────────────────────
  // MIT's replay cache is a file on one host. With the Redis store (several instances), each accepted
  // authenticator is also claimed in Redis, so a header captured in front of one instance is refused by
  // every other; a store that cannot answer refuses the handshake (503). The embedded store serves one
  // host, where the file replay cache already covers it.
  const spnego = createSpnegoAuthenticator({
    kerberos,
    metrics,
    replayGuard: config.store.type === 'redis' ? createReplayGuard(store) : undefined,
  })
  // ────────────────────────────────────────────────────────────────────────────────────────────────────

  // The proxy chain, first match wins: API token, Kerberos (sessions will come first). The management API
  // and the token page put the page's session cookie before them and the Jira-password identity after.
  const authenticators = options.authenticators ?? [tokens.authenticator, spnego]
  const apiFamilies = [tokens.apiFamily]
  // -----------------------------------------------------------------------------------------------------

  // --- Token page ----------------------------------------------------------------------------------------
  // The page scope, and the session cookie (CSRF-checked on changes) first in the management API's chain.
  // Sessions: the page's minimal stand-in until the sessions feature passes its service as `sessions`.
  let page: TokenPageSetup
  try {
    page = setupTokenPage({ runtime, store, clock, directory, tokens })
  } catch (err) {
    await releaseStore()
    await upstream.close()
    throw err
  }
  const apiAuthenticators =
    options.authenticators === undefined
      ? [page.sessionAuthenticator, tokens.authenticator, spnego, tokens.jiraPassword]
      : undefined
  const pageScope = page.scope(apiAuthenticators ?? [page.sessionAuthenticator, ...authenticators])
  const localScopes = pageScope === undefined ? [] : [pageScope]
  // -----------------------------------------------------------------------------------------------------

  const deps: AppDeps = {
    runtime, logger, metrics, clock, upstream, signer, lifecycle, authenticators, apiAuthenticators, apiFamilies, directory,
    localScopes,
  }
  const app = await buildApp(deps)
  try {
    await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port })
  } catch (err) {
    await app.close()
    await releaseStore()
    await upstream.close()
    throw err
  }
  const url = listenUrl(app, config.server.tls !== undefined)

  let admin: FastifyInstance | undefined
  let adminUrl: string | undefined
  if (config.server.admin.enabled) {
    admin = await buildAdminApp({
      logger,
      metrics,
      checks: {
        config: async () => (runtime.stale === null ? 'ok' : `stale: ${runtime.stale}`),
        store: async () => {
          await store.ping()
          return 'ok'
        },
      },
    })
    await admin.listen({ host: options.host ?? config.server.admin.host, port: options.adminPort ?? config.server.admin.port })
    adminUrl = listenUrl(admin, false)
  }
  logger.info({ url, adminUrl, upstream: upstream.origin }, 'restgate listening')

  async function reload(trigger: string): Promise<ReloadResult> {
    const refuse = (problems: readonly Problem[]): ReloadResult => {
      runtime.stale = problems.map(formatProblem).join('; ')
      metrics.configReloads.inc({ result: 'failed' })
      metrics.configReloadFailures.inc()
      logger.error({ trigger, problems: problems.map(formatProblem) }, 'policy reload refused: keeping the policy in force')
      return { applied: false, problems }
    }
    const next = await loadConfigFile(options.configPath, { env: options.env })
    if (!next.ok) return refuse(next.problems)
    const nextKerberos = await prepareKerberos(next.config, { env: process.env, createReplayCacheDir: true })
    if (!nextKerberos.ok) return refuse(nextKerberos.problems)
    runtime.current = createRuntime(next.config, next.text, runtime.current.generation + 1, clock.now())
    kerberos.current = nextKerberos.state
    runtime.stale = null
    metrics.configReloads.inc({ result: 'applied' })
    logger.info({ trigger, generation: runtime.current.generation }, 'policy reloaded')
    return { applied: true, problems: [] }
  }

  let closing: Promise<void> | undefined
  async function close(): Promise<void> {
    closing ??= (async () => {
      lifecycle.closing = true
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
      logger.info('restgate stopped')
      logger.flush()
    })()
    return closing
  }

  return { app, admin, url, adminUrl, runtime, logger, metrics, store, tokens, reload, close }
}
