// The SPNEGO authenticator with a stand-in acceptor: what is its credential and what is not, how the
// principal becomes the user, the replay guard's verdicts (a store that implements only claimOnce), the
// session hook, metrics and log lines. Real tickets and clients are in spnego-clients.test.ts.
import t from 'tap'
import pino from 'pino'
import { parseConfig } from '../../src/config/load.js'
import { compilePolicy, type Policy } from '../../src/policy/compile.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { createSpnegoAuthenticator, type SpnegoOptions } from '../../src/auth/spnego.js'
import { AcceptError, type Acceptor } from '../../src/kerberos/acceptor.js'
import type { KerberosState } from '../../src/kerberos/setup.js'
import { createReplayGuard } from '../../src/kerberos/replay-guard.js'
import { StoreUnavailableError } from '../../src/store/types.js'
import { RgError } from '../../src/errors.js'
import type { AuthSuccess } from '../../src/model/identity.js'
import { createLogSink } from '../helpers/log-sink.js'

function policy(kerberos = '', enabled = true): Policy {
  const r = parseConfig(`upstream: { url: "http://jira:8080" }\nkerberos:\n  enabled: ${enabled}\n  keytab: /k\n${kerberos}`, { checkFiles: false })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return compilePolicy(r.config)
}

// A syntactically complete SPNEGO token around an AP-REQ whose authenticator ciphertext is `cipher`.
function der(tag: number, ...parts: Buffer[]): Buffer {
  const c = Buffer.concat(parts)
  const len = c.length < 0x80 ? Buffer.from([c.length]) : Buffer.from([0x82, c.length >> 8, c.length & 0xff])
  return Buffer.concat([Buffer.from([tag]), len, c])
}
const hex = (h: string) => Buffer.from(h, 'hex')
function token(cipher: string): string {
  const enc = der(0x30, der(0xa0, der(0x02, hex('12'))), der(0xa2, der(0x04, Buffer.from(cipher))))
  const apReq = der(0x6e, der(0x30, der(0xa0, der(0x02, hex('05'))), der(0xa1, der(0x02, hex('0e'))), der(0xa4, enc)))
  const krb5 = der(0x60, der(0x06, hex('2a864886f712010202')), hex('0100'), apReq)
  const init = der(0xa0, der(0x30, der(0xa0, der(0x30, der(0x06, hex('2a864886f712010202')))), der(0xa2, der(0x04, krb5))))
  return der(0x60, der(0x06, hex('2b0601050502')), init).toString('base64')
}

