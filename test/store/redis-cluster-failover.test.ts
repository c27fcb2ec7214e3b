// Redis Cluster losing a master under a running workload, through two restgate instances: 3 masters with a
// replica each; kill -9 of the master that serves the token counter's slot (every token creation writes
// there), its replica promoted by the cluster, the crashed node brought back (it rejoins as a replica). No
// confirmed token, deletion or session is lost, no revoked token works again, restgate finds the new master
// by itself, and the time until writes succeed again is printed.
import t from 'tap'
import { onlineReplicas, startRedisCluster, uniquePrefix, until } from '../helpers/redis.js'
import { disruption } from '../helpers/write-loop.js'
import { checkConfirmed, startFailoverRig } from '../helpers/failover.js'
import { counterValue } from '../helpers/metrics.js'

t.test('kill -9 of a master, its replica promoted: nothing confirmed lost, nothing revoked back', async (t) => {
  const cluster = await startRedisCluster(t, { replicas: 1, nodeTimeoutMs: 1000 })
  const keyPrefix = uniquePrefix('cluster-failover')
  // minReplicas is left to its default for Cluster: 1.
  const rig = await startFailoverRig(t, { cluster: cluster.nodes, keyPrefix })
  const { loop, createdSince } = rig

  const counterKey = `${keyPrefix}{tokens}:seq`
  const victim = await cluster.masterOf(counterKey)
  const witness = cluster.nodes.find((n) => n.port !== victim)!.port
  const crashed = Date.now()
  await cluster.kill(victim)
  await until('the replica to be promoted', async () => (await cluster.masterOf(counterKey, witness)) !== victim, 20000)
  const promoted = Date.now()
  const successor = await cluster.masterOf(counterKey, witness)
  // Brought back as a supervisor would: it rejoins as the new master's replica, so writes have one to wait for.
  await cluster.restart(victim)
  await until('the crashed node to be the new master\'s replica', async () => (await onlineReplicas(successor)) >= 1, 20000)
  await until('writes to succeed after the crash', async () => createdSince(crashed) >= 10, 20000)
  const record = await loop.stop()

  // Every creation writes the token counter's slot; logins and deletions mostly land on the other masters.
  const seen = disruption(record, crashed, Infinity, ['create'])
  t.comment(`kill -9 of a Cluster master: replica promoted ${promoted - crashed} ms after the crash; ${seen.refused} token creations refused (503), creations succeed again ${seen.recoveryMs} ms after the crash`)
  t.same(disruption(record, crashed).unexpected, [], 'every write was confirmed or refused with 503')
  t.ok(seen.recoveryMs < 15000, 'restgate came back by itself')

  await checkConfirmed(t, rig, record)
  t.ok((await counterValue(rig.a.metrics.storeFailovers, { kind: 'cluster' })) >= 1, 'the new master counted')
})
