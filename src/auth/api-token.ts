// API tokens as credentials: `Authorization: Basic base64(user:TOKEN)` (the user must own the token) or
// `Authorization: Bearer TOKEN`. A password or Bearer value that is not restgate's format is not ours and
// passes on untouched (Jira personal access tokens keep working). Anything in restgate's format is ours:
// accepted or refused here, and never forwarded, not even when tokens are switched off or damaged.
//
// Brute force (lockout.*): a secret that is not a valid token already in the cache is checked against the
// lockout counters first, and a wrong secret (unknown, damaged, another user's) is counted. A cached valid
// token costs no lockout work, so the hot path stays one HMAC and a map lookup.
import { rgError, type RgError } from '../errors.js'
import { networkAllows } from '../match/cidr.js'
import { tokensApply } from '../policy/decide.js'
import { StoreUnavailableError } from '../store/types.js'
import { classifyToken } from '../tokens/format.js'
import { isExpired } from '../tokens/lifetime.js'
import { scopeRefusal } from '../tokens/permissions.js'
import type { CachedToken, TokenService } from '../tokens/service.js'
import type { LockoutService } from '../lockout/service.js'
import type { Clock } from '../clock.js'
import { decodeBasic, parseAuthorization } from './authorization.js'
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js'

export interface ApiTokenAuthDeps {
  readonly service: TokenService
  readonly clock: Clock
  readonly lockout?: LockoutService
}

export interface TokenAuthenticator extends Authenticator {
  /**
   * Checks a token presented outside the Authorization header (the session login's JSON body) under every
   * rule the header form gets, lockout included. The token's own scope (read, paths) is left to the caller,
   * which knows what the token is for: the login itself is a POST to a path a scoped token need not cover,
   * and "not POST" would not be the reason it is refused.
   */
  verify(req: AuthRequest, user: string, secret: string): Promise<AuthOutcome>
}

interface Presented {
  readonly scheme: 'basic' | 'bearer'
  readonly secret: string
  readonly damaged: boolean
  /** The user named in Basic; Bearer names none. */
  readonly user: string | undefined
}

const BASIC_PROBLEM = {
  'not base64': 'are not base64',
  'no colon': 'have no colon between user and password',
  'empty user': 'name no user',
} as const

/** What the Authorization header presents, if it is a restgate token; an RgError for unreadable Basic. */
function presented(req: AuthRequest): Presented | RgError | undefined {
  const parsed = parseAuthorization(req.headers.authorization)
  if (parsed === undefined) return undefined
  if (parsed.scheme === 'bearer') {
    const shape = classifyToken(parsed.value)
    return shape === 'other' ? undefined : { scheme: 'bearer', secret: parsed.value, damaged: shape === 'damaged', user: undefined }
  }
  if (parsed.scheme !== 'basic') return undefined
  const creds = decodeBasic(parsed.value)
  if (!creds.ok) {
    // On paths where restgate takes tokens it answers for Basic it cannot read; elsewhere it is Jira's business.
    return tokensApply(req.policy, req.path)
      ? rgError('RG_ERR_BAD_CREDENTIALS', `The Authorization header is malformed: Basic credentials ${BASIC_PROBLEM[creds.reason]}`)
      : undefined
  }
  const shape = classifyToken(creds.password)
  return shape === 'other' ? undefined : { scheme: 'basic', secret: creds.password, damaged: shape === 'damaged', user: creds.user }
}

function refuse(req: AuthRequest, code: Parameters<typeof rgError>[0], reason: string, message?: string, tokenId?: number): RgError {
  req.log.info({ tokenId, reason, code }, 'API token refused')
  return rgError(code, message)
}

