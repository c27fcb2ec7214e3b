// A confirmed Redis write is on `minReplicas` replicas (WAIT) before it is answered. A replica that stops
// acknowledging turns writes into 503s within the replica timeout instead of confirmations a failover
// could lose; a "no such token" from a master without its replicas is no answer either; a server that
// is a replica refuses writes. /readyz, /metrics and the audit stream say which.
import t, { type Test } from 'tap'
import pino from 'pino'
import { join } from 'node:path'
import { createRedisStore } from '../../src/store/redis.js'
import { classifyRedisError } from '../../src/store/redis-errors.js'
import { ReplicaAckError } from '../../src/store/redis-durable.js'
import { StoreUnavailableError, type NewToken } from '../../src/store/types.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { redisCli, startRedis, uniquePrefix, type RedisServer } from '../helpers/redis.js'
import { createLogSink } from '../helpers/log-sink.js'
import { counterValue } from '../helpers/metrics.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { api, basic } from '../helpers/tokens.js'

const token = (hash: string): NewToken => ({
  user: 'alice', name: hash, description: '', hash, createdAt: 1, expiresAt: null, lifetimeDays: null, scope: 'write', paths: null,
})

/** SIGSTOP: the replica stays connected but acknowledges nothing. Resumed in teardown at the latest. */
function pause(t: Test, server: RedisServer): () => void {
  const pid = server.pid()
  process.kill(pid, 'SIGSTOP')
  let resumed = false
  const resume = (): void => {
    if (resumed) return
    resumed = true
    process.kill(pid, 'SIGCONT')
  }
  t.teardown(resume)
  return resume
}

t.test('a replica that stops acknowledging: writes are refused within the timeout, reads go on, and it heals', async (t) => {
  const master = await startRedis(t)
  const replica = await startRedis(t, { replicaOf: master.port })
  const logs = createLogSink()
  const metrics = createMetrics({ defaultMetrics: false })
  const keyPrefix = uniquePrefix('wait')
  const store = createRedisStore({ config: { url: master.url, keyPrefix, minReplicas: 1, replicaTimeout: '300ms' }, logger: pino(logs.stream), metrics })
  t.teardown(() => store.close())
  t.ok(await store.connected)
  const kept = await store.createToken(token('kept'))
  const doomed = await store.createToken(token('doomed'))
  t.equal(await redisCli(replica.port, 'EXISTS', `${keyPrefix}token-hash:kept`), '1', 'confirmed: the replica holds it as the create returns')
  await t.resolves(store.ping())

  const resume = pause(t, replica)
  const started = Date.now()
  const err = await store.createToken(token('unconfirmed')).catch((e: unknown) => e)
  const took = Date.now() - started
  t.type(err, StoreUnavailableError)
  t.type((err as Error).cause, ReplicaAckError)
  t.match((err as Error).message, /only 0 of 1 replica\(s\) acknowledged the write within 300 ms \(WAIT\)/)
  t.ok(took >= 280 && took < 2000, `refused after ${took} ms`)
  // Refused, not undone: its first step may have reached the master (a 503 says "not confirmed").
  await t.rejects(store.deleteToken(doomed.id), StoreUnavailableError, 'a deletion is refused too')
  await t.rejects(store.deleteToken(9999), StoreUnavailableError, '"no such token" from a master whose replicas are silent is no answer')
  t.equal((await store.findTokenByHash('kept'))?.id, kept.id, 'reads go on')
  await t.rejects(store.ping(), { message: /^refuses writes \(replica-timeout\)/ }, 'ping (readyz) says why')
  t.equal(await counterValue(metrics.storeErrors, { operation: 'createToken', kind: 'replica-timeout' }), 1)
  t.ok(logs.lines.some((l) => l['audit'] === true && l['event'] === 'store.write-refused' && l['operation'] === 'deleteToken' && l['kind'] === 'replica-timeout'))

  resume()
  await t.resolves(store.ping(), 'ready again once the replica acknowledges')
  t.equal((await store.deleteToken(doomed.id))?.id, doomed.id, 'the deletion asked again is confirmed')
  t.equal(await redisCli(replica.port, 'EXISTS', `${keyPrefix}token-hash:doomed`), '0', 'and on the replica')
  t.equal(await redisCli(replica.port, 'EXISTS', `${keyPrefix}{u:alice}:token:${doomed.id}`), '0')
})

t.test('standalone default: with url, minReplicas is 0, so a lone server (or a silent replica) does not block writes', async (t) => {
  const master = await startRedis(t)
  const replica = await startRedis(t, { replicaOf: master.port })
  const store = createRedisStore({ config: { url: master.url, keyPrefix: uniquePrefix('nowait') } })
  t.teardown(() => store.close())
  t.ok(await store.connected)
  pause(t, replica)
  t.ok(await store.createToken(token('t')))
  await t.resolves(store.ping())
})

t.test('a server that is a replica: every write refused as read-only, and ping says so', async (t) => {
  const master = await startRedis(t)
  const replica = await startRedis(t, { replicaOf: master.port })
  const store = createRedisStore({ config: { url: replica.url, keyPrefix: uniquePrefix('ro') } })
  t.teardown(() => store.close())
  t.ok(await store.connected)
  const err = await store.createToken(token('t')).catch((e: unknown) => e)
  t.type(err, StoreUnavailableError)
  t.match((err as Error).message, /READONLY/)
  t.equal(classifyRedisError(err), 'read-only')
  await t.rejects(store.ping(), { message: /^refuses writes \(read-only\)/ })
})

t.test('failure kinds, as metrics and /readyz name them', async (t) => {
  const kinds = {
    'NOREPLICAS Not enough good replicas to write.': 'no-replicas',
    "OOM command not allowed when used memory > 'maxmemory'.": 'out-of-memory',
    'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.': 'persistence-error',
    'MOVED 3999 127.0.0.1:6381': 'cluster-redirect',
    'CLUSTERDOWN The cluster is down': 'cluster-down',
    'Command timed out': 'timeout',
    "Stream isn't writeable and enableOfflineQueue options is false": 'disconnected',
    'something new': 'error',
  }
  for (const [message, kind] of Object.entries(kinds)) t.equal(classifyRedisError(new Error(message)), kind, message)
  t.equal(classifyRedisError(new ReplicaAckError(0, 1, 500)), 'replica-timeout')
})

t.test('over HTTP: a token create while the replica is silent is 503, and /readyz is not ready', async (t) => {
  const master = await startRedis(t)
  const replica = await startRedis(t, { replicaOf: master.port })
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const dir = tempDir(t)
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, {
      server: { admin: { enabled: true } },
      store: { type: 'redis', path: join(dir, 'x.db'), redis: { url: master.url, keyPrefix: uniquePrefix('http'), minReplicas: 1, replicaTimeout: '300ms' } },
    }),
    { dir },
  )
  const alice = basic('alice', 'alice-pw')
  t.equal((await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: {} })).status, 201)
  const resume = pause(t, replica)
  const create = await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: {} })
  t.equal(create.status, 503)
  t.equal(create.json()['code'], 'RG_ERR_STORE_UNAVAILABLE')
  const ready = await httpRequest(`${rg.adminUrl}/readyz`)
  t.equal(ready.status, 503)
  t.match(ready.json(), { store: /^error: refuses writes \(replica-timeout\)/ })
  t.match((await httpRequest(`${rg.adminUrl}/metrics`)).body.toString(), /restgate_store_up 0/)
  resume()
  t.equal((await httpRequest(`${rg.adminUrl}/readyz`)).status, 200)
  t.equal((await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: {} })).status, 201)
})
