// The peer an admin weighs restgate against: Apache httpd 2.4 with mod_auth_gssapi and mod_proxy, as Debian
// ships them, with Debian's default MPM and keep-alive settings. A private instance: its own ServerRoot,
// config, pid file and logs in a directory of its own, started with `apache2 -f CONF -k start` in a clean
// environment (only KRB5_CONFIG and KRB5RCACHEDIR, as `env -i` would leave it), on free loopback ports;
// never the system service. Started as root it serves from www-data children, so the copies of krb5.conf
// and the keytab and the session key are readable by www-data, and the replay cache directory is theirs.
// One instance, three virtual hosts: plain ProxyPass, GSSAPI with a handshake per request, GSSAPI sessions.
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, probe } from './spawn.js'

const APACHE = '/usr/sbin/apache2'
const MODULES = '/usr/lib/apache2/modules'
const run = promisify(execFile)

/** Why the peer cannot run on this machine, or undefined when it can. */
export function apacheMissing(): string | undefined {
  if (!existsSync(APACHE)) return 'no Apache httpd (apt-get install apache2)'
  if (!existsSync(join(MODULES, 'mod_auth_gssapi.so'))) return 'no mod_auth_gssapi (apt-get install libapache2-mod-auth-gssapi)'
  return undefined
}

export interface ApachePorts {
  readonly plain: number
  readonly gssapi: number
  readonly session: number
}

export interface ApacheLayout {
  /** ServerRoot: config, pid file, error log, the keytab copy, the session key, the replay cache. */
  readonly dir: string
  /** The stub Jira, http://127.0.0.1:PORT. */
  readonly upstream: string
  readonly ports: ApachePorts
  /** Opened by the master, as root, before it forks: they may lie where www-data cannot go. */
  readonly accessLog: string
  readonly errorLog: string
  /** The user the children run as (www-data when started as root), or undefined to stay the caller. */
  readonly user?: string
}

/** The session cookie mod_session sets for mod_auth_gssapi. */
export const APACHE_SESSION_COOKIE = 'gssapi_session'

export function apacheFiles(dir: string) {
  return {
    conf: join(dir, 'httpd.conf'),
    pid: join(dir, 'httpd.pid'),
    krb5Conf: join(dir, 'krb5.conf'),
    keytab: join(dir, 'http.keytab'),
    sessionKey: join(dir, 'session.key'),
    replayCache: join(dir, 'rcache'),
    runtime: join(dir, 'run'),
  }
}

const MODULE_LIST = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authn_core_module', 'mod_authn_core.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['authz_user_module', 'mod_authz_user.so'],
  ['auth_gssapi_module', 'mod_auth_gssapi.so'],
  ['headers_module', 'mod_headers.so'],
  ['session_module', 'mod_session.so'],
  ['session_cookie_module', 'mod_session_cookie.so'],
  ['proxy_module', 'mod_proxy.so'],
  ['proxy_http_module', 'mod_proxy_http.so'],
] as const

/** httpd.conf for the three virtual hosts. Pure, so its directives can be checked without an Apache. */
export function apacheConfig(l: ApacheLayout): string {
  const f = apacheFiles(l.dir)
  const gssapi = (sessions: boolean): string[] => [
    '  <Location "/">',
    '    AuthType GSSAPI',
    '    AuthName "restgate bench"',
    `    GssapiCredStore keytab:${f.keytab}`,
    // alice@RESTGATE.TEST -> alice, as restgate's kerberos.stripRealm does by default.
    '    GssapiLocalName On',
    ...(sessions
      ? [
          '    GssapiUseSessions On',
          '    Session On',
          `    SessionCookieName ${APACHE_SESSION_COOKIE} path=/;httponly`,
          `    GssapiSessionKey file:${f.sessionKey}`,
        ]
      : []),
    '    Require valid-user',
    '  </Location>',
    // As restgate: the consumed credential is not forwarded, the upstream is told who the user is.
    // (The plain "%{REMOTE_USER}s" form would send the literal "(null)": it is evaluated too early.)
    '  RequestHeader unset Authorization',
    '  RequestHeader set X-Forwarded-User "expr=%{REMOTE_USER}"',
  ]
  const vhost = (port: number, body: string[]): string[] => [
    `<VirtualHost 127.0.0.1:${port}>`,
    ...body,
    `  ProxyPass "/" "${l.upstream}/"`,
    '</VirtualHost>',
  ]
  return [
    '# Written by bench/servers/apache.ts for one benchmark run.',
    `ServerRoot "${l.dir}"`,
    'ServerName localhost',
    `PidFile "${f.pid}"`,
    `DefaultRuntimeDir "${f.runtime}"`,
    `ErrorLog "${l.errorLog}"`,
    'LogLevel warn',
    ...(l.user === undefined ? [] : [`User ${l.user}`, `Group ${l.user}`]),
    ...MODULE_LIST.map(([name, file]) => `LoadModule ${name} ${MODULES}/${file}`),
    '# Debian defaults (apache2.conf, mods-available/mpm_event.conf).',
    'Timeout 300',
    'KeepAlive On',
    'MaxKeepAliveRequests 100',
    'KeepAliveTimeout 5',
    'StartServers 2',
    'MinSpareThreads 25',
    'MaxSpareThreads 75',
    'ThreadLimit 64',
    'ThreadsPerChild 25',
    'MaxRequestWorkers 150',
    'MaxConnectionsPerChild 0',
    // An access line per request, as restgate writes one.
    'LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined',
    `CustomLog "${l.accessLog}" combined`,
    `Listen 127.0.0.1:${l.ports.plain}`,
    `Listen 127.0.0.1:${l.ports.gssapi}`,
    `Listen 127.0.0.1:${l.ports.session}`,
    ...vhost(l.ports.plain, []),
    ...vhost(l.ports.gssapi, gssapi(false)),
    ...vhost(l.ports.session, gssapi(true)),
    '',
  ].join('\n')
}

