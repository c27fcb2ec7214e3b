// Real Redis for tests: a standalone server (with replicas if asked), a Cluster (3 masters, with a replica
// each if asked), Sentinels, each on free loopback ports in a temp dir, started in milliseconds and killed
// in teardown. Nothing here touches a system Redis.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { promisify } from 'node:util'
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
  /** kill -9 and wait for the exit: a crash, nothing flushed. */
  kill(): Promise<void>
  /** Start again on the same port and directory (as a replica of `replicaOf` when given). */
  start(options?: { readonly replicaOf?: number }): Promise<void>
  /** The running server's process id (to pause it with SIGSTOP). */
  pid(): number
}

const run = promisify(execFile)

/** One command through redis-cli; the reply as text. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 })
  return stdout.trim()
}

/** Polls `check` every 50 ms until it is true; rejects with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Replicas the server at `port` streams to and that are in sync (`state=online`). */
export async function onlineReplicas(port: number): Promise<number> {
  const info = await redisCli(port, 'INFO', 'replication')
  return info.split('\n').filter((l) => /^slave\d+:.*state=online/.test(l)).length
}

export async function role(port: number): Promise<string> {
  const info = await redisCli(port, 'INFO', 'replication')
  return /^role:(\w+)/m.exec(info)?.[1] ?? 'unknown'
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
  /** Start as a replica of the server on this port; resolves once the replica is in sync. */
  readonly replicaOf?: number
  /** The password every client must send (`requirepass`). */
  readonly requirepass?: string
}

export async function startRedis(t: T, options: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = tempDir(t, 'restgate-redis-')
  const port = await freePort()
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    // A full sync through an RDB file in `dir` (Redis 7.0 streams it by default): after a streamed sync the
    // master sends a new replica nothing, GETACK included, until its first periodic ACK, so WAIT would
    // take up to a second.
    '--repl-diskless-sync', 'no',
    ...(options.persist === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.requirepass !== undefined ? ['--requirepass', options.requirepass] : []),
  ]
  const replica = (of: number | undefined): string[] => (of === undefined ? [] : ['--replicaof', '127.0.0.1', String(of)])
  const spawnSynced = async (of: number | undefined): Promise<ChildProcess> => {
    const child = await spawnRedis([...args, ...replica(of)], dir)
    // The master's word, not the replica's: it counts a replica for WAIT only once it calls it online,
    // up to a second after the replica says its link is up.
    if (of !== undefined) {
      const online = new RegExp(`^slave\\d+:ip=[^,]*,port=${port},state=online`, 'm')
      await until(`replica on ${port} online at ${of}`, async () => online.test(await redisCli(of, 'INFO', 'replication')))
    }
    return child
  }
  let child = await spawnSynced(options.replicaOf)
  t.teardown(() => kill(child))
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop: () => kill(child, 'SIGTERM'),
    kill: () => kill(child),
    async start(again = {}) {
      child = await spawnSynced(again.replicaOf)
    },
    pid: () => child.pid!,
  }
}

export interface ClusterNode {
  readonly host: string
  readonly port: number
}