export function createApiTokenAuthenticator(deps: ApiTokenAuthDeps): TokenAuthenticator {
  const { service, clock, lockout } = deps

  /** A wrong secret: counted towards the lockout, then refused (503 if it could not be counted). */
  async function wrongSecret(req: AuthRequest, p: Presented, reason: string, message: string, tokenId?: number): Promise<RgError> {
    const refusal = refuse(req, 'RG_ERR_TOKEN_INVALID', reason, message, tokenId)
    if (lockout === undefined) return refusal
    return (await lockout.fail(p.user, req.ip, req.policy, req.reqId)) ?? refusal
  }

  /** Checks on the token itself, before its owner's standing: a refusal, or undefined to go on. */
  function checkToken(req: AuthRequest, p: Presented, token: CachedToken): RgError | Promise<RgError> | undefined {
    const r = token.record
    if (p.user !== undefined && p.user !== r.user) {
      return wrongSecret(req, p, 'wrong owner', 'The API token does not belong to this user', r.id)
    }
    if (isExpired(r.expiresAt, clock.now())) return refuse(req, 'RG_ERR_TOKEN_EXPIRED', 'expired', undefined, r.id)
    return undefined
  }

  /**
   * The rest, once the owner's standing is known. `cached`: the token came from the cache (no lockout work).
   * `checkScope` false: the caller judges the token's scope itself (verify()).
   */
  function decide(req: AuthRequest, token: CachedToken, active: boolean, cached: boolean, checkScope = true): AuthOutcome {
    const r = token.record
    if (!active) return refuse(req, 'RG_ERR_TOKEN_INACTIVE', 'owner may no longer hold tokens', undefined, r.id)
    // From the cached record: scope and compiled paths cost no store round trip.
    const outside = checkScope ? scopeRefusal(r.scope, token.paths, req.method, req.path) : undefined
    if (outside === 'method') {
      return refuse(req, 'RG_ERR_TOKEN_SCOPE', 'read token, unsafe method', `This API token has scope "read": it allows GET, HEAD and OPTIONS only, not ${req.method}. Use a token with scope "write"`, r.id)
    }
    if (outside === 'path') {
      return refuse(req, 'RG_ERR_TOKEN_SCOPE', 'outside the token paths', `This API token is limited to the paths ${r.paths!.join(', ')}: ${req.path} is outside them`, r.id)
    }
    service.noteUse(r.id, req.ip)
    if (!cached && lockout !== undefined) void lockout.succeed(req.ip, req.policy)
    return {
      identity: { user: r.user, method: 'token', tokenId: r.id, scope: r.scope, tokenPaths: r.paths, ...(r.expiresAt === null ? {} : { expiresAt: r.expiresAt }) },
      consumed: 'authorization',
    }
  }

  /**
   * A cache hit whose owner's standing under this policy is known is decided at once: no promise and no
   * microtask hop (the chain and the proxy's auth hook stay synchronous for synchronous answers). Everything
   * else (a miss, a remembered unknown secret, a damaged one) goes through the lockout and the store.
   */
  function validate(req: AuthRequest, p: Presented, checkScope = true): AuthOutcome | Promise<AuthOutcome> {
    const token = service.peek(p.secret)
    if (token !== undefined && token !== null && !p.damaged) {
      const active = service.knownActive(token, req.policy)
      if (active !== undefined) return checkToken(req, p, token) ?? decide(req, token, active, true, checkScope)
    }
    return validateAsync(req, p, token, checkScope)
  }

  async function validateAsync(req: AuthRequest, p: Presented, peeked: CachedToken | null | undefined, checkScope: boolean): Promise<AuthOutcome> {
    let token = peeked
    const cached = token !== undefined && token !== null
    try {
      if (!cached && lockout !== undefined) {
        const locked = await lockout.check(p.user, req.ip, req.policy)
        if (locked !== undefined) {
          req.log.info({ code: locked.code }, 'API token refused: locked out')
          return locked
        }
      }
      if (p.damaged) return wrongSecret(req, p, 'damaged', 'The API token is damaged (wrong length or checksum): copy it again')
      if (token === undefined) token = await service.lookup(p.secret)
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err
      req.log.warn({ err: err.message }, 'API token check failed: store unavailable')
      return rgError('RG_ERR_STORE_UNAVAILABLE')
    }
    if (token === null) return wrongSecret(req, p, 'unknown token', 'The API token is not valid: it does not exist or was deleted')
    const refused = checkToken(req, p, token)
    if (refused !== undefined) return refused
    let active: boolean
    try {
      active = await service.isActive(token, req.policy)
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'API token check failed: groups unavailable')
      return rgError('RG_ERR_STORE_UNAVAILABLE', 'Group membership could not be checked: try again shortly')
    }
    return decide(req, token, active, cached, checkScope)
  }

  /** API tokens switched off: checked before anything else, so it is the answer whatever else is wrong. */
  function switchedOff(req: AuthRequest): RgError | undefined {
    if (req.policy.apiTokens.enabled) return undefined
    return refuse(req, 'RG_ERR_TOKEN_INVALID', 'tokens disabled', 'API tokens are switched off here (apiTokens.enabled)')
  }

  /** Refusals by place that need neither the secret nor the store: the path and the client's network. */
  function placeRefusal(req: AuthRequest): RgError | undefined {
    const policy = req.policy
    if (!policy.apiTokens.paths.matches(req.path)) {
      return refuse(req, 'RG_ERR_TOKEN_SCOPE', 'path not in apiTokens.paths', 'API tokens are not accepted on this path')
    }
    if (!networkAllows(policy.apiTokens.networks, req.ip)) {
      return refuse(req, 'RG_ERR_TOKEN_NETWORK', 'network not allowed')
    }
    return undefined
  }

  return {
    name: 'api-token',
    async verify(req, user, secret) {
      const shape = classifyToken(secret)
      if (shape === 'other') return refuse(req, 'RG_ERR_TOKEN_INVALID', 'not a token')
      return switchedOff(req) ?? placeRefusal(req) ?? validate(req, { scheme: 'basic', secret, damaged: shape === 'damaged', user }, false)
    },
    authenticate(req) {
      const p = presented(req)
      if (p === undefined || p instanceof Error) return p
      const policy = req.policy
      const cfg = policy.config.apiTokens
      // Cheap refusals first, before any hashing or store work.
      const off = switchedOff(req)
      if (off !== undefined) return off
      if (p.scheme === 'bearer' && !cfg.bearer) {
        return refuse(req, 'RG_ERR_TOKEN_INVALID', 'bearer disabled', 'Bearer API tokens are switched off here: send the token as the Basic password (user:TOKEN)')
      }
      if (p.scheme === 'basic' && !cfg.basic) {
        return refuse(req, 'RG_ERR_TOKEN_INVALID', 'basic disabled', 'Basic API tokens are switched off here: send the token as Authorization: Bearer TOKEN')
      }
      return placeRefusal(req) ?? validate(req, p)
    },
  }
}
