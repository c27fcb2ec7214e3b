// The Store contract through a real Redis Sentinel: restgate asks the Sentinel for the master and uses it,
// and every confirmed write waits for the master's replica (store.redis.minReplicas defaults to 1 here).
import t from 'tap'
import { createRedisStore } from '../../src/store/redis.js'
import { startRedis, startSentinel, uniquePrefix } from '../helpers/redis.js'
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
