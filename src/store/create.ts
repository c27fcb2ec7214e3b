// Opens the store the policy names (`store.type`). Backends load lazily: an embedded deployment never
// loads ioredis, a Redis one never opens SQLite.
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { Store } from './types.js'
import type { StoreMetrics } from './health.js'

export interface CreateStoreOptions {
  readonly logger?: Logger
  /** Store errors, up and failovers (restgate's registry); the CLI commands leave it out. */
  readonly metrics?: StoreMetrics
}

export async function createStore(config: Config['store'], options: CreateStoreOptions = {}): Promise<Store> {
  if (config.type === 'redis') {
    if (config.redis === undefined) throw new Error('store.redis is required when store.type is "redis"')
    const { createRedisStore } = await import('./redis.js')
    const store = createRedisStore({ config: config.redis, logger: options.logger, metrics: options.metrics })
    const ready = await store.connected
    if (!ready) options.logger?.error('store: Redis is not reachable yet; requests that need it get 503 until it is')
    return store
  }
  const { openEmbeddedStore } = await import('./embedded.js')
  return openEmbeddedStore({ path: config.path, logger: options.logger, metrics: options.metrics })
}
