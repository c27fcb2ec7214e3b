// Jira's /rest/auth/1/session bodies, so scripts written for Jira read restgate's answers unchanged.
// loginInfo carries what restgate knows: the failed logins counted in the current lockout window.
import type { FastifyRequest } from 'fastify'
import { frontOrigin } from '../http/front.js'

export interface LoginInfo {
  readonly failedLoginCount: number
}

/** POST answer: `{ session: { name, value }, loginInfo }`. */
export function loginAnswer(cookieName: string, id: string, loginInfo: LoginInfo) {
  return { session: { name: cookieName, value: id }, loginInfo }
}

/** GET answer: `{ self, name, loginInfo }`, `self` the user resource as Jira would link it. */
export function currentUserAnswer(request: FastifyRequest, user: string, loginInfo: LoginInfo) {
  const base = frontOrigin(request.rg.front) + (request.rg.product?.contextPath ?? '')
  const self = `${base}/rest/api/latest/user?username=${encodeURIComponent(user)}`
  return { self, name: user, loginInfo }
}

export interface LoginBody {
  readonly username: string
  readonly password: string
}

/** `{"username","password"}` as Jira reads it, or undefined for anything else (which Jira answers itself). */
export function parseLoginBody(body: unknown): LoginBody | undefined {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
  const { username, password } = parsed as Record<string, unknown>
  if (typeof username !== 'string' || typeof password !== 'string' || username.length === 0) return undefined
  return { username, password }
}
