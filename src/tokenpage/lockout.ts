// Failed logins on the page count toward lockout (policy `lockout`). LoginGuard is the hook: the lockout
// that comes with sessions can replace `createCounterLoginGuard` without touching the page. This one counts
// failures per user name in the store, in fixed windows (lockout.window), and refuses past
// lockout.maxFailures until the window ends.
import { rgError, type RgError } from '../errors.js'
import type { Clock } from '../clock.js'
import type { Policy } from '../policy/compile.js'
import type { Store } from '../store/types.js'

export interface LoginGuard {
  /** An RgError (RG_ERR_LOCKED_OUT) when this user may not try now; checked before Jira is asked. */
  check(user: string, ip: string, policy: Policy): Promise<RgError | undefined>
  /** A wrong password. */
  failed(user: string, ip: string, policy: Policy): Promise<void>
  /** A right one: the count starts again. */
  succeeded(user: string, ip: string, policy: Policy): Promise<void>
}

const userKey = (user: string): string => `lockout:login:user:${user.toLowerCase()}`

export function createCounterLoginGuard(store: Store, clock: Clock): LoginGuard {
  return {
    async check(user, _ip, policy) {
      const cfg = policy.config.lockout
      if (!cfg.enabled) return undefined
      const now = clock.now()
      const counter = await store.getCounter(userKey(user), now)
      if (counter === null || counter.count < cfg.maxFailures) return undefined
      const seconds = Math.max(1, Math.ceil((counter.resetAt - now) / 1000))
      return rgError(
        'RG_ERR_LOCKED_OUT',
        `Too many failed logins for ${user}: try again in ${Math.ceil(seconds / 60)} minute(s), or ask an administrator`,
        { 'retry-after': String(seconds), 'x-seraph-loginreason': 'AUTHENTICATION_DENIED' },
      )
    },
    async failed(user, _ip, policy) {
      if (!policy.config.lockout.enabled) return
      await store.hit(userKey(user), policy.durations.lockoutWindowMs, clock.now())
    },
    async succeeded(user) {
      await store.resetCounter(userKey(user))
    },
  }
}
