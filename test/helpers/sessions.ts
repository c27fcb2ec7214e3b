// Sessions in tests: a clock the test moves by hand, and logging in through /rest/auth/1/session.
import type { Clock } from '../../src/clock.js'
import { httpRequest, type HttpResult } from './http.js'

export interface ManualClock extends Clock {
  advance(ms: number): void
}

export function manualClock(start = Date.now()): ManualClock {
  let t = start
  return { now: () => t, advance: (ms) => void (t += ms) }
}

export const SESSION_PATH = '/rest/auth/1/session'

export function postLogin(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return httpRequest(`${baseUrl}${SESSION_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** The `name=value` pair of a Set-Cookie answer, for a Cookie header. */
export function cookiePair(res: HttpResult, name = 'RESTGATE_SESSION'): string | undefined {
  const all = res.headers['set-cookie'] ?? []
  const mine = all.find((c) => c.startsWith(`${name}=`))
  return mine?.split(';', 1)[0]
}

/** Logs in with a token and returns the Cookie header value for the new session. */
export async function loginCookie(baseUrl: string, user: string, token: string): Promise<string> {
  const res = await postLogin(baseUrl, { username: user, password: token })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body.toString()}`)
  return cookiePair(res)!
}
