// The login form's check: a Jira username and password, asked of Jira exactly as the management API does
// (GET /rest/api/2/myself with Basic). Lockout is restgate's one lockout (src/lockout/, per user and per
// address): checked here before anything else, even when the password authenticator has the answer cached
// (a login is never the hot path), and a wrong password is counted by the password authenticator itself,
// as on the management API. Pure of HTTP: it returns who it is or why not.
import { rgError, type RgError } from '../errors.js'
import type { AuthRequest, Authenticator } from '../auth/types.js'
import type { LockoutService } from '../lockout/service.js'
import { classifyToken } from '../tokens/format.js'

export interface LoginAttempt {
  readonly username: string
  readonly password: string
}

export async function checkLogin(
  attempt: LoginAttempt,
  base: AuthRequest,
  jiraPassword: Authenticator,
  lockout: LockoutService,
): Promise<{ readonly user: string } | RgError> {
  const { username, password } = attempt
  // Basic cannot carry a user name with a colon (RFC 7617 §2), and Jira has none.
  if (username.includes(':')) return rgError('RG_ERR_BAD_REQUEST', 'A user name cannot contain ":"')
  if (classifyToken(password) !== 'other') {
    return rgError('RG_ERR_LOGIN_FAILED', 'That is a restgate API token, not a password: log in with your Jira password')
  }
  const locked = await lockout.check(username, base.ip, base.policy)
  if (locked !== undefined) return locked
  const header = 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
  const outcome = await jiraPassword.authenticate({ ...base, headers: { authorization: header } })
  if (outcome === undefined) return rgError('RG_ERR_LOGIN_FAILED')
  if (outcome instanceof Error) {
    if (outcome.code === 'RG_ERR_LOGIN_FAILED') {
      const message =
        outcome.message === rgError('RG_ERR_LOGIN_FAILED').message ? 'The username or password is not correct: check both and try again' : outcome.message
      return rgError('RG_ERR_LOGIN_FAILED', message)
    }
    return outcome
  }
  return { user: outcome.identity.user }
}
