// `npm run bench`: the project's own measurement of what restgate costs. Prints one table and updates the
// generated section of BENCHMARKS.md. A benchmark, not a test: it never fails on a figure.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CASES, REFERENCE_IDS, baselineCase } from './cases.js'
import { FORWARD_AUTH_PAIRS, NGINX_ALONE } from './forward-auth-cases.js'
import { PEER_PAIRS } from './peer-cases.js'
import { Harness, runRounds, type CaseResult } from './harness.js'
import { parseBenchArgs, USAGE, type BenchOptions } from './options.js'
import { describePlacement, planPlacement, type Placement } from './placement.js'
import { clockTicksPerSecond } from './proc.js'
import { runWebSocketCase, websocketLines, type WsOptions } from './websocket.js'
import { latencyTable, mainTable, peerRows, peerTable, renderMarkdown, renderText, scalingLine, summarise, targetTable } from './report.js'

const WS_CASE = 'ws'
const BEGIN = '<!-- bench:results:begin (written by npm run bench) -->'
const END = '<!-- bench:results:end -->'

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return dir
}

function wrkVersion(): string {
  try {
    execFileSync('wrk', ['-v'], { encoding: 'utf8' })
  } catch (err) {
    // wrk -v prints its banner and exits 1.
    const out = String((err as { stdout?: string }).stdout ?? '')
    const m = /^wrk (\S+)/m.exec(out)
    if (m !== null) return m[1]!
  }
  return 'unknown'
}

export function machineLine(placement: Placement): string {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim() ?? 'unknown CPU'
  return `${cpus.length} cores (${model}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Linux ${os.release()}, Node ${process.version}, wrk ${wrkVersion()}. Cores: ${describePlacement(placement)}.`
}

function results(results: readonly CaseResult[], opts: BenchOptions, machine: string, argv: readonly string[], skipped: readonly string[]) {
  const rows = summarise(results, REFERENCE_IDS)
  const main = mainTable(rows, REFERENCE_IDS)
  const lat = latencyTable(rows)
  const scaling = scalingLine(results)
  const peers = peerRows(results, PEER_PAIRS)
  const peer = peers.length === 0 ? undefined : peerTable(peers)
  const peerHead = 'restgate beside Apache httpd 2.4 + mod_auth_gssapi + mod_proxy (same stub, same KDC, every process on every core):'
  const targets = targetTable(rows, results, PEER_PAIRS, { alone: NGINX_ALONE, pairs: FORWARD_AUTH_PAIRS })
  const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ')
  const how = `${opts.rounds} rounds of ${opts.durationS} s per case at ${opts.connections} connections (wrk, ${opts.threads} thread${opts.threads === 1 ? '' : 's'}); figures are medians of rounds, ratios are medians of per-round ratios.`
  const text = [
    `Machine: ${machine}`,
    how,
    '',
    renderText(main),
    ...skipped.map((l) => `Skipped ${l}`),
    '',
    `One request in flight (${opts.latencyS} s per round), added latency over (1):`,
    renderText(lat),
    ...(scaling === undefined ? [] : ['', scaling]),
    ...(peer === undefined ? [] : ['', peerHead, renderText(peer)]),
    '',
    'Targets, as measured in this run:',
    renderText(targets),
  ].join('\n')
  const markdown = [
    `Last run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`${command}\`.`,
    '',
    `Machine: ${machine}`,
    '',
    how,
    '',
    renderMarkdown(main),
    ...(skipped.length === 0 ? [] : ['', ...skipped.map((l) => `- Skipped ${l}`)]),
    '',
    `One request in flight (${opts.latencyS} s per round); "added" is over (1), direct to the stub:`,
    '',
    renderMarkdown(lat),
    ...(scaling === undefined ? [] : ['', scaling]),
    ...(peer === undefined ? [] : ['', peerHead, '', renderMarkdown(peer)]),
    '',
    'Targets, as measured in this run ("not run": their cases were left out or not available):',
    '',
    renderMarkdown(targets),
  ].join('\n')
  return { text, markdown }
}

function writeResults(file: string, markdown: string): void {
  const section = `${BEGIN}\n${markdown}\n${END}`
  const have = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const a = have.indexOf(BEGIN)
  const b = have.indexOf(END)
  const next =
    a !== -1 && b > a
      ? have.slice(0, a) + section + have.slice(b + END.length)
      : `${have.length > 0 ? have.trimEnd() + '\n\n' : '# Benchmarks\n\n'}## Latest results\n\n${section}\n`
  writeFileSync(file, next)
}

async function main(argv: string[]): Promise<number> {
  let opts: BenchOptions
  try {
    opts = parseBenchArgs(argv)
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (opts.help) {
    process.stdout.write(USAGE)
    return 0
  }
  // `ws`: the WebSocket case, run after the HTTP cases (its own echo server and restgate).
  const wantWs = opts.cases.length === 0 || opts.cases.includes(WS_CASE)
  const unknown = opts.cases.filter((id) => id !== WS_CASE && !CASES.some((c) => c.id === id))
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown case(s) ${unknown.join(', ')}; known: ${[...CASES.map((c) => c.id), WS_CASE].join(', ')}\n`)
    return 2
  }
  const chosen = opts.cases.length === 0 ? CASES : opts.cases.filter((id) => id !== WS_CASE).map((id) => CASES.find((c) => c.id === id)!)
  for (const dir of opts.baselines) {
    if (!existsSync(join(dir, 'dist', 'src', 'cli.js'))) {
      process.stderr.write(`bench: --baseline ${dir}: no dist/src/cli.js there (build it first)\n`)
      return 2
    }
  }
  const root = repoRoot()
  const skipped: string[] = []
  const available = chosen.filter((c) => {
    const reason = c.available?.(root)
    if (reason !== undefined) skipped.push(`(${c.id}) ${c.title}: not available: ${reason}`)
    return reason === undefined
  })
  const cases = [...available, ...opts.baselines.map(baselineCase)]
  const placement = planPlacement(os.cpus().length, opts.pin)
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`)
  for (const line of skipped) log(line)
  const harness = new Harness({ root, placement, ticksPerSecond: clockTicksPerSecond(), log }, opts)
  let out: CaseResult[] = []
  if (cases.length > 0) {
    try {
      const subjects = await harness.start(cases)
      out = await runRounds(harness, subjects, opts, log)
    } finally {
      await harness.stop()
      if (opts.keep) log(`run directory kept: ${harness.runDir}`)
    }
  }
  const wsOptions: WsOptions = { rounds: opts.rounds, durationS: opts.durationS, latencyS: opts.latencyS, connections: 8, window: 16, bytes: 1024 }
  const ws = wantWs ? websocketLines(await runWebSocketCase(root, wsOptions, log), wsOptions) : []
  const machine = machineLine(placement)
  const http = results(out, opts, machine, argv, skipped)
  const text = [http.text, ...(ws.length === 0 ? [] : ['', ...ws])].join('\n')
  const markdown = [http.markdown, ...(ws.length === 0 ? [] : ['', ...ws])].join('\n')
  process.stdout.write(text + '\n')
  if (opts.out !== undefined) {
    const file = resolve(root, opts.out)
    writeResults(file, markdown)
    log(`results written to ${file}`)
  }
  return 0
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    process.stderr.write(`bench: ${err.stack ?? err.message}\n`)
    process.exitCode = 1
  },
)
