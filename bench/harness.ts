// Runs the cases: starts every server once, warms each up, then measures in rounds that alternate the
// configurations (each round starts one case later), so slow drift on a shared machine hits every case alike.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { BenchCase, BenchKdc, CaseContext, Headers, PolicyInput, Subject } from './case.js'
import { startBenchKdc } from './kerberos-case.js'
import type { BenchOptions } from './options.js'
import { pin, type Placement } from './placement.js'
import { peakRssBytes, processTree, treeCpuTicks } from './proc.js'
import { startApache, type ApacheServer } from './servers/apache.js'
import { docsNginxBlock, mainConfig, siteConfig, startNginx } from './servers/nginx.js'
import { freePort, spawnServer, type ServerProcess } from './servers/spawn.js'
import { startRedisServer } from './servers/redis.js'
import { runWrk, type LoadResult } from './load/wrk.js'

export interface Measurement extends LoadResult {
  /** CPU time of the subject's process tree over the run (children that exited included), per completed request. */
  readonly cpuUsPerRequest: number
}

export interface CaseResult {
  readonly case: BenchCase
  /** One per round, in round order. */
  readonly runs: Measurement[]
  /** One-request-in-flight runs, one per round (latency cases only). */
  readonly latency: LoadResult[]
  peakRssBytes: number
}

export interface HarnessEnv {
  readonly root: string
  readonly placement: Placement
  readonly ticksPerSecond: number
  readonly log: (line: string) => void
}

function deepMerge(a: PolicyInput, b: PolicyInput): PolicyInput {
  const out: PolicyInput = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const have = out[k]
    const bothObjects = (x: unknown): x is PolicyInput => x !== null && typeof x === 'object' && !Array.isArray(x)
    out[k] = bothObjects(v) && bothObjects(have) ? deepMerge(have, v) : v
  }
  return out
}

/** restgate as in production, minus authentication: access log on, admin listener on. */
export function benchPolicy(stubUrl: string, port: number, adminPort: number, dir: string, name: string): PolicyInput {
  return {
    server: { host: '127.0.0.1', port, admin: { enabled: true, host: '127.0.0.1', port: adminPort } },
    upstream: { url: stubUrl },
    store: { type: 'embedded', path: join(dir, `${name}.db`) },
    kerberos: { enabled: false },
    apiTokens: { enabled: false },
    anonymous: 'passthrough',
    logging: { level: 'info', accessLog: true },
  }
}

/** One request the way the load will send it: the case must answer 200 with the stub's JSON. */
async function verify(c: BenchCase, s: Subject): Promise<void> {
  const headers: Record<string, string> = { ...s.request.headers }
  if (s.request.perRequest !== undefined) Object.assign(headers, (await s.request.perRequest(1))[0])
  else if (s.request.rotate !== undefined) Object.assign(headers, s.request.rotate[0])
  const { status, bytes } = await new Promise<{ status: number; bytes: number }>((resolve, reject) => {
    const req = http.request(s.url + s.request.path, { method: s.request.method ?? 'GET', headers, agent: false }, (res) => {
      let bytes = 0
      res.on('data', (d: Buffer) => (bytes += d.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }))
    })
    req.on('error', reject)
    req.end()
  })
  if (status !== 200 || bytes < 512) {
    throw new Error(`case ${c.id} (${c.title}): expected 200 with the stub's JSON, got ${status} with ${bytes} bytes`)
  }
}

export class Harness {
  private readonly servers: ServerProcess[] = []
  private readonly dir: string
  private stub: ServerProcess | undefined
  private redisServer: Promise<ServerProcess> | undefined
  private kdcServer: Promise<BenchKdc> | undefined
  private apacheServer: Promise<ApacheServer> | undefined
  private readonly teardowns: Array<() => unknown> = []

