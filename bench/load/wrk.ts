// The load generator: wrk (C, epoll, HdrHistogram latencies), driven by a generated Lua script so that
// requests can carry fixed headers or a different header set each (single-use credentials). wrk costs far
// less CPU per request than a Node load generator, which leaves more of the shared cores to what is measured.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export type Headers = Readonly<Record<string, string>>

export interface LoadSpec {
  readonly url: string
  readonly method: string
  readonly path: string
  readonly headers: Headers
  /** One header set per request, used once each in order; the run stops early when they run out. */
  readonly perRequest?: readonly Headers[]
  /** Header sets used in turn, round and round (many tokens, each a cache hit). Not with perRequest. */
  readonly rotate?: readonly Headers[]
  readonly connections: number
  readonly threads: number
  readonly durationS: number
  /** taskset CPU list for wrk, or undefined to leave it unpinned. */
  readonly cpus?: string
  /** Where the generated script (and per-request headers) are written. */
  readonly workDir: string
}

export interface LoadResult {
  readonly requests: number
  readonly durationS: number
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Socket errors, timeouts and responses that were not 2xx/3xx. */
  readonly errors: number
  /** Per-request header sets ran out before the end: requests/s is understated. */
  readonly exhausted: boolean
}

const MARK = 'WRK_RESULT '

/** A Lua string literal; header names and values are printable ASCII, anything else is refused. */
export function luaString(s: string): string {
  if (/[^\x20-\x7e]/.test(s)) throw new Error(`not printable ASCII: ${JSON.stringify(s)}`)
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"'
}

function luaTable(h: Headers): string {
  return '{' + Object.entries(h).map(([k, v]) => `[${luaString(k)}]=${luaString(v)}`).join(',') + '}'
}

/** Per-request header sets as lines of name TAB value TAB name TAB value ... */
export function encodePerRequest(sets: readonly Headers[]): string {
  return sets
    .map((h) =>
      Object.entries(h)
        .map(([k, v]) => {
          luaString(k)
          luaString(v)
          return `${k}\t${v}`
        })
        .join('\t'),
    )
    .join('\n')
}

export function wrkScript(spec: Pick<LoadSpec, 'method' | 'path' | 'headers' | 'threads'>, perRequestFile?: string, rotate = false): string {
  const lines = [
    `wrk.method = ${luaString(spec.method)}`,
    `wrk.path = ${luaString(spec.path)}`,
    `for k, v in pairs(${luaTable(spec.headers)}) do wrk.headers[k] = v end`,
    'local threads = {}',
    'function setup(thread) thread:set("tid", #threads); threads[#threads + 1] = thread end',
  ]
  if (perRequestFile !== undefined) {
    // Each thread takes every n-th line and formats its requests up front. wrk calls request() once on
    // thread 0 to check the script before the run (script_verify_request): that call gets a throwaway
    // request, so no header set is used up unsent. When a thread runs out it stops rather than reuse one;
    // wrk still waits for the full duration, so the harness is told (exhausted) and warns. With `rotate`
    // the sets are used in turn instead, starting over when a thread reaches the end of its share.
    lines.push(
      `local nthreads = ${spec.threads}`,
      `local rotate = ${rotate ? 'true' : 'false'}`,
      'local reqs, n, first = {}, 0, 1',
      'exhausted = 0',
      'function init(args)',
      '  if tid == 0 then reqs[1] = wrk.format(nil, nil, wrk.headers); first = 2 end',
      '  local i = 0',
      `  for line in io.lines(${luaString(perRequestFile)}) do`,
      '    if i % nthreads == tid then',
      '      local h = {}',
      '      for k, v in pairs(wrk.headers) do h[k] = v end',
      '      for k, v in string.gmatch(line, "([^\\t]+)\\t([^\\t]*)") do h[k] = v end',
      '      reqs[#reqs + 1] = wrk.format(nil, nil, h)',
      '    end',
      '    i = i + 1',
      '  end',
      'end',
      'function request()',
      '  n = n + 1',
      '  local r = reqs[n]',
      '  if r == nil and rotate and reqs[first] ~= nil then n = first; r = reqs[n] end',
      '  if r == nil then exhausted = 1; wrk.thread:stop(); return wrk.format(nil, nil, wrk.headers) end',
      '  return r',
      'end',
    )
  }
  lines.push(
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    '  local ex = 0',
    '  for _, t in ipairs(threads) do ex = ex + (tonumber(t:get("exhausted")) or 0) end',
    `  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"status":%d,"exhausted":%d}\\n',`,
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),',
    '    e.connect + e.read + e.write + e.timeout + e.status, e.status, ex))',
    'end',
  )
  return lines.join('\n') + '\n'
}

export function parseWrkOutput(stdout: string): LoadResult {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK))
  if (line === undefined) throw new Error(`wrk printed no result:\n${stdout}`)
  const r = JSON.parse(line.slice(MARK.length)) as {
    requests: number
    duration_us: number
    p50_us: number
    p99_us: number
    errors: number
    exhausted?: number
  }
  const durationS = r.duration_us / 1e6
  return {
    requests: r.requests,
    durationS,
    rps: durationS > 0 ? r.requests / durationS : 0,
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    errors: r.errors,
    exhausted: (r.exhausted ?? 0) > 0,
  }
}

export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const script = join(spec.workDir, 'load.lua')
  let perRequestFile: string | undefined
  const sets = spec.perRequest ?? spec.rotate
  if (sets !== undefined) {
    perRequestFile = join(spec.workDir, 'per-request.txt')
    writeFileSync(perRequestFile, encodePerRequest(sets))
  }
  writeFileSync(script, wrkScript(spec, perRequestFile, spec.perRequest === undefined && spec.rotate !== undefined))
  const wrkArgs = [
    '-t', String(spec.threads),
    '-c', String(Math.max(spec.connections, spec.threads)),
    '-d', `${spec.durationS}s`,
    '--timeout', '10s',
    '-s', script,
    spec.url,
  ]
  const [cmd, args] = spec.cpus === undefined ? ['wrk', wrkArgs] : ['taskset', ['-c', spec.cpus, 'wrk', ...wrkArgs]]
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, out, errOut) => {
      if (err !== null) reject(new Error(`wrk failed: ${err.message}\n${errOut}`))
      else resolve(out)
    })
  })
  return parseWrkOutput(stdout)
}
