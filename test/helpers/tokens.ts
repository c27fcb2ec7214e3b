// Talking to restgate's token API in tests: credentials, JSON calls, and a token made the way a user would.
import { httpRequest, type HttpResult } from './http.js'

export const basic = (user: string, password: string): string => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
export const bearer = (token: string): string => `Bearer ${token}`

export const TOKENS_API = '/rest/ksso/api/apitokens/2.0'

export interface ApiCall {
  readonly method?: string
  readonly auth?: string
  /** An object is sent as JSON; a string is sent as is (with a JSON content type). */
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

export function api(baseUrl: string, path: string, call: ApiCall = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(call.headers ?? {}) }
  if (call.auth !== undefined) headers['authorization'] = call.auth
  let body: string | undefined
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body)
    headers['content-type'] ??= 'application/json'
  }
  return httpRequest(`${baseUrl}${path.startsWith('/rest/') ? path : TOKENS_API + path}`, { method: call.method ?? 'GET', headers, body })
}

/** POST user/tokens as `user` with a Jira password; returns the 201 body. */
export async function createToken(baseUrl: string, auth: string, body: Record<string, unknown> = {}): Promise<{ apiToken: string; id: number } & Record<string, unknown>> {
  const res = await api(baseUrl, '/user/tokens', { method: 'POST', auth, body })
  if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${res.body.toString()}`)
  return res.json()
}
