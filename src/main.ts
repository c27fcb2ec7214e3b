// Starting and stopping a restgate: the only place (with cli.ts) that opens sockets. Used by the CLI and
// by tests, which run several instances side by side in one process. Each step is built in boot/; what a
// step opens is closed by one stack, last opened first, at shutdown or when a later step fails.
import { buildApp } from './app.js'
import { buildAdminApp } from './admin/server.js'
import { setupFeatures } from './boot/features.js'
import { prepareMaterial } from './boot/material.js'
import { createResources } from './boot/resources.js'
import type { Running, StartOptions } from './boot/start-options.js'
import { drain, listenUrl, liveSettings, readinessChecks, watchPolicy, type Servers } from './boot/serve.js'
import { openUpstreams } from './boot/upstreams.js'
import { systemClock } from './clock.js'
import { loadConfigFile } from './config/load.js'
import { ConfigError } from './config/problems.js'
import { createLogger } from './observability/logger.js'
import { createMetrics } from './observability/metrics.js'
import { createReloader, type ReloadResult } from './reload/reloader.js'
import { createRuntimeHolder } from './reload/runtime.js'
import { createStore } from './store/create.js'
import { createTunnels } from './proxy/tunnels.js'

export type { ReloadResult } from './reload/reloader.js'
export { ConfigError } from './config/problems.js'
export type { Running, StartOptions } from './boot/start-options.js'

export async function start(options: StartOptions): Promise<Running> {
  const clock = options.clock ?? systemClock
  const loaded = await loadConfigFile(options.configPath, { env: options.env })
  if (!loaded.ok) throw new ConfigError(loaded.problems)
  const { config, text } = loaded
  const logger = createLogger({ level: config.logging.level, destination: options.logDestination })
  const metrics = createMetrics()
  const runtime = createRuntimeHolder(config, text, clock.now())
  const lifecycle = { closing: false }
  const material = await prepareMaterial(config, clock, logger)
  const servers: Servers = {}
  const { configPath, env } = options
  const { prepare, precheck, fingerprint: initialFingerprint } = material
  const reloader = createReloader({ configPath, env, runtime, logger, metrics, clock, prepare, precheck, initialFingerprint, apply: liveSettings(logger, servers) })
  const reload = (trigger: string): Promise<ReloadResult> => reloader.reload(trigger)
  const resources = createResources()
  try {
    const { products, upstreams, directory } = openUpstreams(config, material, clock, logger, resources)
    // Opened before anything listens, closed after the last request.
    const store = await createStore(config.store, { logger, metrics })
    resources.defer(() => store.close())
    const { authenticators } = options
    const features = await setupFeatures({ configPath, runtime, store, clock, logger, metrics, upstreams, directory, material, reloader, authenticators }, resources)
    const checks = readinessChecks(runtime, store, features.snapshots.policyReadOnly)
    // The admin listener is built first and so closed last: /metrics and /readyz answer while the proxy drains.
    const admin = config.server.admin.enabled && options.worker !== true ? await buildAdminApp({ logger, metrics, checks }) : undefined
    if (admin !== undefined) resources.defer(() => admin.close())
    const appProducts = products.map((p) => ({ name: p.name, upstream: upstreams.get(p.name)! }))
    const tunnels = createTunnels({ store, now: () => clock.now() })
    resources.defer(() => tunnels.close())
    const app = await buildApp({ runtime, logger, metrics, clock, products: appProducts, signer: material.signer, oauth: material.oauth, lifecycle, directory, tunnels, ...features.app })
    resources.defer(() => drain(app, runtime, logger, tunnels))
    servers.app = app
    await app.listen({ host: options.host ?? config.server.host, port: options.port ?? config.server.port })
    const url = listenUrl(app, config.server.tls !== undefined)
    await admin?.listen({ host: options.host ?? config.server.admin.host, port: options.adminPort ?? config.server.admin.port })
    servers.admin = admin
    const adminUrl = admin === undefined ? undefined : listenUrl(admin, false)
    const upstreamUrls = products.map((p) => `${p.origin}${p.contextPath}`)
    logger.info({ url, adminUrl, upstream: upstreamUrls.length === 1 ? upstreamUrls[0] : upstreamUrls }, options.worker === true ? 'worker listening' : 'restgate listening')
    const watcher = watchPolicy(configPath, options.watch, logger, reload)
    resources.defer(() => {
      watcher?.close()
      return reloader.idle() // a reload under way finishes before the servers close
    })
    const { tokens, sessions, lockout, snapshots } = features
    let closing: Promise<void> | undefined
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        lifecycle.closing = true
        await resources.close()
        logger.info('restgate stopped')
        logger.flush()
      })())
    return { app, admin, url, adminUrl, runtime, logger, metrics, upstreams, store, tokens, sessions, lockout, snapshots, checks, reload, close }
  } catch (err) {
    await resources.close().catch((closeErr: Error) => logger.warn({ err: closeErr.message }, 'closing after a failed start failed'))
    throw err
  }
}
