// Kerberos in the benchmark: one private MIT KDC per run (the test helper's, started on first use and shared
// by every Kerberos case, restgate's and Apache's), fresh single-use SPNEGO tokens made up front by the
// `kerberos` client, and restgate with Kerberos on. The helper is imported by computed path, so a build
// without it still compiles and the cases that need it are listed as not available.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ISSUE_GET, type BenchKdc, type CaseContext, type Headers, type PolicyInput, type RequestShape } from './case.js'
import type { ServerProcess } from './servers/spawn.js'

type StartKdc = (t: { teardown(fn: () => unknown): void }) => Promise<BenchKdc>

/** The service the clients ask tickets for: the URL's host is localhost, so is the Host header. */
export const SPN = 'HTTP@localhost'
export const KERBEROS_HOST = 'localhost'

/** Why the Kerberos cases cannot run in this build, or undefined when they can. */
export function kerberosMissing(root: string): string | undefined {
  if (!existsSync(join(root, 'dist', 'src', 'kerberos', 'acceptor.js'))) return 'Kerberos authentication is not in this build (no src/kerberos/acceptor.js)'
  if (!existsSync(join(root, 'node_modules', 'kerberos', 'build', 'Release', 'kerberos.node'))) {
    return 'the kerberos native module is not built (apt-get install libkrb5-dev, then npm ci)'
  }
  if (!existsSync('/usr/sbin/krb5kdc')) return 'no MIT KDC to make tickets with (apt-get install krb5-kdc krb5-admin-server krb5-user)'
  return undefined
}

export async function startBenchKdc(teardown: (fn: () => unknown) => void): Promise<BenchKdc> {
  const helper = '../test/helpers/kdc.js'
  const { startKdc } = (await import(helper)) as { startKdc: StartKdc }
  return startKdc({ teardown })
}

/** Single-use tokens for alice and bob in turn, a few made at a time (the client work runs on the libuv pool). */
export function freshTokens(kdc: BenchKdc): (count: number) => Promise<Headers[]> {
  return async (count) => {
    const out: Headers[] = []
    const users = ['alice', 'bob']
    const next = async (): Promise<void> => {
      while (out.length < count) out.push({ Authorization: `Negotiate ${await kdc.token(users[out.length % 2]!, SPN)}`, Host: KERBEROS_HOST })
    }
    await Promise.all([next(), next(), next(), next()])
    return out.slice(0, count)
  }
}

/** A fresh token per request; a full accept costs far more than a forward, so fewer are made per run. */
export function freshTokenRequest(kdc: BenchKdc): RequestShape {
  return { ...ISSUE_GET, perRequest: freshTokens(kdc), maxRps: 3000 }
}

/** restgate with Kerberos on (this run's KDC and keytab, its own replay cache), plus `policy`. */
export async function kerberosRestgate(ctx: CaseContext, name: string, policy: PolicyInput = {}): Promise<ServerProcess & { kdc: BenchKdc }> {
  const kdc = await ctx.kdc()
  const replayCacheDir = join(ctx.dir, `${name}-rcache`)
  mkdirSync(replayCacheDir, { recursive: true })
  const { kerberos, ...rest } = policy
  const rg = await ctx.restgate(name, {
    policy: { ...rest, kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: SPN, replayCacheDir, ...(kerberos as PolicyInput | undefined) } },
  })
  return Object.assign(Object.create(null), rg, { kdc }) as ServerProcess & { kdc: BenchKdc }
}
