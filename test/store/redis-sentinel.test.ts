// The Store contract through a real Redis Sentinel: restgate asks the Sentinel for the master and uses it.
import t from 'tap'
import { createRedisStore } from '../../src/store/redis.js'
import { startRedis, startSentinel, uniquePrefix } from '../helpers/redis.js'
import { storeContract } from './contract.js'

const master = await startRedis(t)
const sentinel = await startSentinel(t, master.port)

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
