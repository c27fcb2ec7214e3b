// The token service: creates, lists, refreshes and deletes tokens, and validates presented secrets through
// a bounded LRU+TTL cache so a cache hit costs no store round trip. Every change is published through the
// store, and every instance (this one included) drops the cached entry within a second.
import type { Logger } from 'pino'
import { rgError } from '../errors.js'
import type { Clock } from '../clock.js'
import type { Directory } from '../directory/static.js'
import type { Metrics } from '../observability/metrics.js'
import type { Policy } from '../policy/compile.js'
import { compilePathMatcher, type PathMatcher } from '../match/glob.js'
import { LruTtlCache, type CacheLimits } from '../cache/lru.js'
import { StoreUnavailableError, type InvalidationEvent, type Store, type TokenRecord } from '../store/types.js'
import type { TokenScope } from '../model/identity.js'
import { generateToken } from './format.js'
import { cacheKey, type TokenHasher } from './hash.js'
import { HashKeyMismatchError, checkHashKey } from './hash-key.js'
import { decideLifetime, expiryFor, isExpired, refreshedExpiry, type LifetimeRequest } from './lifetime.js'
import { mayCreateWrite, mayHoldTokens } from './permissions.js'
import { firstOutside } from './path-scope.js'
import { globToRegexSource } from '../match/glob.js'
import { localDateTime } from '../time.js'
import { createUsageRecorder, type UsageRecorder } from './usage.js'

/** A validated token as the cache holds it: the record, its own path rule compiled, and whether its owner
 *  may hold tokens under a given policy (recomputed when the policy changes). */
export interface CachedToken {
  readonly record: TokenRecord
  readonly paths: PathMatcher | null
  active?: { readonly policy: Policy; readonly value: boolean }
}

export interface CreateTokenInput extends LifetimeRequest {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly scope?: TokenScope | undefined
  readonly paths?: readonly string[] | null
  /** Skips apiTokens.scopes.allowWrite: only the CLI's `token create --force`, never the API. */
  readonly overridePermissions?: boolean
}

/**
 * The token service's slice of the store: token records, their invalidation events, the batched "last
 * used" updates (usage.ts) and the hash key's fingerprint (hash-key.ts).
 */
export type TokenStore = Pick<
  Store,
  'createToken' | 'findTokenByHash' | 'getToken' | 'listTokens' | 'setTokenExpiry' | 'deleteToken' | 'recordTokenUse' | 'getMeta' | 'setMeta' | 'publish' | 'subscribe'
>

export interface TokenServiceOptions {
  readonly store: TokenStore
  readonly hasher: TokenHasher
  readonly clock: Clock
  readonly directory: Directory
  readonly cacheLimits: () => CacheLimits
  readonly metrics?: Metrics
  readonly logger?: Logger
  readonly usageIntervalMs?: number
}

export interface TokenService {
  readonly hasher: TokenHasher
  /**
   * Checks once that the store's tokens were made with this instance's hash key (see hash-key.ts). Runs at
   * start; if the store could not answer then, the first token operation runs it. A mismatch rejects with
   * HashKeyMismatchError at start, and makes every later token operation fail closed.
   */
  checkKey(): Promise<void>
  /** The token for a presented secret (the cache first), or null when no such token exists. */
  lookup(secret: string): Promise<CachedToken | null>
  /** Only what the cache holds for a secret: the token, null (known not to exist), or undefined (not cached). */
  peek(secret: string): CachedToken | null | undefined
  /** Whether the token's owner may hold tokens under `policy` (see permissions.ts). */
  isActive(token: CachedToken, policy: Policy): Promise<boolean>
  /** What isActive would answer without waiting, or undefined when it must ask the directory first. */
  knownActive(token: CachedToken, policy: Policy): boolean | undefined
  /** Same rule for a user, for listings and the create check. */
  userMayHoldTokens(user: string, policy: Policy): Promise<boolean>
  /** Whether the user may create write tokens (apiTokens.scopes.allowWrite). */
  userMayCreateWrite(user: string, policy: Policy): Promise<boolean>
  noteUse(id: number, ip: string): void
  /** Writes pending "last used" updates now (they are otherwise written every few seconds). */
  flushUsage(): Promise<void>
  create(owner: string, input: CreateTokenInput, policy: Policy): Promise<{ record: TokenRecord; secret: string }>
  list(user?: string): Promise<TokenRecord[]>
  get(id: number): Promise<TokenRecord | null>
  /** The deleted record, or null when there was none. */
  remove(id: number): Promise<TokenRecord | null>
  /** Extends the token's expiry by its original lifetime from now; throws RgError for an expired token. */
  refresh(record: TokenRecord, policy: Policy): Promise<TokenRecord>
  expired(record: TokenRecord): boolean
  close(): Promise<void>
}

