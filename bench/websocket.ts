// The WebSocket case of `npm run bench`: messages echoed per second and the round trip at p50, straight
// to an echo server and through restgate (its tunnel pipes the sockets; no JavaScript per message), in one
// run, alternating round by round. The upgrade is authenticated like any request (anonymous here: the
// handshake's cost is the HTTP cases' business); what is measured is the piped connection.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { freePort, spawnServer, type ServerProcess } from './servers/spawn.js'

export interface WsOptions {
  readonly rounds: number
  readonly durationS: number
  readonly latencyS: number
  /** Connections for the throughput run, each with `window` messages in flight. */
  readonly connections: number
  readonly window: number
  readonly bytes: number
}

export interface WsResult {
  readonly direct: { readonly msgsPerS: number; readonly p50Ms: number }
  readonly restgate: { readonly msgsPerS: number; readonly p50Ms: number }
  /** Medians of the per-round ratio and difference. */
  readonly ratio: number
  readonly addedP50Ms: number
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Echoed messages per second over `connections` sockets, `window` in flight on each. */
async function throughput(url: string, o: WsOptions): Promise<number> {
  const sockets = await Promise.all(Array.from({ length: o.connections }, () => connect(url)))
  const payload = Buffer.alloc(o.bytes, 0x61)
  let echoed = 0
  let running = true
  for (const ws of sockets) {
    ws.on('message', () => {
      echoed++
      if (running) ws.send(payload)
    })
    for (let i = 0; i < o.window; i++) ws.send(payload)
  }
  await new Promise((r) => setTimeout(r, 300)) // warm-up, not counted
  const start = echoed
  const t0 = process.hrtime.bigint()
  await new Promise((r) => setTimeout(r, o.durationS * 1000))
  const n = echoed - start
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  running = false
  for (const ws of sockets) ws.terminate()
  return n / s
}

/** The p50 round trip of one message at a time on one socket, in ms. */
async function latency(url: string, o: WsOptions): Promise<number> {
  const ws = await connect(url)
  const payload = Buffer.alloc(o.bytes, 0x62)
  const rtts: number[] = []
  const end = Date.now() + o.latencyS * 1000
  await new Promise<void>((resolve) => {
    let sent = process.hrtime.bigint()
    ws.on('message', () => {
      rtts.push(Number(process.hrtime.bigint() - sent) / 1e6)
      if (Date.now() >= end) return resolve()
      sent = process.hrtime.bigint()
      ws.send(payload)
    })
    ws.send(payload)
  })
  ws.terminate()
  return median(rtts.slice(Math.min(100, Math.floor(rtts.length / 10))))
}

async function startRestgate(root: string, dir: string, upstream: string): Promise<ServerProcess> {
  const port = await freePort()
  const policy = join(dir, 'restgate.yaml')
  writeFileSync(
    policy,
    [
      `server: { host: 127.0.0.1, port: ${port}, admin: { enabled: false } }`,
      `upstream: { url: "${upstream}" }`,
      `store: { path: "${join(dir, 'restgate.db')}" }`,
      'logging: { level: warn, accessLog: false }',
      '',
    ].join('\n'),
  )
  return spawnServer({
    name: 'restgate-ws',
    args: [join(root, 'dist', 'src', 'cli.js'), '--config', policy],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/rest/ksso/api/info/1.0/ping',
    stdoutFile: join(dir, 'restgate.log'),
    stderrFile: join(dir, 'restgate.err'),
    cwd: root,
  })
}

export async function runWebSocketCase(root: string, o: WsOptions, log: (line: string) => void): Promise<WsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'restgate-bench-ws-'))
  const servers: ServerProcess[] = []
  try {
    const port = await freePort()
    const echo = await spawnServer({
      name: 'ws-echo',
      args: [join(root, 'dist', 'bench', 'servers', 'ws-echo.js'), String(port)],
      url: `http://127.0.0.1:${port}`,
      readyPath: '/',
      stdoutFile: '/dev/null',
      stderrFile: join(dir, 'ws-echo.err'),
      cwd: root,
    })
    servers.push(echo)
    const rg = await startRestgate(root, dir, echo.url)
    servers.push(rg)
    const targets = { direct: echo.url.replace('http', 'ws') + '/synchrony/bench', restgate: rg.url.replace('http', 'ws') + '/synchrony/bench' }
    const rates: Record<'direct' | 'restgate', number[]> = { direct: [], restgate: [] }
    const p50s: Record<'direct' | 'restgate', number[]> = { direct: [], restgate: [] }
    for (let round = 1; round <= o.rounds; round++) {
      for (const which of round % 2 === 1 ? (['direct', 'restgate'] as const) : (['restgate', 'direct'] as const)) {
        rates[which].push(await throughput(targets[which], o))
        p50s[which].push(await latency(targets[which], o))
      }
      log(`websocket round ${round}: ${Math.round(rates.restgate.at(-1)!)} msg/s through restgate, ${Math.round(rates.direct.at(-1)!)} direct`)
    }
    return {
      direct: { msgsPerS: median(rates.direct), p50Ms: median(p50s.direct) },
      restgate: { msgsPerS: median(rates.restgate), p50Ms: median(p50s.restgate) },
      ratio: median(rates.restgate.map((r, i) => r / rates.direct[i]!)),
      addedP50Ms: median(p50s.restgate.map((p, i) => p - p50s.direct[i]!)),
    }
  } finally {
    for (const s of servers.reverse()) await s.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The report's lines: a small table and the target. */
export function websocketLines(r: WsResult, o: WsOptions): string[] {
  const f = (n: number, d = 0) => n.toFixed(d)
  return [
    `WebSocket echo, ${o.bytes}-byte messages: ${o.connections} connections with ${o.window} in flight each for messages/s; one in flight for the round trip (${o.rounds} rounds, medians):`,
    '',
    '| path | messages/s | p50 round trip (ms) |',
    '|---|---|---|',
    `| direct to the echo server | ${f(r.direct.msgsPerS)} | ${f(r.direct.p50Ms, 3)} |`,
    `| through restgate | ${f(r.restgate.msgsPerS)} | ${f(r.restgate.p50Ms, 3)} |`,
    '',
    `restgate / direct: ${r.ratio.toFixed(2)}x messages/s (target ≥ 0.8x: ${r.ratio >= 0.8 ? 'met' : 'not met'}), added p50 ${f(r.addedP50Ms, 3)} ms.`,
  ]
}
