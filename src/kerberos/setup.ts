// Gets Kerberos ready for a policy, or says exactly why it cannot: the keytab (missing, unreadable, not a
// keytab, empty, without kerberos.servicePrincipal), the replay cache directory, the native module, and
// the service key as GSS-API itself sees it. Used by `restgate check-config`, at start-up and before a
// reload is applied, so a policy Kerberos cannot serve never goes into force.
//
// libkrb5 reads its keytab and replay cache locations from the process environment, so restgate sets
// them here, before the first handshake: KRB5_KTNAME from kerberos.keytab, KRB5RCACHEDIR from
// kerberos.replayCacheDir. Never disable the replay cache: it is what refuses a captured header.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Config } from '../config/schema.js'
import type { Problem } from '../config/problems.js'
import { createGssAcceptor, type Acceptor } from './acceptor.js'
import { BINDING_MISSING_HELP, loadKerberosBinding, type BindingLoader } from './binding.js'
import { gssDetail } from './failures.js'
import { KeytabFormatError, keytabHasService, keytabOnlyFor, keytabPrincipals, readKeytab, type KeytabEntry } from './keytab.js'

/** What a running restgate needs for handshakes under one policy's kerberos section. */
export interface KerberosState {
  readonly acceptor: Acceptor
  /** Absolute keytab path and the servicePrincipal it was prepared for: a reload that changes either prepares again. */
  readonly keytab: string
  readonly servicePrincipal: string
  /** Realms of the keytab's keys: the accepted realms when kerberos.realms is empty. */
  readonly keytabRealms: readonly string[]
  readonly principals: readonly string[]
  readonly replayCacheDir: string
}

/** Swapped on reload, read by the SPNEGO authenticator on every handshake. */
export interface KerberosHolder {
  current: KerberosState | undefined
}

export interface PrepareOptions {
  /** The process environment in production: libkrb5 reads the real one. */
  readonly env: NodeJS.ProcessEnv
  readonly loadBinding?: BindingLoader
  /** Start-up creates the replay cache directory; check-config only checks that it could. */
  readonly createReplayCacheDir: boolean
}

export type Prepared = { readonly ok: true; readonly state: KerberosState | undefined } | { readonly ok: false; readonly problems: Problem[] }

/**
 * kerberos.replayCacheDir, else KRB5RCACHEDIR when the environment already sets it (the Docker image
 * does), else a `krb5-rcache` folder beside store.path (./data/krb5-rcache by default): a directory
 * restgate can write and that survives a restart, so a header captured just before a restart stays refused.
 */
export function replayCacheDirOf(config: Config, env: NodeJS.ProcessEnv): string {
  const configured = config.kerberos.replayCacheDir
  if (configured !== undefined) return resolve(configured)
  const inherited = env['KRB5RCACHEDIR']
  if (inherited !== undefined && inherited.length > 0) return resolve(inherited)
  return resolve(dirname(config.store.path), 'krb5-rcache')
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message
}

function readEntries(keytab: string, problems: Problem[]): KeytabEntry[] | undefined {
  let entries: KeytabEntry[]
  try {
    entries = readKeytab(keytab)
  } catch (err) {
    const why = err instanceof KeytabFormatError ? err.message : `cannot read it (${errCode(err)})`
    problems.push({ path: 'kerberos.keytab', message: `${keytab}: ${why}` })
    return undefined
  }
  if (entries.length === 0) {
    problems.push({ path: 'kerberos.keytab', message: `${keytab} holds no keys: export the service key into it (ktpass or kadmin ktadd)` })
    return undefined
  }
  return entries
}

function checkReplayCacheDir(dir: string, create: boolean, problems: Problem[]): void {
  const path = 'kerberos.replayCacheDir'
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 })
    let probe = dir
    while (!create && !existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe)
    accessSync(probe, constants.W_OK | constants.X_OK)
  } catch (err) {
    problems.push({
      path,
      message: `${dir} is not a writable directory (${errCode(err)}): MIT's replay cache, which refuses a replayed header, lives there`,
    })
  }
}

export async function prepareKerberos(config: Config, options: PrepareOptions): Promise<Prepared> {
  const k = config.kerberos
  if (!k.enabled || k.keytab === undefined) return { ok: true, state: undefined }
  const problems: Problem[] = []
  const keytab = resolve(k.keytab)
  const spn = k.servicePrincipal

  const entries = readEntries(keytab, problems)
  const principals = entries === undefined ? [] : keytabPrincipals(entries)
  if (entries !== undefined && spn.length > 0 && !keytabHasService(entries, spn)) {
    const wanted = spn.replace('@', '/')
    problems.push({
      path: 'kerberos.servicePrincipal',
      message: `${keytab} has no key for ${wanted} (it holds ${principals.join(', ')}): export the key for ${wanted}, or set servicePrincipal to one it holds`,
    })
  }
  const replayCacheDir = replayCacheDirOf(config, options.env)
  checkReplayCacheDir(replayCacheDir, options.createReplayCacheDir, problems)
  if (problems.length > 0) return { ok: false, problems }

  const loaded = await (options.loadBinding ?? loadKerberosBinding)()
  if (!loaded.ok) {
    return {
      ok: false,
      problems: [{ path: 'kerberos.enabled', message: `Kerberos needs the native "kerberos" module, which is not available (${loaded.reason}): ${BINDING_MISSING_HELP}` }],
    }
  }
  options.env['KRB5_KTNAME'] = `FILE:${keytab}`
  options.env['KRB5RCACHEDIR'] = replayCacheDir

  // The authoritative check: GSS-API acquires the acceptor key the way every handshake will.
  if (spn.length > 0) {
    try {
      await loaded.binding.initializeServer(spn)
    } catch (err) {
      return {
        ok: false,
        problems: [{ path: 'kerberos.servicePrincipal', message: `GSS-API cannot use the key for ${spn} in ${keytab}: ${gssDetail((err as Error).message)}` }],
      }
    }
  }
  const keytabRealms = [...new Set(entries!.map((e) => e.realm))]
  // A keytab of this service's keys alone spares every handshake the acquisition of its credential.
  const keytabOnly = spn.length > 0 && keytabOnlyFor(entries!, spn) ? new Set(principals) : undefined
  return {
    ok: true,
    state: { acceptor: createGssAcceptor(loaded.binding, spn, { keytabOnly }), keytab, servicePrincipal: spn, keytabRealms, principals, replayCacheDir },
  }
}
