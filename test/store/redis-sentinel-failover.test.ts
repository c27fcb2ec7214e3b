// Redis Sentinel failovers under a running workload, through two restgate instances: one master, one replica,
// three sentinels. First a planned SENTINEL FAILOVER, during which the old master stays writable for seconds
// after its replica was promoted (writes that reach it are wiped when it resyncs); then kill -9 of the new
// master. Through both: no confirmed token, deletion or session is lost, no revoked token works again,
// restgate follows each new master by itself (ioredis' failoverDetector got stuck at the second one), and
// the time until writes succeed again is printed.
import t from 'tap'
import { onlineReplicas, redisCli, startRedis, startSentinels, uniquePrefix, until } from '../helpers/redis.js'
import { disruption } from '../helpers/write-loop.js'
import { checkConfirmed, startFailoverRig } from '../helpers/failover.js'
import { counterValue } from '../helpers/metrics.js'

t.test('planned failover, then kill -9 of the new master: nothing confirmed lost, nothing revoked back', async (t) => {
  const first = await startRedis(t)
  const second = await startRedis(t, { replicaOf: first.port })
  const group = await startSentinels(t, first.port, { count: 3, quorum: 2, replicas: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 })
  // minReplicas is left to its default for Sentinel: 1.
  const rig = await startFailoverRig(t, { sentinels: group.sentinels, name: group.masterName, keyPrefix: uniquePrefix('failover') })
  const { loop, createdSince } = rig

  // 1. Planned failover: `second` is promoted; `first` takes writes until Sentinel demotes it, seconds later.
  const planned = Date.now()
  t.equal(await redisCli(group.sentinels[0]!.port, 'SENTINEL', 'FAILOVER', group.masterName), 'OK')
  await until('the sentinels to name the promoted replica', async () => (await group.masterPort()) === second.port)
  const announced = Date.now()
  // Followed at the announcement: no restgate connection stays on the old master while it still takes writes.
  await until('restgate to leave the old master', async () => !/ name=restgate /.test(await redisCli(first.port, 'CLIENT', 'LIST')), 5000)
  const followedMs = Date.now() - announced
  t.ok((await redisCli(first.port, 'INFO', 'replication')).includes('role:master'), 'left while the old master was still a writable master')
  // With one replica, a write can be confirmed again once the old master is its replica: Sentinel's doing.
  await until('writes to succeed again', async () => createdSince(announced) >= 5, 30000)
  await until('every sentinel to know the old master as a replica', async () => {
    for (const s of group.sentinels) if (!(await redisCli(s.port, 'SENTINEL', 'REPLICAS', group.masterName)).includes(String(first.port))) return false
    return (await onlineReplicas(second.port)) >= 1
  })

  // 2. kill -9 of the new master: `first` is promoted back. The crashed server is brought back as a
  // replica once the failover is done, as a supervisor would, so that writes have a replica to wait for.
  const crashed = Date.now()
  await second.kill()
  await until('the sentinels to promote the old master again', async () => (await group.masterPort()) === first.port, 20000)
  await second.start({ replicaOf: first.port })
  await until('writes to succeed after the crash', async () => createdSince(crashed) >= 10, 20000)
  const record = await loop.stop()

  const plannedSeen = disruption(record, planned, crashed)
  const crashSeen = disruption(record, crashed)
  t.comment(`planned SENTINEL FAILOVER: announced ${announced - planned} ms after the command, restgate off the old master ${followedMs} ms after that; ${plannedSeen.refused} writes refused (503), writes succeed again ${plannedSeen.recoveryMs} ms after the command (when the old master is a replica again)`)
  t.comment(`kill -9 of the master: ${crashSeen.refused} writes refused (503), writes succeed again ${crashSeen.recoveryMs} ms after the crash`)
  t.same(plannedSeen.unexpected, [], 'during the planned failover every write was confirmed or refused with 503')
  t.same(crashSeen.unexpected, [], 'after the crash every write was confirmed or refused with 503')
  t.ok(plannedSeen.recoveryMs < 30000 && crashSeen.recoveryMs < 15000, 'restgate came back by itself after each failover')

  // 3. What a restgate with empty caches finds, and what the two running ones say after their caches heard.
  await checkConfirmed(t, rig, record)
  t.ok((await counterValue(rig.a.metrics.storeFailovers, { kind: 'sentinel' })) >= 2, 'both master changes counted')
})
