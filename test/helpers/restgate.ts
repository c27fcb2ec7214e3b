// Starts restgate for a test: in-process (fast, logs captured) or as a real `restgate` process (signals,
// exit codes). Both listen on free ports and are stopped in teardown.
import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { stringify } from 'yaml'
import { start, type Running, type StartOptions } from '../../src/main.js'
import { createLogSink, type LogSink } from './log-sink.js'
import { CLI } from './paths.js'
import { tempDir } from './tmp.js'

interface T {
  teardown(fn: () => unknown): void
}

export type PolicyInput = Record<string, unknown>

/** A policy for tests: a free listener, the admin listener off unless asked, the given upstream. */
export function testPolicy(upstreamUrl: string, extra: PolicyInput = {}): PolicyInput {
  const base: PolicyInput = {
    server: { host: '127.0.0.1', port: 8000, admin: { enabled: false } },
    upstream: { url: upstreamUrl, timeout: '5s', connectTimeout: '2s' },
  }
  return deepMerge(base, extra)
}

/** `b` over `a`, section by section (lists are replaced, not merged). */
export function deepMerge(a: PolicyInput, b: PolicyInput): PolicyInput {
  const out: PolicyInput = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const have = out[k]
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && have !== null && typeof have === 'object' && !Array.isArray(have)
        ? deepMerge(have as PolicyInput, v as PolicyInput)
        : v
  }
  return out
}

/** Writes the policy; an object policy without a `store` section keeps its store in `dir`, never in ./data. */
export function writePolicy(dir: string, policy: PolicyInput | string, name = 'restgate.yaml'): string {
  const file = join(dir, name)
  const withStore = typeof policy === 'string' || 'store' in policy ? policy : { ...policy, store: { path: join(dir, 'data', 'restgate.db') } }
  writeFileSync(file, typeof withStore === 'string' ? withStore : stringify(withStore))
  return file
}

export interface TestRestgate extends Running {
  readonly logs: LogSink
  readonly configPath: string
  readonly dir: string
}

export async function startRestgate(
  t: T,
  policy: PolicyInput | string,
  options: Partial<StartOptions> & { dir?: string } = {},
): Promise<TestRestgate> {
  const dir = options.dir ?? tempDir(t)
  const configPath = writePolicy(dir, policy)
  const logs = createLogSink()
  const running = await start({
    configPath,
    logDestination: logs.stream,
    port: 0,
    adminPort: 0,
    host: '127.0.0.1',
    ...options,
  })
  t.teardown(() => running.close())
  return Object.assign(Object.create(null), running, { logs, configPath, dir }) as TestRestgate
}

export interface RestgateProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly adminUrl: string | undefined
  readonly lines: Array<Record<string, unknown>>
  readonly stderr: () => string
  /** Resolves with the first log line (seen or still to come) that matches. */
  waitForLine(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs the real CLI (`node dist/src/cli.js --config FILE`) and waits for its "listening" line. */
export async function spawnRestgate(t: T, configPath: string, env: NodeJS.ProcessEnv = {}): Promise<RestgateProcess> {
  const child = spawn(process.execPath, [CLI, '--config', configPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exit
  })
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const lines: Array<Record<string, unknown>> = []
  const lineEvents = new EventEmitter()
  const rl = createInterface({ input: child.stdout! })
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    rl.on('line', (line) => {
      let parsed: Record<string, unknown>
      try {
        parsed = JSON.parse(line) as Record<string, unknown>
      } catch {
        return
      }
      lines.push(parsed)
      lineEvents.emit('line', parsed)
      if (parsed['msg'] === 'restgate listening') resolve(parsed)
    })
    void exit.then(({ code }) => reject(new Error(`restgate exited (${code}) before listening: ${stderr}`)))
  })
  const ready = await listening
  return {
    child,
    url: ready['url'] as string,
    adminUrl: ready['adminUrl'] as string | undefined,
    lines,
    stderr: () => stderr,
    waitForLine(match, timeoutMs = 5000) {
      const found = lines.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          lineEvents.off('line', listener)
          reject(new Error('log line not seen in time'))
        }, timeoutMs)
        const listener = (l: Record<string, unknown>): void => {
          if (!match(l)) return
          clearTimeout(timer)
          lineEvents.off('line', listener)
          resolve(l)
        }
        lineEvents.on('line', listener)
      })
    },
    exited: () => exit,
  }
}
