// The admin listener, on its own port so it can stay off the public network: liveness, readiness, metrics.
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'

/**
 * A readiness check resolves to 'ok' or a short reason; a throw counts as not ready. A reason that begins
 * with one of READY_NOTES is reported but leaves restgate ready.
 */
export type ReadinessCheck = () => Promise<string>

/** `stale:` the last good policy still serves; `read-only:` the policy file cannot be replaced by a restore. */
const READY_NOTES = ['stale', 'read-only']

export interface AdminDeps {
  readonly logger: Logger
  /** This process's registry, or the cluster primary's view aggregated over its workers. */
  readonly metrics: { readonly registry: Pick<Registry, 'contentType' | 'metrics'> }
  readonly checks: Readonly<Record<string, ReadinessCheck>>
}

const CHECK_TIMEOUT_MS = 2000

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CHECK_TIMEOUT_MS)
  })
  try {
    return await Promise.race([check(), timeout])
  } catch (err) {
    return `error: ${(err as Error).message}`
  } finally {
    clearTimeout(timer)
  }
}

export async function buildAdminApp(deps: AdminDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ listener: 'admin' }),
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const names = Object.keys(deps.checks)
    const results = await Promise.all(names.map((n) => runCheck(deps.checks[n]!)))
    const detail: Record<string, string> = {}
    let ready = true
    names.forEach((n, i) => {
      detail[n] = results[i]!
      if (results[i] !== 'ok' && !READY_NOTES.some((note) => results[i]!.startsWith(`${note}:`))) ready = false
    })
    reply.code(ready ? 200 : 503)
    return { status: ready ? 'ready' : 'not ready', ...detail }
  })
  app.get('/metrics', async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType)
    return deps.metrics.registry.metrics()
  })
  return app
}
