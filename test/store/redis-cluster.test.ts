// The Store contract against a real Redis Cluster started for this file (3 masters, a replica each): every
// multi-key step must stay within one hash slot, or Cluster refuses it (CROSSSLOT), and every confirmed
// write waits for the replica of the master that serves its slot.
import t from 'tap'
import { createRedisStore } from '../../src/store/redis.js'
import { startRedisCluster, uniquePrefix } from '../helpers/redis.js'
import { storeContract } from './contract.js'

const cluster = await startRedisCluster(t, { replicas: 1 })

storeContract(t, async () => {
  const keyPrefix = uniquePrefix('cluster')
  return async () => {
    const store = createRedisStore({ config: { cluster: cluster.nodes, keyPrefix } })
    await store.connected
    return store
  }
})
