// The benchmark's cases, in the order of issue 8 (8a and 8o: the two ways Jira can trust restgate, beside
// header mode, 4e), then nginx with restgate's forward-auth endpoint (issue 14, forward-auth-cases.ts) and
// the Apache httpd peer (issue 17, peer-cases.ts). Ratios are against cases 1, 2 and 3.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { ISSUE_GET, type BenchCase, type CaseContext, type RequestShape, type Subject } from './case.js'
import { freshTokenRequest, kerberosMissing, kerberosRestgate } from './kerberos-case.js'
import { PEER_CASES } from './peer-cases.js'
import { FORWARD_AUTH_CASES } from './forward-auth-cases.js'
import { sessionLogin, tokenRestgate } from './token-restgate.js'
import { BENCH_USER, basicToken } from './tokens.js'

export const REFERENCE_IDS = ['1', '2', '3'] as const

/** How many distinct tokens the token cases send, in turn: all of them stay in the cache after warm-up. */
const TOKENS_SENT = 100

async function tokenCase(ctx: CaseContext, name: string, store: 'embedded' | 'redis', count: number, sent: number, extra: Record<string, unknown> = {}): Promise<Subject> {
  const { rg, secrets } = await tokenRestgate(ctx, name, store, count, sent, 'read', extra)
  const auth = secrets.map((s) => ({ Authorization: basicToken(s) }))
  const request: RequestShape = auth.length === 1 ? { ...ISSUE_GET, headers: { ...ISSUE_GET.headers, ...auth[0] } } : { ...ISSUE_GET, rotate: auth }
  return { url: rg.url, pid: rg.pid, request }
}

/** A case whose feature is not in this build yet: its compiled module is checked for, nothing is imported. */
function needs(module: string, feature: string): (root: string) => string | undefined {
  return (root) => (existsSync(join(root, 'dist', module)) ? undefined : `${feature} is not in this build (no ${module})`)
}

export const CASES: readonly BenchCase[] = [
  {
    id: '1',
    title: 'direct to the stub Jira',
    latency: true,
    start: async (ctx) => ({ url: ctx.stub.url, pid: ctx.stub.pid, request: ISSUE_GET }),
  },
  {
    id: '2',
    title: 'bare @fastify/http-proxy (no features)',
    latency: true,
    start: async (ctx) => {
      const p = await ctx.spawnNode('bare-proxy', ['dist/bench/servers/bare-proxy.js', '{port}', ctx.stub.url], '/')
      return { url: p.url, pid: p.pid, request: ISSUE_GET }
    },
  },
  {
    id: '3',
    title: 'restgate, auth off, access log on',
    latency: true,
    start: async (ctx) => {
      const rg = await ctx.restgate('restgate')
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  },
  {
    id: '4e',
    title: 'restgate, API token in Basic (cache hit), embedded store',
    latency: true,
    start: (ctx) => tokenCase(ctx, 'token-embedded', 'embedded', 1, 1),
  },
  {
    id: '4r',
    title: 'restgate, API token in Basic (cache hit), Redis store',
    start: (ctx) => tokenCase(ctx, 'token-redis', 'redis', 1, 1),
  },
  {
    id: '5',
    title: 'restgate, session cookie (cache hit)',
    latency: true,
    available: needs('src/sessions/resource.js', 'session authentication'),
    start: async (ctx) => {
      // One login with an API token as the password (Jira's session API shape), then the cookie on every request.
      const { rg, secrets } = await tokenRestgate(ctx, 'session', 'embedded', 1, 1, 'write')
      const cookie = await sessionLogin(rg.url, BENCH_USER, secrets[0]!)
      return { url: rg.url, pid: rg.pid, request: { ...ISSUE_GET, headers: { ...ISSUE_GET.headers, Cookie: cookie } } }
    },
  },
  {
    id: '6',
    title: 'restgate, Kerberos, a fresh SPNEGO token per request',
    available: kerberosMissing,
    start: async (ctx) => {
      // Every request a full accept, as with clients that keep no cookie.
      const rg = await kerberosRestgate(ctx, 'kerberos')
      return { url: rg.url, pid: rg.pid, request: freshTokenRequest(rg.kdc) }
    },
  },
  {
    id: '8a',
    title: 'restgate, API token (cache hit), identity headers with the signed assertion (HMAC)',
    latency: true,
    available: needs('src/upstream/assertion.js', 'the v2 assertion'),
    start: (ctx) => {
      const keyFile = join(ctx.dir, 'assertion.key')
      writeFileSync(keyFile, randomBytes(32))
      return tokenCase(ctx, 'token-assertion', 'embedded', 1, 1, { identity: { signing: { keyFile } } })
    },
  },
  {
    id: '8o',
    title: 'restgate, API token (cache hit), OAuth 1.0a RSA-SHA1 as the user (2048-bit key)',
    latency: true,
    available: needs('src/upstream/oauth-box.js', 'OAuth signing'),
    start: (ctx) => {
      const privateKeyFile = join(ctx.dir, 'oauth.pem')
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
      return tokenCase(ctx, 'token-oauth', 'embedded', 1, 1, { identity: { oauth: { consumerKey: 'restgate-bench', privateKeyFile } } })
    },
  },
  {
    id: '7a',
    title: `restgate, 100 tokens in the store, ${TOKENS_SENT} sent in turn`,
    start: (ctx) => tokenCase(ctx, 'tokens-100', 'embedded', 100, TOKENS_SENT),
  },
  {
    id: '7b',
    title: `restgate, 100,000 tokens in the store, ${TOKENS_SENT} sent in turn`,
    start: (ctx) => tokenCase(ctx, 'tokens-100k', 'embedded', 100_000, TOKENS_SENT),
  },
  {
    id: '3w1',
    title: 'restgate, auth off, 1 worker, all cores',
    cores: 'all',
    start: async (ctx) => {
      const rg = await ctx.restgate('restgate-w1', { policy: { server: { workers: 1 } } })
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  },
  {
    id: '3w2',
    title: 'restgate, auth off, 2 workers, all cores',
    cores: 'all',
    start: async (ctx) => {
      const rg = await ctx.restgate('restgate-w2', { policy: { server: { workers: 2 } } })
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  },
  ...FORWARD_AUTH_CASES,
  ...PEER_CASES,
]

/** Case 3 run from another checkout (`--baseline DIR`), to measure a change before and after in one run. */
export function baselineCase(dir: string): BenchCase {
  const cli = join(resolve(dir), 'dist', 'src', 'cli.js')
  const name = basename(resolve(dir))
  return {
    id: `3@${name}`,
    title: `restgate from ${dir}, auth off`,
    latency: true,
    start: async (ctx) => {
      const rg = await ctx.restgate(`restgate-${name}`, { cli })
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  }
}
