// The features a running restgate is made of, built in the order they need each other: lockout, API
// tokens, sessions, Kerberos, snapshots, the token page, the forward-auth endpoint; then the chains
// (boot/chains.ts) and what buildApp registers. Each feature that holds timers or caches registers its
// close on the stack.
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { AppDeps } from '../app.js'
import type { Authenticator } from '../auth/types.js'
import type { Directory } from '../directory/static.js'
import { createLockoutService, type LockoutService } from '../lockout/service.js'
import { LOCKOUT_FAMILY, LOCKOUT_VERSION, lockoutRoutes } from '../api/lockout.js'
import { forwardAuthScope } from '../forwardauth/plugin.js'
import type { Metrics } from '../observability/metrics.js'
import type { Reloader } from '../reload/reloader.js'
import type { RuntimeHolder } from '../reload/runtime.js'
import type { Store } from '../store/types.js'
import type { Upstream } from '../upstream/pool.js'
import { authChains } from './chains.js'
import { setupKerberos } from './kerberos.js'
import type { Material } from './material.js'
import type { Resources } from './resources.js'
import { setupSessions, type SessionSetup } from './sessions.js'
import { setupSnapshots, type SnapshotSetup } from './snapshots.js'
import { setupTokenPage } from './token-page.js'
import { setupTokens, type TokenSetup } from './tokens.js'

export interface FeatureDeps {
  readonly configPath: string
  readonly runtime: RuntimeHolder
  readonly store: Store
  readonly clock: Clock
  readonly logger: Logger
  readonly metrics: Metrics
  readonly upstreams: ReadonlyMap<string, Upstream>
  readonly directory: Directory
  readonly material: Material
  readonly reloader: Reloader
  /** A test's stand-in chain (StartOptions.authenticators). */
  readonly authenticators?: readonly Authenticator[]
}

export interface Features {
  readonly tokens: TokenSetup
  readonly sessions: SessionSetup
  readonly lockout: LockoutService
  readonly snapshots: SnapshotSetup
  /** What buildApp needs of them. */
  readonly app: Pick<AppDeps, 'authenticators' | 'apiAuthenticators' | 'apiFamilies' | 'localScopes'>
}

export async function setupFeatures(deps: FeatureDeps, resources: Resources): Promise<Features> {
  const { runtime, store, clock, logger, metrics, directory } = deps
  const lockout = createLockoutService({ store, clock, logger, metrics })
  const tokens = await setupTokens({ runtime, store, clock, directory, metrics, logger, upstreams: deps.upstreams, lockout })
  resources.defer(() => tokens.close())
  const sessions = setupSessions({ runtime, store, clock, logger, hasher: tokens.service.hasher, tokens: tokens.authenticator, lockout })
  resources.defer(() => sessions.close())
  const kerberos = setupKerberos({ config: runtime.current.config, kerberos: deps.material.kerberos, metrics, store, afterHandshake: sessions.afterHandshake })
  // The `snapshot` family, and a backup of the policy when the store last saw another restgate version.
  const snapshots = await setupSnapshots({
    store,
    clock,
    runtime,
    logger,
    configPath: deps.configPath,
    check: (text) => deps.reloader.check(text),
    reload: (trigger) => deps.reloader.reload(trigger),
  })
  // The page logs people in with the sessions above and counts failed logins in the same lockout.
  const page = setupTokenPage({ runtime, directory, tokens, sessions: sessions.service, lockout })
  const chains = authChains(
    { session: sessions.authenticator, pageSession: page.sessionAuthenticator, token: tokens.authenticator, kerberos, jiraPassword: tokens.jiraPassword },
    deps.authenticators,
  )
  const pageScope = page.scope(chains.page)
  // Beside a front proxy (forwardAuth.enabled): the proxy's own decision, answered instead of forwarded.
  const localScopes = [sessions.resource, ...(pageScope === undefined ? [] : [pageScope])]
  if (runtime.current.config.forwardAuth.enabled) localScopes.push(forwardAuthScope)
  const apiFamilies: ReadonlyArray<readonly [string, string, FastifyPluginAsync]> = [
    tokens.apiFamily,
    snapshots.apiFamily,
    [LOCKOUT_FAMILY, LOCKOUT_VERSION, lockoutRoutes({ lockout, clock })],
  ]
  return {
    tokens,
    sessions,
    lockout,
    snapshots,
    app: {
      authenticators: chains.proxy,
      apiAuthenticators: chains.api,
      apiFamilies,
      localScopes,
    },
  }
}
