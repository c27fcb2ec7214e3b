// Case 6: Kerberos with a fresh SPNEGO token per request (every request a full accept, as with clients that
// keep no cookie), tokens made up front by the `kerberos` client against a private MIT KDC. It runs once
// the Kerberos branch is merged (src/kerberos, test/helpers/kdc.ts); until then cases.ts lists it as not
// available and never loads this file. The modules are imported by computed path so this file compiles in
// a build without them.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ISSUE_GET, type CaseContext, type Headers, type Subject } from './case.js'

interface Kdc {
  readonly keytab: string
  token(user: string, spn?: string): Promise<string>
}

type StartKdc = (t: { teardown(fn: () => unknown): void }) => Promise<Kdc>

const SPN = 'HTTP@localhost'

export async function kerberosCase(ctx: CaseContext): Promise<Subject> {
  const helper = '../test/helpers/kdc.js'
  const { startKdc } = (await import(helper)) as { startKdc: StartKdc }
  const kdc = await startKdc({ teardown: (fn) => ctx.teardown(fn) })
  const replayCacheDir = join(ctx.dir, 'rcache')
  mkdirSync(replayCacheDir, { recursive: true })
  const rg = await ctx.restgate('kerberos', {
    policy: { kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: SPN, replayCacheDir } },
  })
  /** Single-use tokens, a few made at a time (the client work runs on the libuv pool). */
  const perRequest = async (count: number): Promise<Headers[]> => {
    const out: Headers[] = []
    const users = ['alice', 'bob']
    const next = async (): Promise<void> => {
      while (out.length < count) out.push({ Authorization: `Negotiate ${await kdc.token(users[out.length % 2]!, SPN)}`, Host: 'localhost' })
    }
    await Promise.all([next(), next(), next(), next()])
    return out.slice(0, count)
  }
  return { url: rg.url, pid: rg.pid, request: { ...ISSUE_GET, perRequest, maxRps: 3000 } }
}