export interface ApacheServer {
  /** The master process: its CPU time and that of every child it forks is the peer's. */
  readonly pid: number
  readonly dir: string
  readonly urls: { readonly plain: string; readonly gssapi: string; readonly session: string }
  /** The end of the error log, for error messages. */
  tail(): string
  stop(): Promise<void>
}

export interface ApacheOptions {
  readonly upstream: string
  /** The KDC's krb5.conf and the keytab holding HTTP/localhost. */
  readonly krb5Conf: string
  readonly keytab: string
  /** Where the access log goes (a file, or /dev/null) and the error log. */
  readonly accessLog: string
  readonly errorLog: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function wwwData(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'www-data'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function startApache(opts: ApacheOptions): Promise<ApacheServer> {
  const missing = apacheMissing()
  if (missing !== undefined) throw new Error(missing)
  // Not inside the benchmark's run directory, which only root may enter: www-data must reach these files.
  const dir = mkdtempSync(join(tmpdir(), 'restgate-bench-apache-'))
  const f = apacheFiles(dir)
  const owner = wwwData()
  mkdirSync(f.runtime)
  mkdirSync(f.replayCache, { mode: 0o700 })
  copyFileSync(opts.krb5Conf, f.krb5Conf)
  copyFileSync(opts.keytab, f.keytab)
  // 32 bytes: mod_auth_gssapi's sealing key, read by the master at start; the children share it.
  writeFileSync(f.sessionKey, randomBytes(32), { mode: 0o640 })
  chmodSync(f.krb5Conf, 0o644)
  chmodSync(f.keytab, 0o640)
  if (owner !== undefined) {
    // The directory: root and www-data only. The secrets: readable by the group. The replay cache: theirs.
    chownSync(dir, 0, owner.gid)
    chmodSync(dir, 0o750)
    chownSync(f.keytab, 0, owner.gid)
    chownSync(f.sessionKey, 0, owner.gid)
    chownSync(f.replayCache, owner.uid, owner.gid)
  }
  const ports: ApachePorts = { plain: await freePort(), gssapi: await freePort(), session: await freePort() }
  writeFileSync(
    f.conf,
    apacheConfig({
      dir,
      upstream: opts.upstream,
      ports,
      accessLog: opts.accessLog,
      errorLog: opts.errorLog,
      user: owner === undefined ? undefined : 'www-data',
    }),
  )
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', KRB5_CONFIG: f.krb5Conf, KRB5RCACHEDIR: f.replayCache }
  const tail = (): string => {
    try {
      return readFileSync(opts.errorLog, 'utf8').split('\n').slice(-12).join('\n')
    } catch {
      return ''
    }
  }
  const stop = async (): Promise<void> => {
    let pid: number | undefined
    try {
      pid = Number(readFileSync(f.pid, 'utf8').trim())
    } catch {
      pid = undefined
    }
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGTERM')
      const deadline = Date.now() + 10_000
      while (alive(pid) && Date.now() < deadline) await sleep(50)
      if (alive(pid)) process.kill(pid, 'SIGKILL')
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    // -k start forks the master into the background and returns; the master writes the pid file.
    await run(APACHE, ['-f', f.conf, '-k', 'start'], { env })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    await stop()
    throw new Error(`apache2 -k start failed: ${e.stderr ?? e.message}`)
  }
  const urls = {
    plain: `http://127.0.0.1:${ports.plain}`,
    gssapi: `http://127.0.0.1:${ports.gssapi}`,
    session: `http://127.0.0.1:${ports.session}`,
  }
  const deadline = Date.now() + 20_000
  let pid = 0
  for (;;) {
    if (pid === 0 && existsSync(f.pid)) pid = Number(readFileSync(f.pid, 'utf8').trim()) || 0
    if (pid !== 0 && (await probe(urls.plain + '/'))) break
    if (Date.now() > deadline || (pid !== 0 && !alive(pid))) {
      const why = tail()
      await stop()
      throw new Error(`Apache httpd did not start:\n${why}`)
    }
    await sleep(50)
  }
  return { pid, dir, urls, tail, stop }
}
