// restgate with API tokens seeded into its store before it starts, and a session opened with one: what the
// token, session and forward-auth cases build on.
import http from 'node:http'
import { join } from 'node:path'
import type { CaseContext, PolicyInput } from './case.js'
import { seedTokens, type SeedTarget } from './tokens.js'

/** POST /rest/auth/1/session with the token as the password; the restgate session cookie ("name=value"). */
export async function sessionLogin(base: string, user: string, token: string): Promise<string> {
  const body = JSON.stringify({ username: user, password: token })
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/rest/auth/1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      agent: false,
    }, (res) => {
      res.resume()
      const set = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
      const cookie = set.map((c) => c.split(';', 1)[0]!).find((c) => c.startsWith('RESTGATE_SESSION='))
      if (res.statusCode !== 200 || cookie === undefined) reject(new Error(`session login: status ${res.statusCode}, no RESTGATE_SESSION cookie`))
      else resolve(cookie)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * restgate with API tokens on: `count` tokens seeded into the store before it starts, requests carrying
 * the first `sent` of them in turn (Basic user:TOKEN, as curl -u sends it), each a cache hit once warm.
 * `extra` is more policy (forwardAuth, say).
 */
export async function tokenRestgate(
  ctx: CaseContext,
  name: string,
  store: 'embedded' | 'redis',
  count: number,
  sent: number,
  scope: 'read' | 'write' = 'read',
  extra: PolicyInput = {},
) {
  const hashKeyFile = join(ctx.dir, `${name}.key`)
  let target: SeedTarget
  let storePolicy: Record<string, unknown>
  if (store === 'redis') {
    const redis = await ctx.redis()
    // One Redis for every Redis case: each gets its own key prefix.
    target = { type: 'redis', url: redis.url, keyPrefix: `${name}:` }
    storePolicy = { type: 'redis', path: join(ctx.dir, `${name}.db`), redis: { url: redis.url, keyPrefix: `${name}:` } }
  } else {
    const path = join(ctx.dir, `${name}.db`)
    target = { type: 'embedded', path }
    storePolicy = { type: 'embedded', path }
  }
  const { secrets } = await seedTokens(target, hashKeyFile, count, sent, scope)
  const rg = await ctx.restgate(name, { policy: { store: storePolicy, apiTokens: { enabled: true, hashKeyFile }, ...extra } })
  return { rg, secrets }
}
