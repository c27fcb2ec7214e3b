// Proof that a proxy really authenticates before its figures mean anything: without a credential it answers
// 401 with a Negotiate challenge, and with one the upstream is told who the user is. The stub Jira answers
// WHOAMI_PATH (Jira's own "who am I" resource) with the X-Forwarded-User it received.
import http from 'node:http'
import type { Headers } from './case.js'

export const WHOAMI_PATH = '/rest/api/2/myself'

export interface Answer {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export function get(url: string, headers: Headers = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
  })
}

/** The stub's answer to WHOAMI_PATH: the user a proxy named, or null. */
export function whoamiBody(forwardedUser: string | undefined): string {
  return JSON.stringify({ name: forwardedUser ?? null })
}

/** A request to `path` without a credential must be refused with a Negotiate challenge. */
export async function expectChallenge(base: string, path: string, headers: Headers): Promise<void> {
  const a = await get(base + path, headers)
  const challenge = String(a.headers['www-authenticate'] ?? '')
  if (a.status !== 401 || !/^Negotiate\b/i.test(challenge)) {
    throw new Error(`${base}${path} without a token: expected 401 with a Negotiate challenge, got ${a.status} (WWW-Authenticate: ${challenge || 'none'})`)
  }
}

/** With these headers the upstream must be told `user`; returns the answer (its Set-Cookie, say). */
export async function expectUser(base: string, headers: Headers, user: string): Promise<Answer> {
  const a = await get(base + WHOAMI_PATH, headers)
  let seen: unknown
  try {
    seen = (JSON.parse(a.body) as { name?: unknown }).name
  } catch {
    seen = undefined
  }
  if (a.status !== 200 || seen !== user) {
    throw new Error(`${base}${WHOAMI_PATH}: expected 200 with the upstream told X-Forwarded-User ${user}, got ${a.status} with ${JSON.stringify(seen)}`)
  }
  return a
}

/** "name=value" of the cookie `name` that the answer set, or undefined. */
export function cookieSet(a: Answer, name: string): string | undefined {
  const set = ([] as string[]).concat(a.headers['set-cookie'] ?? [])
  return set.map((c) => c.split(';', 1)[0]!.trim()).find((c) => c.startsWith(`${name}=`))
}
