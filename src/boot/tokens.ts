// Everything API tokens add to a running restgate, built from the policy and the store: the token service,
// the authenticators (the proxy's, and the management API's which also takes a Jira password), and the
// `apitokens` API family. boot/features.ts calls this once at start; `close()` is on the resource stack.
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { RuntimeHolder } from '../reload/runtime.js'
import type { Directory } from '../directory/static.js'
import type { Metrics } from '../observability/metrics.js'
import type { Upstream } from '../upstream/pool.js'
import { StoreUnavailableError } from '../store/types.js'
import type { Authenticator } from '../auth/types.js'
import { createApiTokenAuthenticator, type TokenAuthenticator } from '../auth/api-token.js'
import type { LockoutService } from '../lockout/service.js'
import { createJiraPasswordAuthenticator } from '../auth/jira-password.js'
import { TOKENS_FAMILY, TOKENS_VERSION, tokenRoutes } from '../api/tokens.js'
import { createTokenHasher } from '../tokens/hash.js'
import { loadHashKey } from '../tokens/hash-key.js'
import { createTokenService, type TokenService, type TokenStore } from '../tokens/service.js'

export interface TokenSetupDeps {
  readonly runtime: RuntimeHolder
  readonly store: TokenStore
  readonly clock: Clock
  readonly directory: Directory
  readonly metrics: Metrics
  readonly logger: Logger
  /** The pool to each product, by name (password checks ask the request's product). */
  readonly upstreams: ReadonlyMap<string, Upstream>
  /** Counts wrong tokens and refused Jira passwords (lockout.*). */
  readonly lockout?: LockoutService
}

export interface TokenSetup {
  readonly service: TokenService
  /** For the proxy chain, after the session authenticator (when there is one). */
  readonly authenticator: TokenAuthenticator
  /** Only for the management API: Basic with a Jira password, checked by Jira. */
  readonly jiraPassword: Authenticator
  readonly apiFamily: readonly [string, string, FastifyPluginAsync]
  close(): Promise<void>
}

export async function setupTokens(deps: TokenSetupDeps): Promise<TokenSetup> {
  const { runtime, store, clock, logger } = deps
  const boot = runtime.current.config
  const hasher = createTokenHasher(loadHashKey({ hashKeyFile: boot.apiTokens.hashKeyFile, storePath: boot.store.path }, logger))
  const service = createTokenService({
    store,
    hasher,
    clock,
    directory: deps.directory,
    metrics: deps.metrics,
    logger,
    cacheLimits: () => ({
      maxEntries: runtime.current.config.apiTokens.cache.maxEntries,
      ttlMs: runtime.current.policy.durations.tokenCacheTtlMs,
    }),
  })
  try {
    await service.checkKey()
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) {
      await service.close()
      throw err
    }
    logger.warn('could not check the API token hash key: the store is unavailable; it is checked on first use')
  }
  return {
    service,
    authenticator: createApiTokenAuthenticator({ service, clock, lockout: deps.lockout }),
    jiraPassword: createJiraPasswordAuthenticator({
      upstreams: deps.upstreams,
      clock,
      timeoutMs: (product) => runtime.current.policy.products.get(product.name)?.timeoutMs ?? 60_000,
      lockout: deps.lockout,
    }),
    apiFamily: [TOKENS_FAMILY, TOKENS_VERSION, tokenRoutes({ service, clock })],
    close: () => service.close(),
  }
}
