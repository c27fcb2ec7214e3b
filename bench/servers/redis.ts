// A private redis-server for the benchmark's Redis-store cases: a free loopback port, a directory in the run
// directory, no persistence. Never a system Redis. Stopped with the other servers at the end.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, type ServerProcess } from './spawn.js'

export async function startRedisServer(runDir: string): Promise<ServerProcess> {
  const dir = join(runDir, 'redis')
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      out += c.toString()
      if (out.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
    child.once('error', (err) => reject(new Error(`redis-server could not start (apt-get install redis-server): ${err.message}`)))
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)))
  })
  return {
    name: 'redis',
    pid: child.pid!,
    url: `redis://127.0.0.1:${port}`,
    tail: () => out.split('\n').slice(-12).join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}
