// server.workers: 2 with the real CLI: both workers serve the one port, the admin listener (the primary's)
// sums their metrics and checks, a killed worker is replaced, SIGHUP reaches them, SIGTERM drains them all.
import t from 'tap'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { startStubJira } from '../helpers/stub-jira.js'
import { spawnRestgate, testPolicy, writePolicy, type RestgateProcess } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { freePort } from '../helpers/ports.js'
import { tempDir } from '../helpers/tmp.js'
import { repoPath } from '../helpers/paths.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Worker pids that wrote an access line for a request to `path`. */
async function servedBy(rg: RestgateProcess, path: string, n: number): Promise<Set<number>> {
  for (let i = 0; i < n; i++) {
    const res = await httpRequest(`${rg.url}${path}`)
    if (res.status !== 200) throw new Error(`status ${res.status}`)
  }
  const seen = () => rg.lines.filter((l) => l['msg'] === 'request' && l['path'] === path)
  // Lines leave each worker in batches within a few milliseconds.
  await rg.waitForLine(() => seen().length >= n)
  return new Set(seen().map((l) => l['pid'] as number))
}

type T = Parameters<typeof startStubJira>[0] & Parameters<typeof tempDir>[0] & Parameters<typeof spawnRestgate>[0]

async function start(t: T, extra: Record<string, unknown> = {}) {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  const port = await freePort()
  const adminPort = await freePort()
  const policy = testPolicy(stub.url, {
    server: { port, workers: 2, drainTimeout: '10s', admin: { enabled: true, host: '127.0.0.1', port: adminPort } },
    logging: { accessLog: true },
    ...extra,
  })
  const file = writePolicy(dir, policy)
  const rg = await spawnRestgate(t, file)
  const listening = rg.lines.find((l) => l['msg'] === 'restgate listening')!
  return { stub, dir, file, policy, rg, workerPids: listening['workerPids'] as number[] }
}

t.test('a worker that dies is replaced, and the port keeps being served', async (t) => {
  const { rg, workerPids } = await start(t)
  const victim = workerPids[0]!
  process.kill(victim, 'SIGKILL')
  const died = await rg.waitForLine((l) => l['msg'] === 'worker died: starting a new one')
  t.equal(died['workerPid'], victim)
  t.equal(died['signal'], 'SIGKILL')
  const replaced = await rg.waitForLine((l) => l['msg'] === 'worker listening' && !workerPids.includes(l['pid'] as number), 15_000)
  const fresh = replaced['pid'] as number
  const pids = await servedBy(rg, '/rest/api/2/issue/B-2', 8)
  t.same([...pids].sort(), [fresh, workerPids[1]!].sort(), 'the replacement and the survivor serve')
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 200, 'ready again with both workers')
})

// One cluster for the whole life cycle: processes start slowly on a busy CI machine.
t.test('two workers serve the port; admin sums them; SIGHUP reloads each; SIGTERM drains each, all exit 0', async (t) => {
  const { stub, dir, policy, rg, workerPids } = await start(t)
  t.equal(workerPids.length, 2)
  t.notOk(workerPids.includes(rg.child.pid!), 'the primary serves no proxy traffic itself')
  const pids = await servedBy(rg, '/rest/api/2/issue/A-1', 8)
  t.same([...pids].sort(), [...workerPids].sort(), 'each new connection went to the next worker: both served')
  const metrics = await httpRequest(`${rg.adminUrl}/metrics`)
  t.equal(metrics.status, 200)
  const scraped = metrics.body.toString()
  t.match(scraped, /restgate_requests_total\{class="proxy",status="200",auth="none"\} 8\b/, 'counts from both workers, summed')
  t.match(scraped, /^restgate_request_duration_seconds_count\{class="proxy"\} 8$/m, 'durations summed')
  t.match(scraped, /^restgate_requests_in_flight 0$/m)
  const version = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version
  t.match(scraped, new RegExp(`^restgate_build_info\\{version="${version.replace(/\./g, '\\.')}",node_version="${process.version}"\\} 1$`, 'm'), 'build_info is 1, not one per worker')
  t.match(scraped, /^restgate_config_last_reload_successful 1$/m, 'not summed')
  const loaded = Number(/^restgate_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(scraped)?.[1])
  t.ok(Math.abs(loaded - Date.now() / 1000) < 120, `the workers' load time, not their sum (${loaded})`)
  t.match(scraped, /^process_cpu_seconds_total \d/m, "Node's process metrics under their usual names, summed over the workers")
  t.match(scraped, /^nodejs_eventloop_lag_seconds \d/m)
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 200)
  t.same(ready.json(), { status: 'ready', workers: 'ok', config: 'ok', store: 'ok', policyFile: 'ok' })

  writePolicy(dir, { ...policy, anonymous: 'deny' })
  rg.child.kill('SIGHUP')
  for (const pid of workerPids) await rg.waitForLine((l) => l['msg'] === 'policy reloaded' && l['pid'] === pid)
  t.equal((await httpRequest(`${rg.url}/rest/api/2/myself`)).status, 401, 'the new policy is in force')
  writePolicy(dir, policy)
  rg.child.kill('SIGHUP')
  await rg.waitForLine((l) => l['msg'] === 'policy reloaded' && l['generation'] === 3)

  // One slow request per worker (consecutive connections go to alternate workers).
  let arrivals = 0
  const bothArrived = new Promise<void>((resolve) =>
    stub.events.on('request', () => {
      if (++arrivals === 2) resolve()
    }),
  )
  const slow = [httpRequest(`${rg.url}/stub/slow?ms=800`), httpRequest(`${rg.url}/stub/slow?ms=800`)]
  await bothArrived
  rg.child.kill('SIGTERM')
  for (const res of await Promise.all(slow)) t.equal(res.status, 200, 'the request in flight completed')
  const { code } = await rg.exited()
  t.equal(code, 0)
  for (const pid of workerPids) t.notOk(alive(pid), `worker ${pid} exited`)
  t.equal(rg.lines.filter((l) => l['msg'] === 'restgate stopped').length, 3, 'both workers and the primary stopped cleanly')
  await t.rejects(httpRequest(`${rg.url}/rest/api/2/x`), 'no longer accepting')
})

t.test('a worker that cannot start stops the start: exit 1, no worker left behind', async (t) => {
  const stub = await startStubJira(t)
  const dir = tempDir(t)
  // The port is taken: the policy is valid, only listening fails.
  const blocker = net.createServer().listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const port = (blocker.address() as net.AddressInfo).port
  const file = writePolicy(dir, testPolicy(stub.url, { server: { port, workers: 2 } }))
  await t.rejects(spawnRestgate(t, file), /exited \(1\) before listening[\s\S]*could not start: worker \d exited/)
})
