// Everything the token page adds to a running restgate: the page scope, and the session authenticator
// (CSRF-checked) that goes first in the management API's chain. boot/features.ts calls this once at start, after
// sessions and lockout: the page logs people in with restgate's own sessions and counts failed logins in
// the same lockout as every other login.
import type { FastifyPluginAsync } from 'fastify'
import type { RuntimeHolder } from '../reload/runtime.js'
import type { Directory } from '../directory/static.js'
import type { Authenticator } from '../auth/types.js'
import type { ProductRef } from '../model/product.js'
import type { LockoutService } from '../lockout/service.js'
import type { SessionService } from '../sessions/service.js'
import type { TokenSetup } from './tokens.js'
import { loadPageAssets } from '../tokenpage/assets.js'
import { requireCsrf } from '../tokenpage/csrf.js'
import { pageSessions } from '../tokenpage/sessions.js'
import { tokenPagePlugin } from '../tokenpage/plugin.js'

export interface TokenPageDeps {
  readonly runtime: RuntimeHolder
  readonly directory: Directory
  readonly tokens: TokenSetup
  readonly sessions: SessionService
  readonly lockout: LockoutService
}

export interface TokenPageSetup {
  /** For the management API's chain, first: session cookie, CSRF-checked on changes. */
  readonly sessionAuthenticator: Authenticator
  /**
   * The page scope, identifying callers with `authenticators` (the management API's chain, so Kerberos
   * logs a domain browser in when that chain has it); undefined when tokenPage.enabled is false.
   */
  scope(authenticators: readonly Authenticator[]): FastifyPluginAsync<{ readonly product: ProductRef }> | undefined
}

export function setupTokenPage(deps: TokenPageDeps): TokenPageSetup {
  const config = deps.runtime.current.config
  const sessions = pageSessions(deps.sessions)
  const sessionAuthenticator = requireCsrf(sessions.authenticator, async (key) => (await sessions.factsOf(key))?.csrf ?? null)
  const { tokens } = deps
  // Read at start, so a missing file stops restgate before it listens rather than on the first visit.
  const assets = config.tokenPage.enabled ? loadPageAssets() : undefined
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
            lockout: deps.lockout,
            directory: deps.directory,
            tokens: tokens.service,
          }),
  }
}
