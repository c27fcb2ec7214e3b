// Redis going away and coming back: requests fail fast (never queue or hang), the store heals by itself,
// and subscribers are told that events may have been missed while the connection was down.
import t from 'tap'
import pino from 'pino'
import { createRedisStore } from '../../src/store/redis.js'
import { StoreUnavailableError, type InvalidationEvent } from '../../src/store/types.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { createLogSink } from '../helpers/log-sink.js'

t.test('down: every call fails fast with StoreUnavailableError; back: it works again by itself', async (t) => {
  const redis = await startRedis(t, { persist: true })
  const logs = createLogSink()
  const store = createRedisStore({ config: { url: redis.url, keyPrefix: uniquePrefix('outage') }, logger: pino(logs.stream) })
  t.teardown(() => store.close())
  t.ok(await store.connected)
  const events: InvalidationEvent[] = []
  store.subscribe((e) => events.push(e))
  await store.setMeta('k', 'before')

  await redis.stop()
  await logs.waitFor((l) => l['msg'] === 'store connection lost: requests that need the store get 503 until it is back')
  const started = Date.now()
  for (const op of [() => store.getMeta('k'), () => store.findTokenByHash('x'), () => store.ping(), () => store.publish({ kind: 'all' })]) {
    const err = await op().catch((e: unknown) => e)
    t.type(err, StoreUnavailableError)
  }
  t.ok(Date.now() - started < 500, `four refusals took ${Date.now() - started} ms`)

  const mark = logs.lines.length
  await redis.start()
  await logs.waitFor((l) => l['msg'] === 'store connection ready' && logs.lines.indexOf(l) >= mark, 5000)
  t.equal(await store.getMeta('k'), 'before', 'data kept across the restart (append-only file)')
  await store.setMeta('k', 'after')
  t.equal(await store.getMeta('k'), 'after')
  t.ok(events.some((e) => e.kind === 'all'), 'subscribers heard that events may have been missed')
})

t.test('a hung server: calls give up after the command timeout instead of hanging', async (t) => {
  const redis = await startRedis(t)
  const store = createRedisStore({
    config: { url: redis.url, keyPrefix: uniquePrefix('hung') },
    timeouts: { commandTimeoutMs: 300, connectTimeoutMs: 1000, maxBackoffMs: 200 },
  })
  t.teardown(() => store.close())
  t.ok(await store.connected)
  process.kill(redis.pid(), 'SIGSTOP')
  t.teardown(() => {
    try {
      process.kill(redis.pid(), 'SIGCONT')
    } catch {
      // already gone
    }
  })
  const started = Date.now()
  const err = await store.getMeta('k').catch((e: unknown) => e)
  const took = Date.now() - started
  t.type(err, StoreUnavailableError)
  t.match((err as Error).message, /timed out/)
  t.ok(took >= 250 && took < 1000, `gave up after ${took} ms`)
  process.kill(redis.pid(), 'SIGCONT')
  await t.resolves(store.ping(), 'answers again once the server runs')
})