  constructor(
    private readonly env: HarnessEnv,
    private readonly opts: BenchOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'restgate-bench-'))
  }

  get runDir(): string {
    return this.dir
  }

  private logFile(name: string): string {
    return this.opts.devNullLog ? '/dev/null' : join(this.dir, `${name}.log`)
  }

  private async spawnNode(name: string, args: readonly string[], readyPath: string, env?: NodeJS.ProcessEnv): Promise<ServerProcess> {
    const port = await freePort()
    const p = await spawnServer({
      name,
      args: args.map((a) => a.replace('{port}', String(port))),
      url: `http://127.0.0.1:${port}`,
      readyPath,
      stdoutFile: this.logFile(name),
      stderrFile: join(this.dir, `${name}.stderr`),
      cwd: this.env.root,
      env,
    })
    this.servers.push(p)
    return p
  }

  private context(stub: ServerProcess): CaseContext {
    const kdc = (): Promise<BenchKdc> => (this.kdcServer ??= startBenchKdc((fn) => void this.teardowns.push(fn)))
    return {
      stub,
      dir: this.dir,
      spawnNode: (name, args, readyPath, env) => this.spawnNode(name, args, readyPath, env),
      restgate: async (name, { policy = {}, env, cli = 'dist/src/cli.js' } = {}) => {
        const port = await freePort()
        const adminPort = await freePort()
        const configPath = join(this.dir, `${name}.yaml`)
        writeFileSync(configPath, stringify(deepMerge(benchPolicy(stub.url, port, adminPort, this.dir, name), policy)))
        const p = await spawnServer({
          name,
          args: [cli, '--config', configPath],
          url: `http://127.0.0.1:${port}`,
          readyPath: '/rest/ksso/api/info/1.0/ping',
          stdoutFile: this.logFile(name),
          stderrFile: join(this.dir, `${name}.stderr`),
          cwd: this.env.root,
          env,
        })
        this.servers.push(p)
        return Object.assign(Object.create(null), p, { configPath }) as ServerProcess & { configPath: string }
      },
      teardown: (fn) => void this.teardowns.push(fn),
      redis: () =>
        (this.redisServer ??= startRedisServer(this.dir).then((r) => {
          this.servers.push(r)
          return r
        })),
      kdc,
      apache: () =>
        (this.apacheServer ??= kdc().then(async (k) => {
          const a = await startApache({
            upstream: stub.url,
            krb5Conf: k.krb5Conf,
            keytab: k.keytab,
            accessLog: this.logFile('apache-access'),
            errorLog: join(this.dir, 'apache-error.log'),
          })
          // Registered after the KDC's teardown, so run before it.
          this.teardowns.push(() => a.stop())
          return a
        })),
      nginx: async (name, { restgate, edit }) => {
        const listen = `127.0.0.1:${await freePort()}`
        const page = readFileSync(join(this.env.root, 'docs', 'forward-auth.md'), 'utf8')
        const block = (edit ?? ((b: string) => b))(docsNginxBlock(page))
        // Without auth subrequests the restgate upstream is never connected to: any address will do.
        const site = siteConfig(block, { restgate: restgate ?? '127.0.0.1:9', jira: new URL(stub.url).host, listen })
        const dir = join(this.dir, name)
        const n = await startNginx(dir, mainConfig(dir, site), listen)
        const p: ServerProcess = { name, pid: n.pid, url: `http://${listen}`, tail: n.tail, stop: n.stop }
        this.servers.push(p)
        return p
      },
      logFile: (name) => this.logFile(name),
    }
  }

  /** Starts the stub and every case's servers; checks each answers as the load expects. */
  async start(cases: readonly BenchCase[]): Promise<Map<BenchCase, Subject>> {
    this.stub = await this.spawnNode('stub-jira', ['dist/bench/servers/stub-jira.js', '{port}'], '/')
    const ctx = this.context(this.stub)
    const subjects = new Map<BenchCase, Subject>()
    for (const c of cases) {
      const s = await c.start(ctx)
      await verify(c, s)
      subjects.set(c, s)
      this.env.log(`started case ${c.id}: ${c.title} (${s.url}, pid ${s.pid})`)
    }
    return subjects
  }

  /**
   * Affinity for one run; returns wrk's CPU list. Throughput runs give the subject its own core. Latency runs
   * (one request in flight, so one process runs at a time) put everything on that one core: on a VM, waking
   * an idle vCPU for each hop costs milliseconds at p99, which would measure the hypervisor, not the proxy.
   */
  private place(c: BenchCase, s: Subject, kind: 'throughput' | 'latency'): string | undefined {
    const p = this.env.placement
    const tree = processTree(s.pid)
    // The stub and the processes in front of the subject (nginx and its worker) share the rest.
    const around = [this.stub!.pid, ...(s.companions ?? []).flatMap((pid) => processTree(pid))].filter((pid) => !tree.includes(pid))
    if (!p.pinned || (c.cores ?? 'own') === 'all') {
      pin([...tree, ...around], p.all)
      return undefined
    }
    const rest = kind === 'latency' ? p.subject : p.others
    pin(tree, p.subject)
    if (around.length > 0) pin(around, rest)
    return rest
  }

  private async load(s: Subject, connections: number, durationS: number, cpus: string | undefined): Promise<LoadResult> {
    const r = s.request
    let perRequest: Headers[] | undefined
    if (r.perRequest !== undefined) perRequest = await r.perRequest(Math.ceil((r.maxRps ?? 20_000) * durationS))
    return runWrk({
      url: s.url,
      method: r.method ?? 'GET',
      path: r.path,
      headers: r.headers ?? {},
      perRequest,
      rotate: r.rotate,
      connections,
      threads: Math.min(this.opts.threads, connections),
      durationS,
      cpus,
      workDir: this.dir,
    })
  }

  async warmUp(c: BenchCase, s: Subject): Promise<void> {
    const cpus = this.place(c, s, 'throughput')
    await this.load(s, this.opts.connections, this.opts.warmupS, cpus)
  }

  async measure(c: BenchCase, s: Subject): Promise<Measurement> {
    const cpus = this.place(c, s, 'throughput')
    const before = treeCpuTicks(s.pid)
    const r = await this.load(s, this.opts.connections, this.opts.durationS, cpus)
    const after = treeCpuTicks(s.pid)
    const cpuUs = ((after - before) / this.env.ticksPerSecond) * 1e6
    return { ...r, cpuUsPerRequest: r.requests > 0 ? cpuUs / r.requests : 0 }
  }

  async measureLatency(c: BenchCase, s: Subject): Promise<LoadResult> {
    const cpus = this.place(c, s, 'latency')
    return this.load(s, 1, this.opts.latencyS, cpus)
  }

  peakRss(s: Subject): number {
    return peakRssBytes(processTree(s.pid))
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((p) => p.stop()))
    for (const fn of this.teardowns.reverse()) await fn()
    if (!this.opts.keep) rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Every case in every round, each round starting one case later than the one before. */
