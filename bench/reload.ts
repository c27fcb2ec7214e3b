// Reload latency: how long from a trigger to the new policy in force.
//   node dist/bench/reload.js [rounds]
// - SIGHUP path: reload() of the example policy (read, parse, validate, compile, swap).
// - file save path: writeFileSync to the first request that sees the new policy (includes the debounce).
// - snapshot restore: backup, atomic write (fsync), reload, as POST .../snapshot/restore/{id} runs it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { start } from '../src/main.js'
import { DEFAULT_DEBOUNCE_MS } from '../src/config/watch.js'

const rounds = Number(process.argv[2] ?? '40')
const dir = mkdtempSync(join(tmpdir(), 'restgate-bench-'))
const example = readFileSync(new URL('../../config/restgate.example.yaml', import.meta.url), 'utf8')
  .replace('path: ./data/restgate.db', `path: ${join(dir, 'data', 'restgate.db')}`)
  .replace('port: 8000', 'port: 18000')
  .replace('enabled: true\n    host: 127.0.0.1', 'enabled: false\n    host: 127.0.0.1')

function stats(name: string, ms: number[]): void {
  const s = [...ms].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2)
  console.log(`${name}: n=${s.length} p50=${at(0.5)} ms p95=${at(0.95)} ms max=${s.at(-1)!.toFixed(2)} ms`)
}

const file = join(dir, 'restgate.yaml')
writeFileSync(file, example)
const quiet = () => new Writable({ write: (_c, _e, cb) => cb() })
// Without the watcher for the SIGHUP path, so no file-change reload queues in between.
const unwatched = await start({ configPath: file, port: 0, host: '127.0.0.1', env: {}, logDestination: quiet(), watch: false })
const inside: number[] = []
try {
  const sighup: number[] = []
  for (let i = 0; i < rounds; i++) {
    writeFileSync(file, example.replace('realm: restgate', `realm: r${i}`))
    const t0 = process.hrtime.bigint()
    const r = await unwatched.reload('bench')
    sighup.push(Number(process.hrtime.bigint() - t0) / 1e6)
    inside.push(r.ms)
    if (r.result !== 'applied') throw new Error(`round ${i}: ${r.result}`)
  }
  stats('reload() (SIGHUP path), wall', sighup)
  stats('reload() as logged (ms field)', inside)
} finally {
  await unwatched.close()
}
writeFileSync(file, example)
const running = await start({ configPath: file, port: 0, host: '127.0.0.1', env: {}, logDestination: quiet() })
try {
  const save: number[] = []
  for (let i = 0; i < Math.min(rounds, 20); i++) {
    const realm = `s${i}`
    const t0 = process.hrtime.bigint()
    writeFileSync(file, example.replace('realm: restgate', `realm: ${realm}`))
    while (running.runtime.current.config.server.realm !== realm) await new Promise((r) => setTimeout(r, 1))
    save.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  stats(`file save to policy in force (debounce ${DEFAULT_DEBOUNCE_MS} ms)`, save)

  const who = { actor: 'bench', via: 'cli' as const }
  const a = await running.snapshots.service.save(example.replace('realm: restgate', 'realm: snap-a'), {}, who)
  const b = await running.snapshots.service.save(example.replace('realm: restgate', 'realm: snap-b'), {}, who)
  const restore: number[] = []
  for (let i = 0; i < Math.min(rounds, 20); i++) {
    const id = i % 2 === 0 ? a.id : b.id
    const t0 = process.hrtime.bigint()
    const r = await running.snapshots.service.restore(id, { file, reload: running.reload }, who)
    restore.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (r.kind !== 'restored' || r.reload?.result !== 'applied') throw new Error(`restore ${i}: ${r.kind}`)
  }
  stats('snapshot restore (backup, atomic write, reload)', restore)
} finally {
  await running.close()
  rmSync(dir, { recursive: true, force: true })
}
