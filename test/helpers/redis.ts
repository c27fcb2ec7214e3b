// Real Redis for tests: a standalone server, a 3-node Cluster, a Sentinel, each on free loopback ports in
// a temp dir, started in milliseconds and killed in teardown. Nothing here touches a system Redis.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { freePort } from './ports.js'
import { tempDir } from './tmp.js'

interface T {
  teardown(fn: () => unknown): void
}

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  /** SIGTERM and wait for the exit (the port is free afterwards). */
  stop(): Promise<void>
  /** Start again on the same port and directory. */
  start(): Promise<void>
  /** The running server's process id (to pause it with SIGSTOP). */
  pid(): number
}

/** Spawns redis-server and resolves once it logged that it accepts connections. */
async function spawnRedis(args: string[], cwd: string): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      out += c.toString()
      if (/Ready to accept connections|\+monitor master/.test(out)) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)))
  })
  return child
}

async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill(signal)
  await exited
}

export interface StartRedisOptions {
  /** Keep data across stop/start (append-only file, fsync always), for restart tests. */
  readonly persist?: boolean
  /** The password every client must send (`requirepass`). */
  readonly requirepass?: string
}

export async function startRedis(t: T, options: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = tempDir(t, 'restgate-redis-')
  const port = await freePort()
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    ...(options.persist === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.requirepass !== undefined ? ['--requirepass', options.requirepass] : []),
  ]
  let child = await spawnRedis(args, dir)
  t.teardown(() => kill(child))
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop: () => kill(child, 'SIGTERM'),
    async start() {
      child = await spawnRedis(args, dir)
    },
    pid: () => child.pid!,
  }
}

export interface RedisCluster {
  readonly nodes: Array<{ host: string; port: number }>
}

function clusterOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port })
    let data = ''
    s.on('connect', () => s.write('CLUSTER INFO\r\n'))
    s.on('data', (c) => {
      data += c.toString()
      if (data.includes('cluster_known_nodes')) {
        s.destroy()
        resolve(data.includes('cluster_state:ok'))
      }
    })
    s.on('error', () => resolve(false))
  })
}

/** Three masters, no replicas, every slot covered; resolves when each node reports cluster_state:ok. */
export async function startRedisCluster(t: T): Promise<RedisCluster> {
  const dir = tempDir(t, 'restgate-cluster-')
  const nodes: Array<{ host: string; port: number }> = []
  const children: ChildProcess[] = []
  t.teardown(() => Promise.all(children.map((c) => kill(c))))
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    const bus = await freePort()
    const child = await spawnRedis(
      [
        '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
        '--save', '', '--appendonly', 'no',
      ],
      dir,
    )
    children.push(child)
    nodes.push({ host: '127.0.0.1', port })
  }
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8', timeout: 20000 },
  )
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`)
  // The nodes agree on the slot map a moment after create returns; wait for each to say so.
  const deadline = Date.now() + 10000
  for (const n of nodes) {
    while (!(await clusterOk(n.port))) {
      if (Date.now() > deadline) throw new Error('cluster did not become ready')
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return { nodes }
}

export interface RedisSentinel {
  readonly port: number
  readonly masterName: string
}

export interface StartSentinelOptions {
  /** The Sentinel's own password (`requirepass` in sentinel.conf). */
  readonly requirepass?: string
  /** The master's password, for the Sentinel to watch it (`sentinel auth-pass`). */
  readonly masterPassword?: string
}

/** A Sentinel watching `masterPort` under the name `restgate-master` (quorum 1). */
export async function startSentinel(t: T, masterPort: number, options: StartSentinelOptions = {}): Promise<RedisSentinel> {
  const dir = tempDir(t, 'restgate-sentinel-')
  const port = await freePort()
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor restgate-master 127.0.0.1 ${masterPort} 1`,
      ...(options.masterPassword !== undefined ? [`sentinel auth-pass restgate-master ${options.masterPassword}`] : []),
      ...(options.requirepass !== undefined ? [`requirepass ${options.requirepass}`] : []),
      '',
    ].join('\n'),
  )
  const child = await spawnRedis([conf, '--sentinel'], dir)
  t.teardown(() => kill(child))
  return { port, masterName: 'restgate-master' }
}

let prefixCounter = 0
/** A key prefix no other test uses, so tests can share one server. */
export function uniquePrefix(label = 'test'): string {
  return `rgtest:${process.pid}:${label}:${++prefixCounter}:`
}