export interface RedisCluster {
  readonly nodes: ClusterNode[]
  /** kill -9 of the node on `port`: a crash. */
  kill(port: number): Promise<void>
  /** Starts the node again with its own nodes.conf: it rejoins, as a replica if it was failed over. */
  restart(port: number): Promise<void>
  /** The master port that serves `key`'s slot, as the node on `askPort` sees it. */
  masterOf(key: string, askPort?: number): Promise<number>
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

export interface StartClusterOptions {
  /** Replicas per master (0 or 1); with 1, resolves once every replica is in sync. */
  readonly replicas?: number
  /** How long a node may be silent before it counts as failed (and its replica takes over). */
  readonly nodeTimeoutMs?: number
}

/** Three masters (and their replicas), every slot covered; resolves when each node reports cluster_state:ok. */
export async function startRedisCluster(t: T, options: StartClusterOptions = {}): Promise<RedisCluster> {
  const replicas = options.replicas ?? 0
  const dir = tempDir(t, 'restgate-cluster-')
  const nodes: ClusterNode[] = []
  const children = new Map<number, ChildProcess>()
  const argsOf = new Map<number, string[]>()
  t.teardown(() => Promise.all([...children.values()].map((c) => kill(c))))
  for (let i = 0; i < 3 * (1 + replicas); i++) {
    const port = await freePort()
    const bus = await freePort()
    const args = [
      '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--dir', dir,
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
      '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2000),
      '--save', '', '--appendonly', 'no', '--repl-diskless-sync', 'no',
    ]
    argsOf.set(port, args)
    children.set(port, await spawnRedis(args, dir))
    nodes.push({ host: '127.0.0.1', port })
  }
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
    { encoding: 'utf8', timeout: 20000 },
  )
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`)
  // The nodes agree on the slot map a moment after create returns; wait for each to say so.
  for (const n of nodes) await until(`cluster_state:ok on ${n.port}`, () => clusterOk(n.port), 10000)
  if (replicas > 0) {
    for (const n of nodes) {
      if ((await role(n.port)) === 'master') await until(`a replica in sync with ${n.port}`, async () => (await onlineReplicas(n.port)) >= replicas)
    }
  }
  const masterOf = async (key: string, askPort = nodes[0]!.port): Promise<number> => {
    const slot = Number(await redisCli(askPort, 'CLUSTER', 'KEYSLOT', key))
    const shards = (await redisCli(askPort, 'CLUSTER', 'NODES')).split('\n')
    for (const line of shards) {
      const [, addr, flags, , , , , state, ...ranges] = line.split(' ')
      if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue
      for (const r of ranges) {
        const [from, to] = r.split('-').map(Number)
        if (slot >= from! && slot <= (to ?? from)!) return Number(addr!.split(':')[1]!.split('@')[0])
      }
    }
    throw new Error(`no master serves slot ${slot}`)
  }
  return {
    nodes,
    async kill(port) {
      await kill(children.get(port)!)
    },
    async restart(port) {
      children.set(port, await spawnRedis(argsOf.get(port)!, dir))
    },
    masterOf,
  }
}

export interface RedisSentinel {
  readonly port: number
  readonly masterName: string
  /** The sentinel's process id (to pause it with SIGSTOP). */
  readonly pid: number
}

export interface SentinelGroup {
  readonly masterName: string
  readonly sentinels: ClusterNode[]
  readonly pids: number[]
  /** The master port the first sentinel names now. */
  masterPort(): Promise<number>
}

export interface StartSentinelOptions {
  readonly count?: number
  readonly quorum?: number
  /** Known replicas of the master to wait for, so a failover has somewhere to go. */
  readonly replicas?: number
  readonly downAfterMs?: number
  readonly failoverTimeoutMs?: number
  /** The Sentinels' own password (`requirepass` in sentinel.conf). */
  readonly requirepass?: string
  /** The master's password, for the Sentinels to watch it (`sentinel auth-pass`). */
  readonly masterPassword?: string
}

/**
 * Sentinels watching `masterPort` under the name `restgate-master`. Resolves once each one knows the
 * replicas and the other sentinels (they find each other through the master, every 2 s).
 */
export async function startSentinels(t: T, masterPort: number, options: StartSentinelOptions = {}): Promise<SentinelGroup> {
  const count = options.count ?? 3
  const masterName = 'restgate-master'
  const sentinels: ClusterNode[] = []
  const pids: number[] = []
  for (let i = 0; i < count; i++) {
    const dir = tempDir(t, 'restgate-sentinel-')
    const port = await freePort()
    const conf = join(dir, 'sentinel.conf')
    writeFileSync(
      conf,
      [
        `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${options.quorum ?? Math.floor(count / 2) + 1}`,
        `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 30000}`,
        `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 180000}`,
        ...(options.masterPassword !== undefined ? [`sentinel auth-pass ${masterName} ${options.masterPassword}`] : []),
        ...(options.requirepass !== undefined ? [`requirepass ${options.requirepass}`] : []),
        '',
      ].join('\n'),
    )
    const child = await spawnRedis([conf, '--sentinel'], dir)
    t.teardown(() => kill(child))
    sentinels.push({ host: '127.0.0.1', port })
    pids.push(child.pid!)
  }
  const replicas = options.replicas ?? 0
  for (const s of sentinels) {
    await until(`sentinel ${s.port} to know its peers and replicas`, async () => {
      const peers = (await redisCli(s.port, 'SENTINEL', 'SENTINELS', masterName)).split('\n').filter((l) => l === 'name').length
      const known = (await redisCli(s.port, 'SENTINEL', 'REPLICAS', masterName)).split('\n').filter((l) => l === 'name').length
      return peers >= count - 1 && known >= replicas
    })
  }
  return {
    masterName,
    sentinels,
    pids,
    async masterPort() {
      const reply = (await redisCli(sentinels[0]!.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)).split('\n')
      return Number(reply[1])
    },
  }
}

/** One Sentinel watching `masterPort` under the name `restgate-master` (quorum 1). */
export async function startSentinel(
  t: T,
  masterPort: number,
  options: Pick<StartSentinelOptions, 'replicas' | 'requirepass' | 'masterPassword'> = {},
): Promise<RedisSentinel> {
  const group = await startSentinels(t, masterPort, { count: 1, quorum: 1, ...options })
  return { port: group.sentinels[0]!.port, masterName: group.masterName, pid: group.pids[0]! }
}

let prefixCounter = 0
/** A key prefix no other test uses, so tests can share one server. */
export function uniquePrefix(label = 'test'): string {
  return `rgtest:${process.pid}:${label}:${++prefixCounter}:`
}
