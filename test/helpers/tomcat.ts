// A private Apache Tomcat 10.1 (Debian's tomcat10) for tests: its own CATALINA_BASE in a temp dir, one
// connector on a free loopback port, and two exploded webapps, /jira and /confluence, each running the
// echo servlet of test/fixtures/tomcat (compiled here with javac), /confluence also the Jakarta WebSocket
// echo endpoint under /synchrony/. /confluence has Tomcat's RemoteIpValve as docs/products.md shows it
// (so it builds its links from restgate's X-Forwarded-* headers); /jira has none and absolute redirects
// (useRelativeRedirects="false"), like a Tomcat left without proxyName: restgate rewrites its Location.
// Started once per test file (start-up takes a few seconds); stopped in teardown.
import { execFile, spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './ports.js'
import { repoPath } from './paths.js'
import { tempDir } from './tmp.js'

const run = promisify(execFile)
const HOME = '/usr/share/tomcat10'
const CONF = '/etc/tomcat10'
const API_JARS = ['servlet-api.jar', 'websocket-api.jar', 'websocket-client-api.jar'].map((j) => `${HOME}/lib/${j}`)

export interface Tomcat {
  /** `http://127.0.0.1:PORT`, the origin; the products are at /jira and /confluence. */
  readonly url: string
  readonly port: number
  log(): string
}

/** The valve of docs/products.md ("Tomcat behind restgate"): restgate at 127.0.0.1 is the trusted proxy. */
export const REMOTE_IP_VALVE =
  '<Valve className="org.apache.catalina.valves.RemoteIpValve" internalProxies="127\\.0\\.0\\.1" ' +
  'remoteIpHeader="X-Forwarded-For" protocolHeader="X-Forwarded-Proto" hostHeader="X-Forwarded-Host" portHeader="X-Forwarded-Port" />'

function serverXml(port: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="${port}" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000" />
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false" />
    </Engine>
  </Service>
</Server>
`
}

export async function startTomcat(t: { teardown(fn: () => unknown): void }): Promise<Tomcat> {
  const base = tempDir(t, 'restgate-tomcat-')
  for (const d of ['conf', 'logs', 'temp', 'work', 'webapps', 'classes']) mkdirSync(join(base, d))
  for (const f of ['web.xml', 'logging.properties']) copyFileSync(join(CONF, f), join(base, 'conf', f))
  const port = await freePort()
  writeFileSync(join(base, 'conf', 'server.xml'), serverXml(port))
  // Nothing in the server's jars needs scanning for TLDs or fragments: start-up is seconds shorter.
  writeFileSync(join(base, 'conf', 'catalina.properties'), readFileSync(join(CONF, 'catalina.properties'), 'utf8') + '\ntomcat.util.scan.StandardJarScanFilter.jarsToSkip=*.jar\n')
  const classes = join(base, 'classes')
  await run('javac', ['-nowarn', '-cp', API_JARS.join(':'), '-d', classes, repoPath('test', 'fixtures', 'tomcat', 'Echo.java'), repoPath('test', 'fixtures', 'tomcat', 'SynchronyEcho.java')])
  const apps: Array<[string, string[], string]> = [
    ['jira', ['Echo'], '<Context useRelativeRedirects="false" />'],
    ['confluence', ['Echo', 'SynchronyEcho', 'SynchronyEcho$Headers'], `<Context>${REMOTE_IP_VALVE}</Context>`],
  ]
  for (const [name, classNames, context] of apps) {
    const app = join(base, 'webapps', name)
    mkdirSync(join(app, 'WEB-INF', 'classes'), { recursive: true })
    mkdirSync(join(app, 'META-INF'))
    writeFileSync(join(app, 'META-INF', 'context.xml'), context)
    for (const c of classNames) copyFileSync(join(classes, `${c}.class`), join(app, 'WEB-INF', 'classes', `${c}.class`))
  }
  let log = ''
  const child = spawn(
    'java',
    [
      '-Xss512k',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      '-Djava.security.egd=file:/dev/./urandom',
      `-Dcatalina.home=${HOME}`,
      `-Dcatalina.base=${base}`,
      `-Djava.io.tmpdir=${join(base, 'temp')}`,
      '-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager',
      `-Djava.util.logging.config.file=${join(base, 'conf', 'logging.properties')}`,
      '-cp',
      `${HOME}/bin/bootstrap.jar:${HOME}/bin/tomcat-juli.jar`,
      'org.apache.catalina.startup.Bootstrap',
      'start',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tomcat exited before it answered:\n${log}`)
    try {
      const res = await fetch(`${url}/confluence/ready`)
      await res.arrayBuffer()
      if (res.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`tomcat did not answer in time:\n${log}`)
    await new Promise((r) => setTimeout(r, 150))
  }
  return { url, port, log: () => log }
}
