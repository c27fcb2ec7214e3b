// nginx beside restgate (issue 14), configured as docs/forward-auth.md shows, over plain HTTP: nginx alone
// (the same block without its auth_request line), then nginx asking restgate's forward-auth endpoint before
// each request, with an API token and with a session cookie, both cache hits. Weighed against nginx alone
// (the latency the auth subrequest adds, one request in flight) and against restgate's own proxy mode with
// the same credential, cases 4e and 5 (restgate's CPU per request: in auth mode it neither reads a body nor
// makes an upstream request). Before they are measured, the auth cases show that restgate decides: 401
// without the credential, and the stub told the user with it.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { expectUser, get } from './auth-check.js'
import { ISSUE_GET, type BenchCase, type CaseContext, type Headers, type Subject } from './case.js'
import { nginxMissing } from './servers/nginx.js'
import { sessionLogin, tokenRestgate } from './token-restgate.js'
import { BENCH_USER, basicToken } from './tokens.js'

export interface ForwardAuthPair {
  readonly what: string
  /** nginx asking restgate, restgate's proxy mode with the same credential. */
  readonly auth: string
  readonly proxy: string
}

export const NGINX_ALONE = 'n1'
export const FORWARD_AUTH_PAIRS: readonly ForwardAuthPair[] = [
  { what: 'API token', auth: 'n2', proxy: '4e' },
  { what: 'session cookie', auth: 'n3', proxy: '5' },
]

const AUTH_LINE = '        auth_request /restgate/auth;\n'

/** The documented block without the auth subrequest: nginx alone, forwarding as it would anyway. */
export function withoutAuth(block: string): string {
  if (!block.includes(AUTH_LINE)) throw new Error('the documented nginx block has no auth_request line')
  return block.replace(AUTH_LINE, '')
}

function forwardAuthMissing(root: string): string | undefined {
  if (!existsSync(join(root, 'dist', 'src', 'forwardauth', 'plugin.js'))) return 'the forward-auth endpoint is not in this build (no src/forwardauth/plugin.js)'
  return nginxMissing()
}

const FORWARD_AUTH_POLICY = { server: { trustedProxies: ['127.0.0.1/32'] }, forwardAuth: { enabled: true }, anonymous: 'deny' }

async function nginxAskingRestgate(ctx: CaseContext, name: string, credential: 'token' | 'session'): Promise<Subject> {
  const { rg, secrets } = await tokenRestgate(ctx, name, 'embedded', 1, 1, 'write', FORWARD_AUTH_POLICY)
  const nginx = await ctx.nginx(`${name}-nginx`, { restgate: new URL(rg.url).host })
  // The session is opened through nginx too: /rest/auth/ is one of restgate's own routes there.
  const headers: Headers = credential === 'token' ? { Authorization: basicToken(secrets[0]!) } : { Cookie: await sessionLogin(nginx.url, BENCH_USER, secrets[0]!) }
  const without = await get(nginx.url + ISSUE_GET.path)
  if (without.status !== 401) throw new Error(`${name}: expected 401 without the ${credential} through nginx, got ${without.status}`)
  await expectUser(nginx.url, headers, BENCH_USER)
  return { url: nginx.url, pid: rg.pid, companions: [nginx.pid], request: { ...ISSUE_GET, headers: { ...ISSUE_GET.headers, ...headers } } }
}

export const FORWARD_AUTH_CASES: readonly BenchCase[] = [
  {
    id: NGINX_ALONE,
    title: 'nginx alone (the documented configuration without auth_request)',
    latency: true,
    available: () => nginxMissing(),
    start: async (ctx) => {
      const nginx = await ctx.nginx('nginx-alone', { edit: withoutAuth })
      return { url: nginx.url, pid: nginx.pid, request: ISSUE_GET }
    },
  },
  {
    id: 'n2',
    title: "nginx + restgate's auth endpoint, API token (cache hit); CPU: restgate's",
    latency: true,
    available: forwardAuthMissing,
    start: (ctx) => nginxAskingRestgate(ctx, 'forward-auth-token', 'token'),
  },
  {
    id: 'n3',
    title: "nginx + restgate's auth endpoint, session cookie (cache hit); CPU: restgate's",
    latency: true,
    available: forwardAuthMissing,
    start: (ctx) => nginxAskingRestgate(ctx, 'forward-auth-session', 'session'),
  },
]
