// The container image, read from the Dockerfile (no Docker engine here): its HEALTHCHECK line, run as
// Docker would run it against a real restgate's admin listener; and a data directory the image's user can
// write, where the policy it ships keeps its store (the default store.path used to land under the
// root-owned /app).
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { readFileSync } from 'node:fs'
import { dirname, posix } from 'node:path'
import { parseConfig } from '../../src/config/load.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { repoPath } from '../helpers/paths.js'

const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8').replace(/\\\n/g, ' ')
/** The last stage: the image that runs. */
const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
const instructions = runtime.split('\n').filter((l) => /^[A-Z]+ /.test(l))
const last = (word: string): string => instructions.filter((l) => l.startsWith(`${word} `)).at(-1)?.slice(word.length + 1).trim() ?? ''
const env = Object.fromEntries(
  instructions
    .filter((l) => l.startsWith('ENV '))
    .flatMap((l) => [...l.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
)

/** The HEALTHCHECK's CMD, exec form, with `node` being this test's node. */
function healthcheck(): string[] {
  const m = /^HEALTHCHECK .*?CMD (\[.*\])\s*$/m.exec(runtime)
  if (m === null) throw new Error('no HEALTHCHECK CMD [...] in the Dockerfile')
  const argv = JSON.parse(m[1]!) as string[]
  if (argv[0] !== 'node') throw new Error(`the HEALTHCHECK runs ${argv[0]}, not node: the slim image has no curl`)
  return argv.slice(1)
}

async function runHealthcheck(url: string): Promise<{ code: number | null; ms: number }> {
  const started = Date.now()
  const child = spawn(process.execPath, healthcheck(), { env: { ...process.env, RESTGATE_HEALTH_URL: url }, stdio: 'ignore' })
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, ms: Date.now() - started }
}

async function listen(t: Test, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/healthz`
}

t.test('HEALTHCHECK: node against /healthz; 0 while restgate answers, 1 when it does not, within the timeout', async (t) => {
  t.match(runtime, /HEALTHCHECK --interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+/)
  t.equal(env['RESTGATE_HEALTH_URL'], 'http://127.0.0.1:9090/healthz')
  const stub = await startStubJira(t)
  const rg = await startRestgate(t, testPolicy(stub.url, { server: { admin: { enabled: true } } }))
  t.equal((await runHealthcheck(`${rg.adminUrl}/healthz`)).code, 0, 'healthy')
  await rg.close()
  t.equal((await runHealthcheck(`${rg.adminUrl}/healthz`)).code, 1, 'nothing listens: unhealthy')
  t.equal((await runHealthcheck(await listen(t, (_req, res) => res.writeHead(503).end()))).code, 1, 'a 503: unhealthy')
  const hung = await runHealthcheck(await listen(t, () => undefined))
  t.equal(hung.code, 1, 'a server that never answers: unhealthy')
  const timeout = Number(/--timeout=(\d+)s/.exec(runtime)![1]) * 1000
  t.ok(hung.ms < timeout, `gave up after ${hung.ms} ms, before Docker's own ${timeout} ms timeout`)
})

t.test("the image's policy keeps its store in a data directory the image's user owns", async (t) => {
  const user = last('USER')
  t.equal(user, 'restgate', 'runs as the unprivileged restgate user')
  const workdir = last('WORKDIR')
  const volumes = JSON.parse(last('VOLUME')) as string[]
  t.ok(volumes.includes(workdir), `the working directory ${workdir} is a volume, so data survives the container`)
  const run = instructions.filter((l) => l.startsWith('RUN ')).join(' ')
  t.match(run, new RegExp(`chown -R restgate:restgate ${workdir}( |$)`), `${workdir} belongs to restgate`)

  // The policy the image ships at $RESTGATE_CONFIG, as a container without a mounted policy reads it.
  const config = env['RESTGATE_CONFIG']!
  const copied = instructions.find((l) => l.startsWith('COPY ') && l.trim().endsWith(` ${config}`))
  t.ok(copied, `the image ships a policy at ${config}`)
  const source = copied!.split(/\s+/)[1]!
  const loaded = parseConfig(readFileSync(repoPath(source), 'utf8'), { env: { JIRA_URL: 'http://jira:8080' }, checkFiles: false })
  t.ok(loaded.ok, `${source} validates`)
  if (!loaded.ok) return
  const store = posix.resolve(workdir, loaded.config.store.path)
  t.ok(store.startsWith(`${workdir}/`), `store.path ${loaded.config.store.path} lands in ${store}, inside ${workdir}`)
  t.ok(dirname(store) === workdir || run.includes(dirname(store)), `${dirname(store)} is made in the image (or is the volume itself)`)
  t.equal(env['KRB5RCACHEDIR'], workdir, 'the replay cache lives there too')
  t.equal(`http://${loaded.config.server.admin.host}:${loaded.config.server.admin.port}/healthz`, env['RESTGATE_HEALTH_URL'], 'the HEALTHCHECK asks where that policy listens')
})

t.test('LICENSE is the Apache License 2.0 that package.json names, the standard text unchanged', async (t) => {
  const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { license: string }
  t.equal(pkg.license, 'Apache-2.0')
  const text = readFileSync(repoPath('LICENSE'), 'utf8')
  t.match(text, /^\n {33}Apache License\n {27}Version 2\.0, January 2004\n/)
  t.match(text, 'END OF TERMS AND CONDITIONS')
  const { createHash } = await import('node:crypto')
  // The text of https://www.apache.org/licenses/LICENSE-2.0.txt (also Debian's /usr/share/common-licenses/Apache-2.0).
  t.equal(createHash('md5').update(text).digest('hex'), '3b83ef96387f14655fc854ddc3c6bd57')
  t.match(dockerfile, /\nCOPY LICENSE /, 'the image carries it')
})
