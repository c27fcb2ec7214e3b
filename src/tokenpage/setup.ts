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
  /** The page scope, or undefined when tokenPage.enabled is false. */
  readonly scope: FastifyPluginAsync | undefined
}

export function setupTokenPage(deps: TokenPageDeps): TokenPageSetup {
  const config = deps.runtime.current.config
  const sessions = deps.sessions ?? createMinimalSessions(deps)
  const sessionAuthenticator = requireCsrf(sessions.authenticator, (key) => sessions.csrfOf(key))
  const { tokens } = deps
  const scope = config.tokenPage.enabled
    ? tokenPagePlugin({
        path: config.tokenPage.path,
        assets: loadPageAssets(config.tokenPage.path),
        authenticators: [sessionAuthenticator, tokens.authenticator, tokens.jiraPassword],
        jiraPassword: tokens.jiraPassword,
        sessions,
        guard: deps.guard ?? createCounterLoginGuard(deps.store, deps.clock),
        directory: deps.directory,
        tokens: tokens.service,
      })
    : undefined
  return { sessionAuthenticator, scope }
}
