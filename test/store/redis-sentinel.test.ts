// The Store contract through a real Redis Sentinel: restgate asks the Sentinel for the master and uses it,
// and every confirmed write waits for the master's replica (store.redis.minReplicas defaults to 1 here).
import t from 'tap'
import { Redis } from 'ioredis'
import { createRedisStore } from '../../src/store/redis.js'
import { keepConnecting } from '../../src/store/redis-client.js'
import { redisCli, startRedis, startSentinel, uniquePrefix, until } from '../helpers/redis.js'
import { storeContract } from './contract.js'

const master = await startRedis(t)
await startRedis(t, { replicaOf: master.port })
const sentinel = await startSentinel(t, master.port, { replicas: 1 })

storeContract(t, async () => {
  const keyPrefix = uniquePrefix('sentinel')
  return async () => {
    const store = createRedisStore({
      config: { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: sentinel.masterName, keyPrefix },
    })
    await store.connected
    return store
  }
})

// What stranded ioredis' failoverDetector: a disconnect while the client is still asking a sentinel for the
// master ends the attempt ("Connection is closed"), and ioredis leaves the client in status "end" for good.
t.test('a client cut off while it asks the sentinels for the master is started again, not left ended', async (t) => {
  const client = new Redis({
    sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: sentinel.masterName,
    enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100, sentinelRetryStrategy: () => 100,
  })
  let closed = false
  t.teardown(() => {
    closed = true
    client.disconnect()
  })
  client.on('error', () => undefined)
  keepConnecting(client, 100, () => closed)
  await until('the client to be ready', async () => client.status === 'ready')
  // The sentinel is slow to answer and the master drops its clients: the reconnect hangs in the question.
  process.kill(sentinel.pid, 'SIGSTOP')
  t.teardown(() => process.kill(sentinel.pid, 'SIGCONT'))
  await redisCli(master.port, 'CLIENT', 'KILL', 'TYPE', 'normal')
  await until('the client to ask the sentinel', async () => client.status === 'connecting')
  const ended = new Promise((resolve) => client.once('end', resolve))
  client.disconnect(true)
  // The sentinel answers the question now, too late: the attempt was cut short, and ioredis ends.
  process.kill(sentinel.pid, 'SIGCONT')
  await ended
  await until('the client to be ready again', async () => client.status === 'ready', 5000)
  t.equal(await client.ping(), 'PONG')
})
