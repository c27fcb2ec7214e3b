// Everything the token page adds to a running restgate: the page scope, and the session authenticator
// (CSRF-checked) that goes first in the management API's chain. main.ts calls this once at start.
import type { FastifyPluginAsync } from 'fastify'
import type { Clock } from '../clock.js'
import type { RuntimeHolder } from '../config/runtime.js'
import type { Directory } from '../directory/static.js'
import type { Store } from '../store/types.js'
import type { Authenticator } from '../auth/types.js'
import type { TokenSetup } from '../tokens/setup.js'
import { loadPageAssets } from './assets.js'
import { requireCsrf } from './csrf.js'
import { createCounterLoginGuard, type LoginGuard } from './lockout.js'
import { createMinimalSessions } from './minimal-sessions.js'
import type { PageSessions } from './sessions.js'
import { tokenPagePlugin } from './plugin.js'

export interface TokenPageDeps {
  readonly runtime: RuntimeHolder
  readonly store: Store
  readonly clock: Clock
  readonly directory: Directory
  readonly tokens: TokenSetup
  /** The sessions feature's service; the minimal stand-in when absent. */
  readonly sessions?: PageSessions
  /** The lockout feature's guard; a store counter per user name when absent. */
  readonly guard?: LoginGuard
}

export interface TokenPageSetup {
  /** For the management API's chain, first: session cookie, CSRF-checked on changes. */
  readonly sessionAuthenticator: Authenticator
  /**
   * The page scope, identifying callers with `authenticators` (the management API's chain, so Kerberos
   * logs a domain browser in when that chain has it); undefined when tokenPage.enabled is false.
   */
  scope(authenticators: readonly Authenticator[]): FastifyPluginAsync | undefined
}

export function setupTokenPage(deps: TokenPageDeps): TokenPageSetup {
  const config = deps.runtime.current.config
  const sessions = deps.sessions ?? createMinimalSessions(deps)
  const sessionAuthenticator = requireCsrf(sessions.authenticator, (key) => sessions.csrfOf(key))
  const { tokens } = deps
  // Read at start, so a missing file stops restgate before it listens rather than on the first visit.
  const assets = config.tokenPage.enabled ? loadPageAssets(config.tokenPage.path) : undefined
  const guard = deps.guard ?? createCounterLoginGuard(deps.store, deps.clock)
  return {
    sessionAuthenticator,
    scope: (authenticators) =>
      assets === undefined
        ? undefined
        : tokenPagePlugin({
            path: config.tokenPage.path,
            assets,
            authenticators,
            jiraPassword: tokens.jiraPassword,
            sessions,
            guard,
            directory: deps.directory,
            tokens: tokens.service,
          }),
  }
}
