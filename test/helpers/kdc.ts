// A private MIT KDC for one test file: temp dir, its own krb5.conf and kdc.conf, a random loopback port,
// nothing under /etc touched. Two realms with a one-way trust (users of OTHER.TEST can get tickets for
// services of RESTGATE.TEST, as with an Active Directory forest trust), so realm acceptance is tested
// with a real cross-realm ticket. About 0.2 s from nothing to tickets.
//
//   RESTGATE.TEST: HTTP/localhost (in `keytab`), HTTP/otherhost (another service), alice, bob
//   OTHER.TEST:    carol
//
// Tickets go into one DIR collection (one file per user): external clients get `clientEnv(user)`
// (KRB5CCNAME=FILE:<that user's cache>); in-process tokens name the principal, so no environment
// variable has to change between users.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadKerberosBinding, type GssClientContext, type KerberosBinding } from '../../src/kerberos/binding.js'
import { freePort } from './ports.js'
import { tempDir } from './tmp.js'

const run = promisify(execFile)

interface T {
  teardown(fn: () => unknown): void
}

export const REALM = 'RESTGATE.TEST'
export const OTHER_REALM = 'OTHER.TEST'
const PASSWORDS: Record<string, string> = { alice: 'alice-pw-1', bob: 'bob-pw-2', carol: 'carol-pw-3' }
const REALM_OF: Record<string, string> = { alice: REALM, bob: REALM, carol: OTHER_REALM }

export interface Kdc {
  readonly dir: string
  readonly port: number
  readonly krb5Conf: string
  /** Keytab with HTTP/localhost@RESTGATE.TEST (aes256 and aes128). */
  readonly keytab: string
  readonly binding: KerberosBinding
  /** Environment for a client process acting as `user`. */
  clientEnv(user: string): NodeJS.ProcessEnv
  /** The user's ticket cache file. */
  ccache(user: string): string
  principal(user: string): string
  /** A client context and its first (single-use) token for `spn`, as the user. */
  client(user: string, spn?: string): Promise<{ context: GssClientContext; token: string }>
  token(user: string, spn?: string): Promise<string>
  /** Writes a keytab holding the given principals (for keytab and servicePrincipal checks). */
  writeKeytab(file: string, principals: readonly string[]): Promise<string>
  /** A copy of `user`'s cache whose stored KDC time offset makes its authenticators `seconds` off. */
  skewedCache(user: string, seconds: number): string
}

function profile(port: number, dir: string): { krb5: string; kdc: string } {
  const krb5 = `[libdefaults]
  default_realm = ${REALM}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  dns_canonicalize_hostname = false
  udp_preference_limit = 1
  default_ccache_name = DIR:${dir}/ccache
[realms]
  ${REALM} = {
    kdc = 127.0.0.1:${port}
  }
  ${OTHER_REALM} = {
    kdc = 127.0.0.1:${port}
  }
[domain_realm]
  localhost = ${REALM}
  otherhost = ${REALM}
`
  const realm = (name: string, n: number) => `  ${name} = {
    database_name = ${dir}/db${n}
    key_stash_file = ${dir}/stash${n}
    acl_file = ${dir}/kadm5.acl
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
`
  const kdc = `[kdcdefaults]
  kdc_listen = 127.0.0.1:${port}
  kdc_tcp_listen = 127.0.0.1:${port}
[realms]
${realm(REALM, 1)}${realm(OTHER_REALM, 2)}[logging]
  kdc = STDERR
`
  return { krb5, kdc }
}

