// Kerberos handshake throughput on this machine, with fresh single-use tokens (every request a full
// SPNEGO accept, as with clients that do not keep cookies):
//   1. the acceptor alone, in this process (accepts/s);
//   2. through a restgate process, loaded by wrk with one pre-generated token per request, next to the
//      same restgate proxying without authentication (so the figure is read as a ratio on shared cores);
//      once with the embedded store, once with Redis (where each token is also claimed in Redis).
// Usage: npx tsc -p . && node dist/bench/kerberos.js [seconds=5] [connections=16]
// Needs: krb5-kdc, krb5-admin-server, krb5-user, redis-server, wrk.
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startKdc } from '../test/helpers/kdc.js'
import { startStubJira } from '../test/helpers/stub-jira.js'
import { startRedis } from '../test/helpers/redis.js'
import { spawnRestgate, testPolicy, writePolicy } from '../test/helpers/restgate.js'
import { tempDir } from '../test/helpers/tmp.js'
import { freePort } from '../test/helpers/ports.js'
import { createGssAcceptor } from '../src/kerberos/acceptor.js'

const exec = promisify(execFile)
const seconds = Number(process.argv[2] ?? 5)
const connections = Number(process.argv[3] ?? 16)

const teardowns: Array<() => unknown> = []
const t = { teardown: (fn: () => unknown) => void teardowns.push(fn) }

async function tokens(kdc: Awaited<ReturnType<typeof startKdc>>, n: number): Promise<{ list: string[]; perSecond: number }> {
  const list: string[] = []
  const started = process.hrtime.bigint()
  const users = ['alice', 'bob']
  // A few in flight at a time: the client work runs on the libuv pool too.
  const next = async (): Promise<void> => {
    while (list.length < n) list.push(await kdc.token(users[list.length % 2]!))
  }
  await Promise.all([next(), next(), next(), next()])
  return { list: list.slice(0, n), perSecond: n / (Number(process.hrtime.bigint() - started) / 1e9) }
}

async function acceptorAlone(kdc: Awaited<ReturnType<typeof startKdc>>, list: string[]): Promise<number> {
  const acceptor = createGssAcceptor(kdc.binding, 'HTTP@localhost')
  let i = 0
  const started = process.hrtime.bigint()
  const worker = async (): Promise<void> => {
    while (i < list.length) await acceptor.accept(list[i++]!)
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return list.length / (Number(process.hrtime.bigint() - started) / 1e9)
}

const WRK_TOKENS = `
local tokens = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
end
request = function()
  i = i + 1
  local tok = tokens[i] or "exhausted"
  return wrk.format("GET", "/rest/api/2/myself", { ["Authorization"] = "Negotiate " .. tok, ["Host"] = "localhost" })
end
`

async function wrk(url: string, script?: string, tokenFile?: string): Promise<{ rps: number; non2xx: number; text: string }> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...(script ? ['-s', script] : []), url, ...(tokenFile ? ['--', tokenFile] : [])]
  const { stdout } = await exec('wrk', args)
  const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(stdout)?.[1] ?? 0)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0)
  return { rps, non2xx, text: stdout }
}

async function main(): Promise<void> {
  const dir = tempDir(t, 'restgate-bench-')
  const kdc = await startKdc(t)
  process.env['KRB5_KTNAME'] = `FILE:${kdc.keytab}`
  process.env['KRB5RCACHEDIR'] = join(dir, 'rcache-bench')
  mkdirSync(process.env['KRB5RCACHEDIR'], { recursive: true })

  const alone = await tokens(kdc, 10000)
  const accepts = await acceptorAlone(kdc, alone.list)
  console.log(`client token generation: ${alone.perSecond.toFixed(0)} tokens/s`)
  console.log(`acceptor alone (8 in flight, UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE'] ?? 4}): ${accepts.toFixed(0)} accepts/s`)

  const stub = await startStubJira(t)
  const redis = await startRedis(t)
  const script = join(dir, 'tokens.lua')
  writeFileSync(script, WRK_TOKENS)
  const needed = Math.ceil(seconds * 6000)

  // One restgate per store: with Redis every accepted token is also claimed there (the cross-instance
  // replay guard), so the difference between the two is that round trip.
  async function instance(label: string, store: Record<string, unknown> | undefined) {
    const own = join(dir, label)
    mkdirSync(own)
    const policy = writePolicy(
      own,
      testPolicy(stub.url, {
        server: { port: await freePort() },
        logging: { level: 'info', accessLog: false }, // info: spawnRestgate waits for the "listening" line
        ...(store === undefined ? {} : { store }),
        kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: join(own, 'rcache') },
      }),
    )
    return { label, rg: await spawnRestgate(t, policy) }
  }
  const instances = [
    await instance('embedded', undefined),
    await instance('redis', { type: 'redis', path: join(dir, 'redis', 'unused.db'), redis: { url: redis.url } }),
  ]

  for (const { label, rg } of instances) {
    const fresh = await tokens(kdc, needed)
    const tokenFile = join(dir, `tokens-${label}.txt`)
    writeFileSync(tokenFile, fresh.list.join('\n') + '\n')
    const baseline = await wrk(`${rg.url}/secure/Dashboard.jspa`)
    const handshakes = await wrk(`${rg.url}/rest/api/2/myself`, script, tokenFile)
    console.log(`[${label} store] restgate proxying, no auth:            ${baseline.rps.toFixed(0)} req/s`)
    console.log(`[${label} store] restgate, fresh SPNEGO handshake each: ${handshakes.rps.toFixed(0)} req/s (${handshakes.non2xx} non-2xx of ${needed} tokens)`)
    console.log(`[${label} store] ratio: ${((handshakes.rps / baseline.rps) * 100).toFixed(0)}% of plain proxying`)
    console.log(handshakes.text)
  }
}

main()
  .catch((err: Error) => {
    console.error(err)
    process.exitCode = 1
  })
  .finally(async () => {
    for (const fn of teardowns.reverse()) await fn()
  })
