// Every error restgate produces itself, with a stable code, its HTTP status and a default message.
// Clients and scripts match on `code`; messages may improve over time, codes never change meaning.
// docs/errors.md lists them all; test/errors.test.ts keeps that list and this table in step.

export const ERRORS = {
  // Requests restgate cannot read
  RG_ERR_BAD_PATH: { status: 400, message: 'The request path cannot be read unambiguously' },
  RG_ERR_BAD_REQUEST: { status: 400, message: 'The request is not valid' },
  RG_ERR_BAD_HOST: { status: 400, message: "The request's Host header is not a valid host[:port], or there is more than one" },
  RG_ERR_UPGRADE_REFUSED: { status: 400, message: 'Only WebSocket upgrades (GET with Upgrade: websocket) are passed on' },
  RG_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are larger than server.maxHeaderBytes' },
  RG_ERR_TOO_MANY_HEADERS: { status: 431, message: 'The request has more header lines than server.maxHeaders' },
  RG_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time: its headers or body arrived too slowly' },
  RG_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  RG_ERR_NOT_FOUND: { status: 404, message: 'No such resource' },
  RG_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this resource' },
  RG_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  RG_ERR_OAUTH_PARAMETER: {
    status: 400,
    message: 'The request carries an OAuth parameter of its own (oauth_*, xoauth_requestor_id): restgate signs upstream requests itself',
  },

  // Upstream (Jira / Confluence)
  RG_ERR_UPSTREAM_UNAVAILABLE: { status: 502, message: 'The upstream application could not be reached' },
  RG_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream application did not answer in time' },
  RG_ERR_UPSTREAM_BAD_RESPONSE: { status: 502, message: 'The upstream application sent an invalid response' },
  RG_ERR_UPSTREAM_BUSY: {
    status: 503,
    message: 'Every connection to the upstream application is busy and too many requests are waiting: try again shortly',
  },

  // Identity
  RG_ERR_UNAUTHENTICATED: { status: 401, message: 'Authentication is required' },
  RG_ERR_FORBIDDEN: { status: 403, message: 'You are not allowed to do this' },
  RG_ERR_BAD_CREDENTIALS: { status: 401, message: 'The Authorization header is malformed' },
  RG_ERR_LOGIN_FAILED: { status: 401, message: 'The username or password is not correct' },
  RG_ERR_PASSWORDS_DISABLED: {
    status: 401,
    message: 'Password authentication is disabled here: use an API token as the password instead',
  },
  RG_ERR_LOCKED_OUT: {
    status: 403,
    message: 'Too many failed logins: try again later or ask an administrator to clear the lockout',
  },
  RG_ERR_CSRF: { status: 403, message: 'Missing or wrong CSRF token: reload the page and try again' },
  RG_ERR_UNTRUSTED_PROXY: {
    status: 403,
    message: 'Auth requests are answered only for the front proxies listed in server.trustedProxies',
  },

  // API tokens
  RG_ERR_TOKEN_INVALID: { status: 401, message: 'The API token is not valid' },
  RG_ERR_TOKEN_EXPIRED: { status: 401, message: 'The API token has expired: refresh it or create a new one' },
  RG_ERR_TOKEN_INACTIVE: {
    status: 401,
    message: 'The API token is inactive because its owner may no longer create tokens',
  },
  RG_ERR_TOKEN_NETWORK: { status: 403, message: 'API tokens are not accepted from this network' },
  RG_ERR_TOKEN_SCOPE: { status: 403, message: 'The API token does not allow this request' },
  RG_ERR_TOKEN_NOT_ALLOWED: { status: 403, message: 'You are not allowed to create API tokens' },
  RG_ERR_TOKEN_LIFETIME: { status: 400, message: 'The requested token lifetime is not allowed' },

  // Kerberos
  RG_ERR_KERBEROS_NTLM: {
    status: 401,
    message: 'The client sent NTLM instead of Kerberos: it has no ticket for this service principal',
  },
  RG_ERR_KERBEROS_MALFORMED: { status: 401, message: 'The Negotiate token is malformed' },
  RG_ERR_KERBEROS_REJECTED: { status: 401, message: 'The Kerberos ticket was rejected' },
  RG_ERR_KERBEROS_REPLAY: { status: 401, message: 'The Kerberos authenticator was already used (replay)' },
  RG_ERR_KERBEROS_REALM: { status: 401, message: 'The Kerberos realm is not accepted here' },

  // Sessions
  RG_ERR_SESSION_EXPIRED: { status: 401, message: 'Your session has expired: log in again' },

  // Management API resources
  RG_ERR_UNKNOWN_ID: { status: 404, message: 'No such item' },
  RG_ERR_CONFLICT: { status: 409, message: 'The request conflicts with the current state' },
  RG_ERR_SNAPSHOT_UNREADABLE: {
    status: 409,
    message: 'The snapshot does not validate against the current policy schema',
  },
  RG_ERR_POLICY_READ_ONLY: {
    status: 409,
    message: 'The policy file cannot be replaced here (it is mounted read-only): change it where it is kept',
  },

  // Restgate itself
  RG_ERR_STORE_UNAVAILABLE: { status: 503, message: 'The restgate store is unavailable: try again shortly' },
  RG_ERR_SHUTTING_DOWN: { status: 503, message: 'restgate is shutting down' },
  RG_ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

export interface ErrorBody {
  code: ErrorCode
  message: string
}

/** An error meant for the client: its code, status and message are safe to send. */
export class RgError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  /** Extra response headers (challenges, Retry-After). */
  readonly headers: Readonly<Record<string, string | string[]>>
  /** The authenticator that refused the credential (restgate_auth_failures_total's `method`), set by the chain. */
  refusedBy: string | undefined

  constructor(code: ErrorCode, message?: string, headers?: Record<string, string | string[]>) {
    super(message ?? ERRORS[code].message)
    this.name = 'RgError'
    this.code = code
    this.statusCode = ERRORS[code].status
    this.headers = headers ?? {}
    this.refusedBy = undefined
  }

  /** The same error with more response headers (a 401's challenge added where it was refused). */
  withHeaders(extra: Record<string, string | string[]>): RgError {
    const copy = new RgError(this.code, this.message, { ...this.headers, ...extra })
    copy.refusedBy = this.refusedBy
    return copy
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message }
  }
}

export function rgError(code: ErrorCode, message?: string, headers?: Record<string, string | string[]>): RgError {
  return new RgError(code, message, headers)
}

export function isRgError(err: unknown): err is RgError {
  return err instanceof RgError
}
