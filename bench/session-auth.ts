// Requests per second through restgate for the same GET with a restgate session cookie (validated from the
// in-memory session cache, "last seen" written in batches) and without a credential (no authentication
// work), with a token for comparison, in one run against a local stub Jira. autocannon runs as its own
// process; the variants alternate so drift hits all alike.
//   npx tsc -p . && node dist/bench/session-auth.js [seconds per round] [rounds] [connections]
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { stringify } from 'yaml'
import { writeFileSync } from 'node:fs'
import { start } from '../src/main.js'
import { startStubJira } from '../test/helpers/stub-jira.js'
import { repoPath } from '../test/helpers/paths.js'

const run = promisify(execFile)
const [seconds = '5', rounds = '3', connections = '50'] = process.argv.slice(2)

const teardown: Array<() => unknown> = []
const t = { teardown: (fn: () => unknown) => teardown.push(fn) }

async function autocannon(url: string, headers: string[]): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  const args = [repoPath('node_modules', 'autocannon', 'autocannon.js'), '-j', '-c', connections, '-d', seconds, ...headers.flatMap((h) => ['-H', h]), url]
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 })
  const r = JSON.parse(stdout) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number }
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx }
}

const dir = mkdtempSync(join(tmpdir(), 'restgate-bench-'))
teardown.push(() => rmSync(dir, { recursive: true, force: true }))
try {
  const stub = await startStubJira(t)
  const configPath = join(dir, 'restgate.yaml')
  writeFileSync(
    configPath,
    stringify({
      server: { host: '127.0.0.1', port: 8000, admin: { enabled: false } },
      upstream: { url: stub.url },
      store: { path: join(dir, 'data', 'restgate.db') },
      logging: { level: 'warn', accessLog: false },
    }),
  )
  const sink = new Writable({ write: (_c, _e, cb) => cb() })
  const rg = await start({ configPath, port: 0, host: '127.0.0.1', logDestination: sink })
  teardown.push(() => rg.close())
  // The stub keeps every request it saw; a benchmark would fill memory with them.
  stub.events.on('request', () => stub.requests.splice(0))
  const { secret } = await rg.tokens.service.create('alice', { name: 'bench' }, rg.runtime.current.policy)
  const { id } = await rg.sessions.service.create('alice', 'token', '127.0.0.1')
  const url = `${rg.url}/rest/api/2/issue/TEST-1`
  const variants: Array<[string, string[]]> = [
    // Jira's own cookie in every variant, so only restgate's authentication work differs.
    ['no credential (auth work off)', ['Cookie=JSESSIONID=abc']],
    ['session cookie (cache hit)', [`Cookie=RESTGATE_SESSION=${id}; JSESSIONID=abc`]],
    ['token, Basic user:TOKEN (cache hit)', ['Cookie=JSESSIONID=abc', `Authorization=Basic ${Buffer.from(`alice:${secret}`).toString('base64')}`]],
  ]
  for (const [, headers] of variants) await autocannon(url, headers) // warm-up: JIT, pools, the caches
  const results = new Map<string, Array<{ rps: number; p50: number; p99: number; non2xx: number }>>()
  for (let i = 0; i < Number(rounds); i++) {
    for (const [name, headers] of variants) {
      const r = await autocannon(url, headers)
      results.set(name, [...(results.get(name) ?? []), r])
    }
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const base = avg(results.get(variants[0]![0])!.map((r) => r.rps))
  console.log(`${rounds} rounds x ${seconds}s, ${connections} connections, GET ${new URL(url).pathname}`)
  for (const [name, rs] of results) {
    const rps = avg(rs.map((r) => r.rps))
    console.log(
      `${name.padEnd(40)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${avg(rs.map((r) => r.p50)).toFixed(1)} ms  p99 ${avg(rs.map((r) => r.p99)).toFixed(1)} ms  non-2xx ${rs.reduce((a, r) => a + r.non2xx, 0)}  ratio ${(rps / base).toFixed(3)}`,
    )
  }
  const sessions = await rg.store.getSession((await import('../src/sessions/id.js')).sessionKeyOf(rg.tokens.service.hasher, id))
  console.log('session still live, last seen written', sessions === null ? 'never (gone!)' : `${Date.now() - sessions.lastSeenAt} ms ago`)
} finally {
  for (const fn of teardown.reverse()) await fn()
}
