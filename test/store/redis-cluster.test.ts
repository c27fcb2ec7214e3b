// The Store contract against a real 3-node Redis Cluster started for this file: every multi-key step must
// stay within one hash slot, or Cluster refuses it (CROSSSLOT).
import t from 'tap'
import { createRedisStore } from '../../src/store/redis.js'
import { startRedisCluster, uniquePrefix } from '../helpers/redis.js'
import { storeContract } from './contract.js'

const cluster = await startRedisCluster(t)

storeContract(t, async () => {
  const keyPrefix = uniquePrefix('cluster')
  return async () => {
    const store = createRedisStore({ config: { cluster: cluster.nodes, keyPrefix } })
    await store.connected
    return store
  }
})
