// Brute-force lockout over the store's counters, so every instance counts the same failures. Callers check
// before a verification that needs the store anyway (a token cache miss, a session login, a password Jira
// must judge) and report the outcome; a request whose credential is already cached costs nothing here.
// A store that cannot answer fails closed: 503, never an unchecked attempt.
import type { Logger } from 'pino'
import { rgError, type RgError } from '../errors.js'
import type { Clock } from '../clock.js'
import type { Policy } from '../policy/compile.js'
import type { Metrics } from '../observability/metrics.js'
import { StoreUnavailableError, type CounterState, type Store } from '../store/types.js'
import { auditLogger } from '../observability/logger.js'
import { ipCounterKey, isLocked, lockedOut, userCounterKey } from './decide.js'

export interface LockoutService {
  /** The 403 to answer when the user or the address is locked out; undefined when the attempt may go on. */
  check(user: string | undefined, ip: string, policy: Policy): Promise<RgError | undefined>
  /**
   * Counts a failed attempt; resolves to a 503 RgError when it could not be counted. `reqId`: the request
   * whose failure started a lockout, for the audit line.
   */
  fail(user: string | undefined, ip: string, policy: Policy, reqId?: string): Promise<RgError | undefined>
  /**
   * A successful login clears its own address's counter only: the user's counter keeps failures made from
   * elsewhere (a login by the real user must not hand a guesser at another address fresh attempts).
   */
  succeed(ip: string, policy: Policy): Promise<void>
  /** The user's counter, or null when there is none in force. */
  status(user: string): Promise<CounterState | null>
  /** Clears a user's lockout (and optionally an address's); true when there was a counter in force. */
  clear(user: string, ip: string | undefined, actor: string, reqId?: string): Promise<boolean>
}

/** The lockout's slice of the store: fixed-window counters, nothing else. */
export type LockoutStore = Pick<Store, 'hit' | 'getCounter' | 'resetCounter'>

export interface LockoutOptions {
  readonly store: LockoutStore
  readonly clock: Clock
  readonly logger: Logger
  /** restgate_lockout_events_total: lockouts started, attempts refused while locked out, lockouts cleared. */
  readonly metrics?: Pick<Metrics, 'lockoutEvents'>
}

function unavailable(logger: Logger, err: unknown, what: string): RgError {
  if (!(err instanceof StoreUnavailableError)) throw err
  logger.warn({ err: err.message }, `lockout ${what}: store unavailable`)
  return rgError('RG_ERR_STORE_UNAVAILABLE')
}

export function createLockoutService(options: LockoutOptions): LockoutService {
  const { store, clock, logger } = options
  const events = options.metrics?.lockoutEvents
  const audit = auditLogger(logger)

  return {
    async check(user, ip, policy) {
      const cfg = policy.config.lockout
      if (!cfg.enabled) return undefined
      const now = clock.now()
      let counters: Array<CounterState | null>
      try {
        counters = await Promise.all([
          user === undefined ? Promise.resolve(null) : store.getCounter(userCounterKey(user), now),
          store.getCounter(ipCounterKey(ip), now),
        ])
      } catch (err) {
        return unavailable(logger, err, 'check')
      }
      let resetAt = 0
      for (const c of counters) if (isLocked(c, cfg.maxFailures, now)) resetAt = Math.max(resetAt, c!.resetAt)
      if (resetAt === 0) return undefined
      events?.inc({ event: 'refused' })
      return lockedOut(resetAt, now)
    },

    async fail(user, ip, policy, reqId) {
      const cfg = policy.config.lockout
      if (!cfg.enabled) return undefined
      const now = clock.now()
      const windowMs = policy.durations.lockoutWindowMs
      try {
        const [byUser, byIp] = await Promise.all([
          user === undefined ? Promise.resolve(null) : store.hit(userCounterKey(user), windowMs, now),
          store.hit(ipCounterKey(ip), windowMs, now),
        ])
        // Logged once, on the failure that reaches the limit.
        if (byUser !== null && byUser.count === cfg.maxFailures) {
          events?.inc({ event: 'start' })
          audit.warn({ event: 'lockout.start', user, ip, until: byUser.resetAt, reqId }, `lockout.start for user ${user}`)
        }
        if (byIp.count === cfg.maxFailures) {
          events?.inc({ event: 'start' })
          audit.warn({ event: 'lockout.start', ip, user, until: byIp.resetAt, reqId }, `lockout.start for address ${ip}`)
        }
      } catch (err) {
        return unavailable(logger, err, 'count')
      }
      return undefined
    },

    async succeed(ip, policy) {
      if (!policy.config.lockout.enabled) return
      try {
        await store.resetCounter(ipCounterKey(ip))
      } catch (err) {
        // The login itself succeeded; the counter just runs out with its window.
        logger.warn({ err: (err as Error).message }, 'could not reset a lockout counter')
      }
    },

    status: (user) => store.getCounter(userCounterKey(user), clock.now()),

    async clear(user, ip, actor, reqId) {
      const now = clock.now()
      const had = await store.getCounter(userCounterKey(user), now)
      const hadIp = ip === undefined ? null : await store.getCounter(ipCounterKey(ip), now)
      await store.resetCounter(userCounterKey(user))
      if (ip !== undefined) await store.resetCounter(ipCounterKey(ip))
      events?.inc({ event: 'clear' })
      audit.info({ event: 'lockout.clear', user, ip, actor, failures: had?.count ?? 0, reqId }, `lockout.clear for ${user} by ${actor}`)
      return had !== null || hadIp !== null
    },
  }
}
