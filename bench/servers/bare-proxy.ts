// The reference floor for a Node proxy: @fastify/http-proxy with its defaults and nothing else (no logger,
// no hooks, no auth). Run as its own process: `node dist/bench/servers/bare-proxy.js PORT UPSTREAM_URL`.
import Fastify from 'fastify'
import httpProxy from '@fastify/http-proxy'

async function main(): Promise<void> {
  const port = Number(process.argv[2])
  const upstream = process.argv[3]
  if (!Number.isInteger(port) || port <= 0 || upstream === undefined) {
    process.stderr.write('usage: bare-proxy.js PORT UPSTREAM_URL\n')
    process.exit(2)
  }
  const app = Fastify({ logger: false })
  await app.register(httpProxy, { upstream })
  await app.listen({ host: '127.0.0.1', port })
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
}

void main()