export async function runRounds(
  harness: Harness,
  subjects: Map<BenchCase, Subject>,
  opts: BenchOptions,
  log: (line: string) => void,
): Promise<CaseResult[]> {
  const cases = [...subjects.keys()]
  const results = cases.map((c): CaseResult => ({ case: c, runs: [], latency: [], peakRssBytes: 0 }))
  for (const c of cases) await harness.warmUp(c, subjects.get(c)!)
  for (let round = 0; round < opts.rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + round) % cases.length
      const c = cases[i]!
      const s = subjects.get(c)!
      const m = await harness.measure(c, s)
      results[i]!.runs[round] = m
      let line = `round ${round + 1}/${opts.rounds} case ${c.id}: ${Math.round(m.rps)} req/s, ${m.cpuUsPerRequest.toFixed(1)} µs CPU/req`
      if (m.errors > 0) line += `, ${m.errors} errors`
      if (m.exhausted) line += ' (ran out of per-request headers: raise the case\'s maxRps; req/s understated)'
      if (c.latency === true) {
        const l = await harness.measureLatency(c, s)
        results[i]!.latency[round] = l
        line += `; c=1 p50 ${l.p50Ms.toFixed(3)} ms p99 ${l.p99Ms.toFixed(3)} ms`
      }
      log(line)
    }
  }
  for (const r of results) r.peakRssBytes = harness.peakRss(subjects.get(r.case)!)
  return results
}