function setup(opts: { principal?: string; fail?: Error; keytabRealms?: string[]; extra?: Partial<SpnegoOptions> } = {}) {
  const accepted: string[] = []
  const acceptor: Acceptor = {
    async accept(tok) {
      accepted.push(tok)
      if (opts.fail) throw opts.fail
      return { principal: opts.principal ?? 'alice@EXAMPLE.COM', responseToken: 'oRQwEqADCgEAoQsGCSqGSIb3EgECAg==' }
    },
  }
  const state: KerberosState = {
    acceptor,
    keytab: '/k',
    servicePrincipal: '',
    keytabRealms: opts.keytabRealms ?? ['EXAMPLE.COM'],
    principals: ['HTTP/jira@EXAMPLE.COM'],
    replayCacheDir: '/tmp',
  }
  const metrics = createMetrics({ defaultMetrics: false })
  const logs = createLogSink()
  const log = pino({ level: 'debug' }, logs.stream)
  const auth = createSpnegoAuthenticator({ kerberos: { current: state }, metrics, ...opts.extra })
  const run = (p: Policy, headers: Record<string, string>, ip = '10.0.0.1', path = '/rest/api/2/myself') =>
    auth.authenticate({ policy: p, product: { name: 'jira', type: 'jira', contextPath: '' }, path, method: 'GET', ip, headers, secure: false, log })
  const count = async (outcome: string) =>
    (await metrics.kerberosHandshakes.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0
  return { run, accepted, logs, metrics, count }
}

t.test('not its credential: no header, another scheme, or where Kerberos does not apply', async (t) => {
  const { run, accepted } = setup()
  const p = policy('  excludePaths: ["/rest/api/2/serverInfo"]\n  networks: { deny: ["10.9.0.0/16"] }\n')
  t.equal(await run(p, {}), undefined)
  t.equal(await run(p, { authorization: 'Basic YTpi' }), undefined)
  t.equal(await run(p, { authorization: 'Bearer x' }), undefined)
  t.equal(await run(p, { authorization: `Negotiate ${token('a')}` }, '10.9.1.1'), undefined, 'denied network')
  t.equal(await run(p, { authorization: `Negotiate ${token('a')}` }, '10.0.0.1', '/rest/api/2/serverInfo'), undefined, 'excluded path')
  t.equal(await run(p, { authorization: `Negotiate ${token('a')}` }, '10.0.0.1', '/secure/Dashboard.jspa'), undefined, 'outside paths')
  t.equal(await run(policy('', false), { authorization: `Negotiate ${token('a')}` }), undefined, 'Kerberos disabled')
  t.equal(accepted.length, 0)
})

t.test('success: the user, method kerberos, the header consumed, the mutual token returned', async (t) => {
  const { run, count, logs } = setup()
  const out = (await run(policy(), { authorization: `negotiate   ${token('a')}` })) as AuthSuccess
  t.same(out, {
    identity: { user: 'alice', method: 'kerberos' },
    consumed: 'authorization',
    responseHeaders: { 'www-authenticate': 'Negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg==' },
  })
  t.equal(await count('success'), 1)
  t.ok(logs.lines.some((l) => l['msg'] === 'Kerberos handshake accepted'))
})

t.test('principal rules: realm refused, lowercase, principalMap, unusable result', async (t) => {
  const other = setup({ principal: 'alice@EVIL.EXAMPLE' })
  const err = (await other.run(policy(), { authorization: `Negotiate ${token('a')}` })) as RgError
  t.equal(err.code, 'RG_ERR_KERBEROS_REALM')
  t.equal(await other.count('realm'), 1)
  const line = other.logs.lines.find((l) => l['msg'] === 'Kerberos handshake refused: realm')!
  t.same((line['kerberos'] as Record<string, unknown>)['principal'], 'alice@EVIL.EXAMPLE', 'the log names the principal')

  const upper = setup({ principal: 'Alice@EXAMPLE.COM' })
  const p = policy('  lowercase: true\n  principalMap: [{ match: "svc_(.*)@EXAMPLE\\\\.COM", replace: "robot-$1" }]\n')
  t.equal(((await upper.run(p, { authorization: `Negotiate ${token('a')}` })) as AuthSuccess).identity.user, 'alice')
  const svc = setup({ principal: 'svc_build@EXAMPLE.COM' })
  t.equal(((await svc.run(p, { authorization: `Negotiate ${token('a')}` })) as AuthSuccess).identity.user, 'robot-build')
  const empty = setup({ principal: 'svc_a,b@EXAMPLE.COM' })
  t.equal(((await empty.run(p, { authorization: `Negotiate ${token('a')}` })) as RgError).code, 'RG_ERR_KERBEROS_REJECTED')
})

t.test('refusals before and by the acceptor carry their codes, metrics and a fix in the log', async (t) => {
  const pre = setup()
  t.equal(((await pre.run(policy(), { authorization: 'Negotiate TlRMTVNTUAAB' })) as RgError).code, 'RG_ERR_KERBEROS_NTLM')
  t.equal(((await pre.run(policy(), { authorization: 'Negotiate !!' })) as RgError).code, 'RG_ERR_KERBEROS_MALFORMED')
  t.equal(await pre.run(policy(), { authorization: 'Negotiate' }), undefined, 'a scheme with no token is no credential: not this authenticator\'s')
  t.equal(pre.accepted.length, 0, 'the acceptor never saw them')
  for (const [kind, code] of [
    ['replay', 'RG_ERR_KERBEROS_REPLAY'],
    ['clock_skew', 'RG_ERR_KERBEROS_REJECTED'],
    ['wrong_principal', 'RG_ERR_KERBEROS_REJECTED'],
    ['key_mismatch', 'RG_ERR_KERBEROS_REJECTED'],
  ] as const) {
    const s = setup({ fail: new AcceptError(kind, `detail for ${kind}`) })
    const err = (await s.run(policy(), { authorization: `Negotiate ${token('a')}` })) as RgError
    t.equal(err.code, code, kind)
    t.equal(await s.count(kind), 1)
    const line = s.logs.lines.find((l) => l['msg'] === `Kerberos handshake refused: ${kind}`)!
    t.equal(line['level'], 40, 'warn')
    t.equal((line['kerberos'] as Record<string, unknown>)['detail'], `detail for ${kind}`)
  }
  const odd = setup({ fail: new Error('binding exploded') })
  t.equal(((await odd.run(policy(), { authorization: `Negotiate ${token('a')}` })) as RgError).code, 'RG_ERR_KERBEROS_REJECTED')
})

t.test('an authenticator whose Kerberos was never prepared refuses', async (t) => {
  const metrics = createMetrics({ defaultMetrics: false })
  const auth = createSpnegoAuthenticator({ kerberos: { current: undefined }, metrics })
  const out = await auth.authenticate({
    policy: policy(),
    product: { name: 'jira', type: 'jira', contextPath: '' },
    path: '/rest/x',
    method: 'GET',
    ip: '10.0.0.1',
    headers: { authorization: `Negotiate ${token('a')}` },
    secure: false,
    log: pino({ level: 'silent' }),
  })
  t.equal((out as RgError).code, 'RG_ERR_KERBEROS_REJECTED')
})

t.test('replay guard: first use passes, a second use of the authenticator is refused', async (t) => {
  const claimed = new Set<string>()
  const store = { claimOnce: async (key: string) => (claimed.has(key) ? false : (claimed.add(key), true)) }
  const { run, count } = setup({ extra: { replayGuard: createReplayGuard(store) } })
  t.equal(((await run(policy(), { authorization: `Negotiate ${token('one')}` })) as AuthSuccess).identity.user, 'alice')
  const again = (await run(policy(), { authorization: `Negotiate ${token('one')}` })) as RgError
  t.equal(again.code, 'RG_ERR_KERBEROS_REPLAY')
  t.equal(await count('replay'), 1)
  t.equal(((await run(policy(), { authorization: `Negotiate ${token('two')}` })) as AuthSuccess).identity.user, 'alice')
})

t.test('replay guard: the store down is a 503, never a pass; an unreadable token is refused', async (t) => {
  const down = setup({ extra: { replayGuard: createReplayGuard({ claimOnce: () => Promise.reject(new StoreUnavailableError('down')) }) } })
  const err = (await down.run(policy(), { authorization: `Negotiate ${token('a')}` })) as RgError
  t.equal(err.code, 'RG_ERR_STORE_UNAVAILABLE')
  t.equal(err.statusCode, 503)
  t.equal(await down.count('store_unavailable'), 1)
  const weird = setup({ extra: { replayGuard: createReplayGuard({ claimOnce: async () => true }) } })
  const raw = Buffer.from('608200040601', 'hex').toString('base64') // a GSS token with no AP-REQ inside
  t.equal(((await weird.run(policy(), { authorization: `Negotiate ${raw}` })) as RgError).code, 'RG_ERR_KERBEROS_REJECTED')
})

t.test('the session hook: its headers join the response, after the mutual token', async (t) => {
  const seen: string[] = []
  const { run } = setup({
    extra: {
      afterHandshake: async (identity) => {
        seen.push(identity.user)
        return { headers: { 'set-cookie': 'RESTGATE_SESSION=abc; HttpOnly' }, sessionKey: 'k1' }
      },
    },
  })
  const out = (await run(policy(), { authorization: `Negotiate ${token('a')}` })) as AuthSuccess
  t.same(seen, ['alice'])
  t.same(out.identity, { user: 'alice', method: 'kerberos', sessionKey: 'k1' }, 'the session it opened is on the identity; the method stays kerberos')
  t.same(out.responseHeaders, {
    'www-authenticate': 'Negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg==',
    'set-cookie': 'RESTGATE_SESSION=abc; HttpOnly',
  })
})
