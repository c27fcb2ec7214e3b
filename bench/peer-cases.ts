// Apache httpd with mod_auth_gssapi and mod_proxy beside restgate: the same stub, the same KDC, the same
// request, and every process free to use every core (as either would be deployed), restgate with its
// defaults. Each pair is compared round by round in the report's peer table. Before a pair is measured,
// both sides show they really authenticate: 401 with a Negotiate challenge without a token, and the
// upstream told the user with one (or with the session cookie alone).
import { cookieSet, expectChallenge, expectUser } from './auth-check.js'
import { ISSUE_GET, type BenchCase, type BenchKdc, type Headers, type RequestShape } from './case.js'
import { KERBEROS_HOST, SPN, freshTokenRequest, kerberosMissing, kerberosRestgate } from './kerberos-case.js'
import { APACHE_SESSION_COOKIE, apacheMissing } from './servers/apache.js'

export interface PeerPair {
  readonly what: string
  readonly restgate: string
  readonly apache: string
}

export const PEER_PAIRS: readonly PeerPair[] = [
  { what: 'plain forwarding', restgate: 'r1', apache: 'a1' },
  { what: 'a fresh SPNEGO token per request', restgate: 'r2', apache: 'a2' },
  { what: 'session cookie after one handshake', restgate: 'r3', apache: 'a3' },
]

const HOST: Headers = { Host: KERBEROS_HOST }

const peerMissing = (root: string): string | undefined => kerberosMissing(root) ?? apacheMissing()

/** Every fresh-token request must be refused without its token and name alice with one. */
async function checkHandshake(base: string, kdc: BenchKdc): Promise<void> {
  await expectChallenge(base, ISSUE_GET.path, HOST)
  await expectUser(base, { ...HOST, Authorization: `Negotiate ${await kdc.token('alice', SPN)}` }, 'alice')
}

/** One handshake that sets the session cookie; the cookie alone must then name the user. */
async function sessionAfterHandshake(base: string, kdc: BenchKdc, cookieName: string): Promise<RequestShape> {
  await expectChallenge(base, ISSUE_GET.path, HOST)
  const first = await expectUser(base, { ...HOST, Authorization: `Negotiate ${await kdc.token('alice', SPN)}` }, 'alice')
  const cookie = cookieSet(first, cookieName)
  if (cookie === undefined) throw new Error(`${base}: the handshake set no ${cookieName} cookie`)
  await expectUser(base, { ...HOST, Cookie: cookie }, 'alice')
  return { ...ISSUE_GET, headers: { ...ISSUE_GET.headers, ...HOST, Cookie: cookie } }
}

export const PEER_CASES: readonly BenchCase[] = [
  {
    id: 'r1',
    title: 'restgate, auth off, all cores (beside a1)',
    cores: 'all',
    start: async (ctx) => {
      const rg = await ctx.restgate('peer-plain')
      return { url: rg.url, pid: rg.pid, request: ISSUE_GET }
    },
  },
  {
    id: 'a1',
    title: 'Apache httpd, mod_proxy, plain ProxyPass, all cores',
    cores: 'all',
    available: peerMissing,
    start: async (ctx) => {
      const ap = await ctx.apache()
      return { url: ap.urls.plain, pid: ap.pid, request: ISSUE_GET }
    },
  },
  {
    id: 'r2',
    title: 'restgate, Kerberos, a fresh SPNEGO token per request, all cores',
    cores: 'all',
    available: kerberosMissing,
    start: async (ctx) => {
      const rg = await kerberosRestgate(ctx, 'peer-kerberos', { anonymous: 'deny' })
      await checkHandshake(rg.url, rg.kdc)
      return { url: rg.url, pid: rg.pid, request: freshTokenRequest(rg.kdc) }
    },
  },
  {
    id: 'a2',
    title: 'Apache httpd, mod_auth_gssapi, a fresh SPNEGO token per request, all cores',
    cores: 'all',
    available: peerMissing,
    start: async (ctx) => {
      const [ap, kdc] = await Promise.all([ctx.apache(), ctx.kdc()])
      await checkHandshake(ap.urls.gssapi, kdc)
      return { url: ap.urls.gssapi, pid: ap.pid, request: freshTokenRequest(kdc) }
    },
  },
  {
    id: 'r3',
    title: 'restgate, session cookie after one Kerberos handshake (kerberos.sessions), all cores',
    cores: 'all',
    available: kerberosMissing,
    start: async (ctx) => {
      const rg = await kerberosRestgate(ctx, 'peer-session', { anonymous: 'deny', kerberos: { sessions: true } })
      return { url: rg.url, pid: rg.pid, request: await sessionAfterHandshake(rg.url, rg.kdc, 'RESTGATE_SESSION') }
    },
  },
  {
    id: 'a3',
    title: 'Apache httpd, mod_auth_gssapi, session cookie after one handshake (GssapiUseSessions), all cores',
    cores: 'all',
    available: peerMissing,
    start: async (ctx) => {
      const [ap, kdc] = await Promise.all([ctx.apache(), ctx.kdc()])
      return { url: ap.urls.session, pid: ap.pid, request: await sessionAfterHandshake(ap.urls.session, kdc, APACHE_SESSION_COOKIE) }
    },
  },
]
