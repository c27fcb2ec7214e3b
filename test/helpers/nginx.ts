// nginx in front of the stub Jira and beside a restgate, configured from docs/forward-auth.md's nginx block
// (bench/servers/nginx.ts reads it), with TLS on a certificate made for the test. Stopped in teardown.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { docsNginxBlock, mainConfig, siteConfig, startNginx, type NginxServer } from '../../bench/servers/nginx.js'
import { repoPath } from './paths.js'
import { freePort } from './ports.js'
import { tempDir } from './tmp.js'

const exec = promisify(execFile)

interface T {
  teardown(fn: () => unknown): void
}

export const FORWARD_AUTH_DOC = repoPath('docs', 'forward-auth.md')

/** The nginx block exactly as the forward-auth page shows it. */
export function documentedBlock(): string {
  return docsNginxBlock(readFileSync(FORWARD_AUTH_DOC, 'utf8'))
}

export interface Tls {
  readonly cert: string
  readonly key: string
}

/** A self-signed certificate for `localhost` (clients use that name: Kerberos builds HTTP@localhost from it). */
export async function localhostCertificate(t: T): Promise<Tls> {
  const dir = tempDir(t, 'restgate-tls-')
  const cert = join(dir, 'localhost.pem')
  const key = join(dir, 'localhost.key')
  await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert])
  return { cert, key }
}

export interface FrontNginx extends NginxServer {
  /** https://localhost:PORT */
  readonly url: string
  readonly port: number
}

export interface NginxOptions {
  /** restgate's and Jira's host:port. */
  readonly restgate: string
  readonly jira: string
  readonly tls: Tls
  /** A change to the documented block (the unsafe variants); the block as documented when absent. */
  readonly edit?: (block: string) => string
}

export async function startFrontNginx(t: T, options: NginxOptions): Promise<FrontNginx> {
  const dir = tempDir(t, 'restgate-nginx-')
  const port = await freePort()
  const listen = `127.0.0.1:${port}`
  const block = (options.edit ?? ((b: string) => b))(documentedBlock())
  const site = siteConfig(block, { restgate: options.restgate, jira: options.jira, listen, tls: options.tls })
  const nginx = await startNginx(dir, mainConfig(dir, site), listen)
  t.teardown(() => nginx.stop())
  return Object.assign(Object.create(null), nginx, { url: `https://localhost:${port}`, port }) as FrontNginx
}
