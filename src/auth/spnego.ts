// Kerberos over HTTP (SPNEGO, RFC 4559): `Authorization: Negotiate <token>` where Kerberos applies
// (kerberos.paths minus excludePaths, from allowed networks; see policy/decide.ts). The user agent plays
// no part here: an excluded user agent is only spared the challenge, never the check of a token it sends.
//
// Success: identity `kerberos`, the Authorization header consumed (never forwarded), and the
// mutual-authentication token returned as `WWW-Authenticate: Negotiate <token>` on the response
// (requests-kerberos with mutual authentication REQUIRED fails without it). Every failure is a 401 with
// a JSON code and a log line naming what to fix; none falls through to anonymous access.
import type { Metrics } from '../observability/metrics.js'
import { rgError, type RgError } from '../errors.js'
import { kerberosApplies } from '../policy/decide.js'
import type { Config } from '../config/schema.js'
import { StoreUnavailableError } from '../store/types.js'
import { AcceptError, type Accepted } from '../kerberos/acceptor.js'
import { FAILURES, type FailureKind } from '../kerberos/failures.js'
import { inspectNegotiateToken } from '../kerberos/negotiate-token.js'
import { compilePrincipalRules, mapPrincipal, type PrincipalRules } from '../kerberos/principal.js'
import type { ReplayGuard } from '../kerberos/replay-guard.js'
import type { KerberosHolder, KerberosState } from '../kerberos/setup.js'
import { parseAuthorization } from './authorization.js'
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js'
import type { AuthSuccess, Identity } from '../model/identity.js'

/** What the session hook adds after a handshake: response headers (its Set-Cookie), and the session it opened. */
export interface HandshakeExtras {
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  /** The store key of the session the hook opened; set on the identity, so the token page reuses it. */
  readonly sessionKey?: string
}

/**
 * Runs after a successful handshake; the headers it returns are added to the client's response. The
 * sessions feature plugs in here: with `kerberos.sessions` on it creates the session record and returns its
 * `Set-Cookie`, so scripts that keep cookies (PowerShell -WebSession) skip the next handshake.
 */
export type AfterHandshake = (identity: Identity, req: AuthRequest) => Promise<HandshakeExtras | undefined>

export interface SpnegoOptions {
  readonly kerberos: KerberosHolder
  readonly metrics: Metrics
  /** Cross-instance replay refusal through the shared store; MIT's file replay cache covers one host only. */
  readonly replayGuard?: ReplayGuard
  readonly afterHandshake?: AfterHandshake
}

export function createSpnegoAuthenticator(options: SpnegoOptions): Authenticator {
  const { metrics, replayGuard, afterHandshake } = options
  // Compiled once per policy (and keytab): configs are frozen and replaced whole on reload.
  const rulesCache = new WeakMap<Config['kerberos'], { state: KerberosState; rules: PrincipalRules }>()

  function rulesFor(config: Config['kerberos'], state: KerberosState): PrincipalRules {
    const hit = rulesCache.get(config)
    if (hit !== undefined && hit.state === state) return hit.rules
    const rules = compilePrincipalRules(config, state.keytabRealms)
    rulesCache.set(config, { state, rules })
    return rules
  }

  function refuse(req: AuthRequest, kind: FailureKind, detail: string, principal?: string): RgError {
    const info = FAILURES[kind]
    metrics.kerberosHandshakes.inc({ outcome: kind })
    const level = kind === 'ntlm' || kind === 'malformed' ? 'info' : 'warn'
    req.log[level]({ kerberos: { outcome: kind, principal, detail, fix: info.hint }, ip: req.ip }, `Kerberos handshake refused: ${kind}`)
    return rgError(info.code, info.message)
  }

  async function handshake(req: AuthRequest, value: string): Promise<AuthOutcome> {
    const inspected = inspectNegotiateToken(value)
    if (!inspected.ok) return refuse(req, inspected.kind, inspected.detail)
    const state = options.kerberos.current
    if (state === undefined) {
      // Enabled by a policy that was never prepared: cannot happen through main.ts; fail closed if it does.
      metrics.kerberosHandshakes.inc({ outcome: 'not_ready' })
      req.log.error('Kerberos handshake with no prepared keytab: refused')
      return rgError('RG_ERR_KERBEROS_REJECTED', FAILURES.no_service_key.message)
    }

    let accepted: Accepted
    const started = process.hrtime.bigint()
    try {
      accepted = await state.acceptor.accept(value)
    } catch (err) {
      if (err instanceof AcceptError) return refuse(req, err.kind, err.detail)
      return refuse(req, 'rejected', (err as Error).message)
    } finally {
      metrics.kerberosAcceptDuration.observe(Number(process.hrtime.bigint() - started) / 1e9)
    }

    const mapped = mapPrincipal(rulesFor(req.policy.config.kerberos, state), accepted.principal)
    if (!mapped.ok) return refuse(req, mapped.reason === 'realm' ? 'realm' : 'unusable_name', mapped.detail, accepted.principal)

    if (replayGuard !== undefined) {
      let verdict
      try {
        verdict = await replayGuard.claim(inspected.bytes)
      } catch (err) {
        metrics.kerberosHandshakes.inc({ outcome: 'store_unavailable' })
        req.log.error({ err: (err as Error).message }, 'Kerberos replay check: the store did not answer; refused')
        return err instanceof StoreUnavailableError ? rgError('RG_ERR_STORE_UNAVAILABLE') : rgError('RG_ERR_INTERNAL')
      }
      if (verdict === 'replay') return refuse(req, 'replay', 'authenticator already claimed in the shared store', accepted.principal)
      if (verdict === 'unreadable') {
        return refuse(req, 'rejected', 'accepted token has no readable AP-REQ authenticator for the replay check', accepted.principal)
      }
    }

    let identity: Identity = { user: mapped.user, method: 'kerberos' }
    const responseHeaders: Record<string, string | readonly string[]> = {}
    if (accepted.responseToken !== null && accepted.responseToken.length > 0) {
      responseHeaders['www-authenticate'] = `Negotiate ${accepted.responseToken}`
    }
    const extras = afterHandshake === undefined ? undefined : await afterHandshake(identity, req)
    if (extras !== undefined) {
      Object.assign(responseHeaders, extras.headers)
      if (extras.sessionKey !== undefined) identity = { ...identity, sessionKey: extras.sessionKey }
    }
    metrics.kerberosHandshakes.inc({ outcome: 'success' })
    req.log.debug({ kerberos: { principal: accepted.principal, user: mapped.user } }, 'Kerberos handshake accepted')
    const success: AuthSuccess = { identity, consumed: 'authorization', responseHeaders }
    return success
  }

  return {
    name: 'kerberos',
    authenticate(req) {
      const header = req.headers.authorization
      if (header === undefined) return undefined
      const auth = parseAuthorization(header)
      if (auth === undefined || auth.scheme !== 'negotiate') return undefined
      // Outside Kerberos paths and networks a Negotiate header is not restgate's: it goes to Jira as is.
      if (!kerberosApplies(req.policy, req.path, req.ip)) return undefined
      return handshake(req, auth.value)
    },
  }
}
