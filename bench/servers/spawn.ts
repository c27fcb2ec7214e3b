// Starting the benchmark's servers as their own processes, each with its output in a file (as production
// logging to a file or journald would), and knowing when they answer.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'

export interface ServerProcess {
  readonly name: string
  readonly pid: number
  readonly url: string
  /** The last lines the process wrote, for error messages. */
  tail(): string
  /** SIGTERM, then SIGKILL after a moment. */
  stop(): Promise<void>
}

export interface SpawnOptions {
  readonly name: string
  /** Arguments to node (a script and its arguments). */
  readonly args: readonly string[]
  readonly url: string
  /** A path that answers when the server is ready (any status below 500). */
  readonly readyPath: string
  /** Where stdout goes: a file path, or /dev/null. */
  readonly stdoutFile: string
  readonly stderrFile: string
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
}

/** A port that was free a moment ago, for servers that are told their port up front. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** True when `url` answers with a status below 500. */
export function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume()
      resolve((res.statusCode ?? 500) < 500)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
  })
}

function exitPromise(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })
}

export async function spawnServer(opts: SpawnOptions): Promise<ServerProcess> {
  const out = openSync(opts.stdoutFile, 'a')
  const err = openSync(opts.stderrFile, 'a')
  const child = spawn(process.execPath, opts.args as string[], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', out, err],
  })
  closeSync(out)
  closeSync(err)
  const exited = exitPromise(child)
  const tail = (): string => {
    const read = (f: string): string => {
      try {
        return readFileSync(f, 'utf8').split('\n').slice(-12).join('\n')
      } catch {
        return ''
      }
    }
    return [read(opts.stderrFile), opts.stdoutFile === '/dev/null' ? '' : read(opts.stdoutFile)].join('\n').trim()
  }
  const server: ServerProcess = {
    name: opts.name,
    pid: child.pid!,
    url: opts.url,
    tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
  // Readiness is polled: the server's log goes to a file, as in production, not through this process.
  let dead = false
  void exited.then(() => (dead = true))
  const deadline = Date.now() + 20_000
  while (!(await probe(opts.url + opts.readyPath))) {
    if (dead) throw new Error(`${opts.name} exited before it answered:\n${tail()}`)
    if (Date.now() > deadline) {
      await server.stop()
      throw new Error(`${opts.name} did not answer ${opts.readyPath} within 20 s:\n${tail()}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return server
}