export function defaultTokenName(now: number): string {
  return `api_token_${localDateTime(now, 'millis')}`
}

/** A token's own paths: valid globs within apiTokens.paths, or a 400 that names the first bad one. */
export function checkTokenPaths(paths: readonly string[] | null, allowed: readonly string[]): readonly string[] | null {
  if (paths === null) return null
  for (const glob of paths) {
    try {
      globToRegexSource(glob)
    } catch (err) {
      throw rgError('RG_ERR_BAD_REQUEST', `paths: ${(err as Error).message}`)
    }
  }
  const outside = firstOutside(paths, allowed)
  if (outside !== undefined) {
    throw rgError(
      'RG_ERR_BAD_REQUEST',
      `paths: "${outside}" reaches beyond where API tokens are accepted (apiTokens.paths: ${allowed.join(', ')})`,
    )
  }
  return [...new Set(paths)]
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  const { store, hasher, clock, directory, metrics, logger } = options
  // Keyed by cacheKey(secret); null remembers "no such token" so guessing cannot hammer the store. An
  // invalidation names the token's id (its entries are found by id); a remembered "no such token" simply
  // expires (a new token's secret is fresh randomness, never one guessed before).
  const cache = new LruTtlCache<string, CachedToken | null>(options.cacheLimits)
  const usage: UsageRecorder = createUsageRecorder(store, { intervalMs: options.usageIntervalMs, logger })

  // Bumped by every invalidation: a lookup that raced one does not cache what it read.
  let epoch = 0
  const onEvent = (event: InvalidationEvent): void => {
    epoch++
    switch (event.kind) {
      case 'token':
        cache.deleteWhere((v) => v !== null && v.record.id === event.id)
        return
      case 'user':
        cache.deleteWhere((v) => v !== null && v.record.user === event.user)
        return
      case 'all':
        cache.clear()
        return
    }
  }
  const unsubscribe = store.subscribe(onEvent)

  async function invalidate(record: TokenRecord): Promise<void> {
    try {
      await store.publish({ kind: 'token', id: record.id, hash: record.hash })
    } catch (err) {
      // This instance dropped it already (publish delivers locally first); others fall back on the TTL.
      logger?.warn({ err: (err as Error).message, tokenId: record.id }, 'could not tell other instances about a token change')
    }
  }

  let keyChecked = false
  let keyMismatch: HashKeyMismatchError | undefined
  let keyChecking: Promise<void> | undefined
  function checkKey(): Promise<void> {
    if (keyChecked) return Promise.resolve()
    if (keyMismatch !== undefined) return Promise.reject(keyMismatch)
    keyChecking ??= checkHashKey(store, hasher).then(
      () => {
        keyChecked = true
      },
      (err: unknown) => {
        keyChecking = undefined
        if (err instanceof HashKeyMismatchError) {
          keyMismatch = err
          logger?.error(err.message)
        }
        throw err
      },
    )
    return keyChecking
  }
  /** Token operations need the key check passed; a mismatch reads as an unavailable store (503). */
  async function keyReady(): Promise<void> {
    if (keyChecked) return
    try {
      await checkKey()
    } catch (err) {
      if (err instanceof HashKeyMismatchError) throw new StoreUnavailableError(err.message, { cause: err })
      throw err
    }
  }

  async function userMayHoldTokens(user: string, policy: Policy): Promise<boolean> {
    const creators = policy.config.apiTokens.creators.groups
    if (creators.length === 0) return true
    const [groups, admin] = await Promise.all([directory.groupsOf(user, policy), directory.isAdmin(user, policy)])
    return mayHoldTokens(creators, groups, admin)
  }

  async function userMayCreateWrite(user: string, policy: Policy): Promise<boolean> {
    const writers = policy.config.apiTokens.scopes.allowWrite
    if (writers.length === 0) return true
    const [groups, admin] = await Promise.all([directory.groupsOf(user, policy), directory.isAdmin(user, policy)])
    return mayCreateWrite(writers, groups, admin)
  }

  /**
   * The scope a new token gets. Asked for write without the right: 400 with the reason. Not asked: write
   * (Kantega's shape) for those who may, read for everyone else, so a plain create never fails on it.
   */
  async function decideScope(owner: string, requested: TokenScope | undefined, policy: Policy): Promise<TokenScope> {
    if (requested === 'read') return 'read'
    const mayWrite = await userMayCreateWrite(owner, policy)
    if (mayWrite) return 'write'
    if (requested === undefined) return 'read'
    throw rgError(
      'RG_ERR_BAD_REQUEST',
      `You may create read tokens only (scope "read"): write tokens are for members of ${policy.config.apiTokens.scopes.allowWrite.join(', ')} (apiTokens.scopes.allowWrite)`,
    )
  }

  return {
    hasher,
    checkKey,

    async lookup(secret) {
      // The cache is keyed by a plain SHA-256 of the secret: a one-shot digest costs a fifth of an HMAC
      // (Node builds an HMAC context per call), and for 256 random bits it hides the secret just as well.
      // The keyed hash is still what the store holds and is computed on a miss only.
      const key = cacheKey(secret)
      const now = clock.now()
      const hit = cache.get(key, now)
      if (hit !== undefined) {
        metrics?.tokenCache.inc({ result: 'hit' })
        return hit
      }
      metrics?.tokenCache.inc({ result: 'miss' })
      await keyReady()
      const hash = hasher.hash(secret)
      const started = epoch
      const record = await store.findTokenByHash(hash)
      // The store looked the hash up by equality already; compare again in constant time before trusting it.
      const entry: CachedToken | null =
        record === null || !hasher.same(record.hash, hash)
          ? null
          : { record, paths: record.paths === null ? null : compilePathMatcher(record.paths) }
      if (epoch === started) cache.set(key, entry, now)
      return entry
    },

    peek(secret) {
      const hit = cache.get(cacheKey(secret), clock.now())
      if (hit !== undefined) metrics?.tokenCache.inc({ result: 'hit' })
      return hit
    },

    async isActive(token, policy) {
      const known = token.active
      if (known !== undefined && known.policy === policy) return known.value
      const value = await userMayHoldTokens(token.record.user, policy)
      token.active = { policy, value }
      return value
    },

    knownActive(token, policy) {
      const known = token.active
      return known !== undefined && known.policy === policy ? known.value : undefined
    },

    userMayHoldTokens,
    userMayCreateWrite,

    noteUse(id, ip) {
      usage.note(id, clock.now(), ip)
    },

    flushUsage: () => usage.flush(),

    async create(owner, input, policy) {
      const lifetime = decideLifetime(policy.config.apiTokens, input)
      if (!lifetime.ok) throw lifetime.error
      const paths = checkTokenPaths(input.paths ?? null, policy.config.apiTokens.paths)
      const scope = input.overridePermissions === true && input.scope !== undefined ? input.scope : await decideScope(owner, input.scope, policy)
      await keyReady()
      const now = clock.now()
      const secret = generateToken()
      const record = await store.createToken({
        user: owner,
        name: input.name !== undefined && input.name.length > 0 ? input.name : defaultTokenName(now),
        description: input.description ?? '',
        hash: hasher.hash(secret),
        createdAt: now,
        expiresAt: expiryFor(lifetime.days, now),
        lifetimeDays: lifetime.days,
        scope,
        paths,
      })
      return { record, secret }
    },

    list: (user) => store.listTokens(user),

    get: (id) => store.getToken(id),

    async remove(id) {
      const record = await store.deleteToken(id)
      if (record !== null) await invalidate(record)
      return record
    },

    async refresh(record, policy) {
      const now = clock.now()
      if (isExpired(record.expiresAt, now)) {
        throw rgError('RG_ERR_TOKEN_EXPIRED', 'The API token has expired and cannot be refreshed: create a new one')
      }
      if (record.expiresAt === null) return record
      const updated = await store.setTokenExpiry(record.id, refreshedExpiry(policy.config.apiTokens, record.lifetimeDays, now))
      if (updated === null) throw rgError('RG_ERR_UNKNOWN_ID', `No API token with id ${record.id}`)
      await invalidate(updated)
      return updated
    },

    expired: (record) => isExpired(record.expiresAt, clock.now()),

    async close() {
      unsubscribe()
      await usage.close()
    },
  }
}
