// API tokens as credentials: `Authorization: Basic base64(user:TOKEN)` (the user must own the token) or
// `Authorization: Bearer TOKEN`. A password or Bearer value that is not restgate's format is not ours and
// passes on untouched (Jira personal access tokens keep working). Anything in restgate's format is ours:
// accepted or refused here, and never forwarded, not even when tokens are switched off or damaged.
import { rgError, type RgError } from '../errors.js'
import { networkAllows } from '../policy/cidr.js'
import { tokensApply } from '../policy/decide.js'
import { StoreUnavailableError } from '../store/types.js'
import { classifyToken } from '../tokens/format.js'
import { isExpired } from '../tokens/lifetime.js'
import { scopeRefusal } from '../tokens/permissions.js'
import type { TokenService } from '../tokens/service.js'
import type { Clock } from '../clock.js'
import { decodeBasic, parseAuthorization } from './authorization.js'
import type { AuthOutcome, AuthRequest, Authenticator } from './types.js'

export interface ApiTokenAuthDeps {
  readonly service: TokenService
  readonly clock: Clock
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

export function createApiTokenAuthenticator(deps: ApiTokenAuthDeps): Authenticator {
  const { service, clock } = deps

  async function validate(req: AuthRequest, p: Presented): Promise<AuthOutcome> {
    let token
    try {
      token = await service.lookup(p.secret)
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err
      req.log.warn({ err: err.message }, 'API token check failed: store unavailable')
      return rgError('RG_ERR_STORE_UNAVAILABLE')
    }
    if (token === null) return refuse(req, 'RG_ERR_TOKEN_INVALID', 'unknown token', 'The API token is not valid: it does not exist or was deleted')
    const r = token.record
    if (p.user !== undefined && p.user !== r.user) {
      return refuse(req, 'RG_ERR_TOKEN_INVALID', 'wrong owner', 'The API token does not belong to this user', r.id)
    }
    if (isExpired(r.expiresAt, clock.now())) return refuse(req, 'RG_ERR_TOKEN_EXPIRED', 'expired', undefined, r.id)
    let active: boolean
    try {
      active = await service.isActive(token, req.policy)
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'API token check failed: groups unavailable')
      return rgError('RG_ERR_STORE_UNAVAILABLE', 'Group membership could not be checked: try again shortly')
    }
    if (!active) return refuse(req, 'RG_ERR_TOKEN_INACTIVE', 'owner may no longer hold tokens', undefined, r.id)
    // From the cached record: scope and compiled paths cost no store round trip.
    const outside = scopeRefusal(r.scope, token.paths, req.method, req.path)
    if (outside === 'method') {
      return refuse(req, 'RG_ERR_TOKEN_SCOPE', 'read token, unsafe method', `This API token has scope "read": it allows GET, HEAD and OPTIONS only, not ${req.method}. Use a token with scope "write"`, r.id)
    }
    if (outside === 'path') {
      return refuse(req, 'RG_ERR_TOKEN_SCOPE', 'outside the token paths', `This API token is limited to the paths ${r.paths!.join(', ')}: ${req.path} is outside them`, r.id)
    }
    service.noteUse(r.id, req.ip)
    return {
      identity: { user: r.user, method: 'token', tokenId: r.id, scope: r.scope, tokenPaths: r.paths },
      consumed: 'authorization',
    }
  }

  return {
    name: 'api-token',
    authenticate(req) {
      const p = presented(req)
      if (p === undefined || p instanceof Error) return p
      const policy = req.policy
      const cfg = policy.config.apiTokens
      // Cheap refusals first, before any hashing or store work.
      if (!policy.apiTokens.enabled) {
        return refuse(req, 'RG_ERR_TOKEN_INVALID', 'tokens disabled', 'API tokens are switched off here (apiTokens.enabled)')
      }
      if (p.scheme === 'bearer' && !cfg.bearer) {
        return refuse(req, 'RG_ERR_TOKEN_INVALID', 'bearer disabled', 'Bearer API tokens are switched off here: send the token as the Basic password (user:TOKEN)')
      }
      if (p.scheme === 'basic' && !cfg.basic) {
        return refuse(req, 'RG_ERR_TOKEN_INVALID', 'basic disabled', 'Basic API tokens are switched off here: send the token as Authorization: Bearer TOKEN')
      }
      if (!policy.apiTokens.paths.matches(req.path)) {
        return refuse(req, 'RG_ERR_TOKEN_SCOPE', 'path not in apiTokens.paths', 'API tokens are not accepted on this path')
      }
      if (!networkAllows(policy.apiTokens.networks, req.ip)) {
        return refuse(req, 'RG_ERR_TOKEN_NETWORK', 'network not allowed')
      }
      if (p.damaged) {
        return refuse(req, 'RG_ERR_TOKEN_INVALID', 'damaged', 'The API token is damaged (wrong length or checksum): copy it again')
      }
      return validate(req, p)
    },
  }
}
