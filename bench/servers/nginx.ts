// nginx with auth_request in front of Jira and beside restgate, configured exactly as docs/forward-auth.md
// shows: the page's nginx block is read from the page, and only its addresses, its port and its certificate
// paths are changed, each of which must appear in the block exactly as written (so an edit of the page that
// the tests would not follow fails loudly instead). A private instance, as Debian ships nginx 1.22: its own
// prefix, config, pid file, error log and temp paths in a directory of its own, `daemon off` in the
// foreground as a child of the caller, on free loopback ports; never the system service.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'

export const NGINX = '/usr/sbin/nginx'

/** Why nginx cannot run here, or undefined when it can. */
export function nginxMissing(): string | undefined {
  return existsSync(NGINX) ? undefined : 'no nginx (apt-get install nginx)'
}

/** The addresses and names the page's block is written with, and what a run puts in their place. */
export const DOC_RESTGATE = 'server restgate.internal:8000;'
export const DOC_JIRA = 'server jira.internal:8080;'
export const DOC_LISTEN = 'listen 443 ssl;'
export const DOC_CERT = 'ssl_certificate     /etc/nginx/tls/jira.example.com.pem;'
export const DOC_KEY = 'ssl_certificate_key /etc/nginx/tls/jira.example.com.key;'

/** The first ```nginx block of the page: the configuration it documents. */
export function docsNginxBlock(markdown: string): string {
  const m = /^```nginx[ \t]*\r?\n([\s\S]*?)^```/m.exec(markdown)
  if (m === null) throw new Error('no ```nginx block in the forward-auth page')
  return m[1]!
}

function replaceOnce(text: string, what: string, by: string): string {
  const at = text.indexOf(what)
  if (at === -1 || text.indexOf(what, at + 1) !== -1) throw new Error(`the documented nginx block must contain "${what}" exactly once`)
  return text.slice(0, at) + by + text.slice(at + what.length)
}

export interface NginxSite {
  /** host:port of restgate and of Jira (the stub). */
  readonly restgate: string
  readonly jira: string
  /** Where nginx listens: 127.0.0.1:PORT. */
  readonly listen: string
  /** PEM files for TLS; without them the server listens in plain HTTP (the benchmark). */
  readonly tls?: { readonly cert: string; readonly key: string }
}

/** The documented block with this run's addresses in place of the page's. */
export function siteConfig(block: string, site: NginxSite): string {
  let out = replaceOnce(block, DOC_RESTGATE, `server ${site.restgate};`)
  out = replaceOnce(out, DOC_JIRA, `server ${site.jira};`)
  if (site.tls !== undefined) {
    out = replaceOnce(out, DOC_LISTEN, `listen ${site.listen} ssl;`)
    out = replaceOnce(out, DOC_CERT, `ssl_certificate ${site.tls.cert};`)
    out = replaceOnce(out, DOC_KEY, `ssl_certificate_key ${site.tls.key};`)
  } else {
    out = replaceOnce(out, DOC_LISTEN, `listen ${site.listen};`)
    out = replaceOnce(out, DOC_CERT, '')
    out = replaceOnce(out, DOC_KEY, '')
  }
  return out
}

/** The main configuration around a site: everything nginx writes stays in `dir`. */
export function mainConfig(dir: string, site: string, errorLog = join(dir, 'error.log')): string {
  return [
    '# Written for one test or benchmark run.',
    'daemon off;',
    'worker_processes 1;',
    // Started as root, nginx runs its workers as nobody, who cannot enter a private temporary directory.
    ...(process.getuid?.() === 0 ? ['user root root;'] : []),
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${errorLog} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '    access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `    ${k}_temp_path ${join(dir, `${k}_temp`)};`),
    site,
    '}',
    '',
  ].join('\n')
}

export interface NginxServer {
  readonly pid: number
  readonly dir: string
  /** The end of the error log, for error messages. */
  tail(): string
  stop(): Promise<void>
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}

/** Writes the configuration into `dir` and starts nginx in the foreground; resolves once `listen` accepts. */
export async function startNginx(dir: string, config: string, listen: string): Promise<NginxServer> {
  const missing = nginxMissing()
  if (missing !== undefined) throw new Error(missing)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'nginx.conf')
  const errorLog = join(dir, 'error.log')
  writeFileSync(file, config)
  const child: ChildProcess = spawn(NGINX, ['-c', file, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const tail = (): string => {
    let log = ''
    try {
      log = readFileSync(errorLog, 'utf8')
    } catch {
      // not written yet
    }
    return (stderr + log).split('\n').slice(-15).join('\n')
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM') // nginx's fast shutdown
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))]
  const deadline = Date.now() + 10_000
  let dead = false
  void exited.then(() => (dead = true))
  while (!(await accepts(host, port))) {
    if (dead) throw new Error(`nginx exited before it listened:\n${tail()}`)
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`nginx did not listen on ${listen} within 10 s:\n${tail()}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  return { pid: child.pid!, dir, tail, stop }
}