export async function startKdc(t: T): Promise<Kdc> {
  const loaded = await loadKerberosBinding()
  if (!loaded.ok) throw new Error(`the kerberos native module is needed for these tests: ${loaded.reason}`)
  const binding = loaded.binding
  const dir = tempDir(t, 'restgate-kdc-')
  const port = await freePort()
  const ccdir = join(dir, 'ccache')
  mkdirSync(ccdir)
  const { krb5, kdc } = profile(port, dir)
  const krb5Conf = join(dir, 'krb5.conf')
  const kdcConf = join(dir, 'kdc.conf')
  writeFileSync(krb5Conf, krb5)
  writeFileSync(kdcConf, kdc)
  writeFileSync(join(dir, 'kadm5.acl'), '')
  const env = { ...process.env, KRB5_CONFIG: krb5Conf, KRB5_KDC_PROFILE: kdcConf }

  const kadmin = async (realm: string, commands: string[]): Promise<void> => {
    const child = execFile('kadmin.local', ['-r', realm], { env })
    child.stdin!.end(commands.join('\n') + '\n')
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    if (code !== 0) throw new Error(`kadmin.local failed (${code})`)
  }
  await run('kdb5_util', ['create', '-s', '-r', REALM, '-P', 'master-pw-1'], { env })
  await run('kdb5_util', ['create', '-s', '-r', OTHER_REALM, '-P', 'master-pw-2'], { env })
  // The trust: the same cross-realm key in both databases.
  const trust = `addprinc -pw trust-pw krbtgt/${REALM}@${OTHER_REALM}`
  const keytab = join(dir, 'http.keytab')
  await kadmin(REALM, [
    trust,
    `addprinc -randkey HTTP/localhost@${REALM}`,
    `addprinc -randkey HTTP/otherhost@${REALM}`,
    `addprinc -pw ${PASSWORDS['alice']} alice@${REALM}`,
    `addprinc -pw ${PASSWORDS['bob']} bob@${REALM}`,
    `ktadd -k ${keytab} -norandkey HTTP/localhost@${REALM}`,
  ])
  await kadmin(OTHER_REALM, [trust, `addprinc -pw ${PASSWORDS['carol']} carol@${OTHER_REALM}`])

  const server: ChildProcess = spawn('krb5kdc', ['-n', '-r', REALM, '-r', OTHER_REALM], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  t.teardown(async () => {
    server.kill('SIGTERM')
    await exited
  })
  let log = ''
  await new Promise<void>((resolve, reject) => {
    server.stderr!.on('data', (c: Buffer) => {
      log += c.toString()
      if (log.includes('commencing operation')) resolve()
    })
    void exited.then(() => reject(new Error(`krb5kdc exited before serving: ${log}`)))
  })

  const ccache = (user: string): string => join(ccdir, `tkt${user}`)
  const principal = (user: string): string => `${user}@${REALM_OF[user]}`
  for (const user of Object.keys(PASSWORDS)) {
    const child = execFile('kinit', ['-c', `FILE:${ccache(user)}`, principal(user)], { env })
    child.stdin!.end(PASSWORDS[user] + '\n')
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    if (code !== 0) throw new Error(`kinit ${user} failed (${code})`)
  }

  // The test process itself is a Kerberos client (tokens) and, in-process, the acceptor.
  const saved = { KRB5_CONFIG: process.env['KRB5_CONFIG'], KRB5CCNAME: process.env['KRB5CCNAME'] }
  process.env['KRB5_CONFIG'] = krb5Conf
  process.env['KRB5CCNAME'] = `DIR:${ccdir}`
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  })

  const client = async (user: string, spn = 'HTTP@localhost') => {
    const context = await binding.initializeClient(spn, {
      principal: principal(user),
      mechOID: binding.GSS_MECH_OID_SPNEGO,
      flags: binding.GSS_C_MUTUAL_FLAG | binding.GSS_C_SEQUENCE_FLAG,
    })
    const token = await context.step('')
    return { context, token }
  }

  return {
    dir,
    port,
    krb5Conf,
    keytab,
    binding,
    clientEnv: (user) => ({ ...process.env, KRB5_CONFIG: krb5Conf, KRB5CCNAME: `FILE:${ccache(user)}` }),
    ccache,
    principal,
    client,
    token: async (user, spn) => (await client(user, spn)).token,
    async writeKeytab(file, principals) {
      const [first] = principals
      const realm = first?.split('@')[1] ?? REALM
      await kadmin(realm, principals.map((p) => `ktadd -k ${file} -norandkey ${p}`))
      return file
    },
    skewedCache(user, seconds) {
      // FILE cache v4 header: 05 04, header length, tag 1 (KDC time offset): seconds, microseconds.
      // Kept outside the collection, so in-process tokens for the user never pick it up.
      const file = join(dir, `skewed-${user}-${seconds}`)
      copyFileSync(ccache(user), file)
      const buf = readFileSync(file)
      if (buf.readUInt16BE(0) !== 0x0504 || buf.readUInt16BE(4) !== 1) throw new Error('unexpected ccache header')
      buf.writeInt32BE(seconds, 8)
      writeFileSync(file, buf)
      return file
    },
  }
}
