// Redis Cluster losing a master under a running workload, through two restgate instances: 3 masters with a
// replica each; kill -9 of the master that serves the token counter's slot (every token creation writes
// there), its replica promoted by the cluster, the crashed node brought back (it rejoins as a replica). No
// confirmed token, deletion or session is lost, no revoked token works again, restgate finds the new master
// by itself, and the time until writes succeed again is printed.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { onlineReplicas, startRedisCluster, uniquePrefix, until } from '../helpers/redis.js'
import { disruption, startWriteLoop, verify } from '../helpers/write-loop.js'
import { counterValue } from '../helpers/metrics.js'
import { tempDir } from '../helpers/tmp.js'
import { basic } from '../helpers/tokens.js'

t.test('kill -9 of a master, its replica promoted: nothing confirmed lost, nothing revoked back', async (t) => {
  const cluster = await startRedisCluster(t, { replicas: 1, nodeTimeoutMs: 1000 })
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const dir = tempDir(t)
  const keyFile = join(dir, 'token-hash.key')
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 })
  const keyPrefix = uniquePrefix('cluster-failover')
  // minReplicas is left to its default for Cluster: 1.
  const policy = testPolicy(stub.url, {
    store: { type: 'redis', path: join(dir, 'unused.db'), redis: { cluster: cluster.nodes, keyPrefix } },
    apiTokens: { hashKeyFile: keyFile },
    // The check at the end presents every revoked token: those 401s must not lock the user out.
    lockout: { enabled: false },
  })
  const a = await startRestgate(t, policy)
  const b = await startRestgate(t, policy)
  const loop = startWriteLoop([a.url, b.url], 'alice', basic('alice', 'alice-pw'))
  t.teardown(() => loop.stop())
  const createdSince = (at: number): number => loop.record.outcomes.filter((o) => o.start > at && o.op === 'create' && o.status === 201).length
  // Counted, not timed: a busy machine runs fewer loops per second.
  await until('the workload to be under way', async () => loop.record.created.size >= 10 && loop.record.deleted.size >= 3)

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

  const fresh = await startRestgate(t, policy)
  const verdict = await verify(fresh.url, record)
  t.comment(`confirmed: ${verdict.confirmedTokens} tokens, ${verdict.confirmedDeletions} deletions, ${verdict.confirmedSessions} sessions`)
  t.ok(verdict.confirmedTokens >= 20 && verdict.confirmedDeletions >= 6 && verdict.confirmedSessions >= 20, 'the workload ran')
  t.same(verdict.lostTokens, [], 'confirmed tokens lost: 0')
  t.same(verdict.resurrected, [], 'revocations resurrected: 0')
  t.equal(verdict.lostSessions, 0, 'confirmed sessions lost: 0')
  for (const rg of [a, b]) t.same((await verify(rg.url, record)).resurrected, [], 'a running instance refuses every revoked token too')
  t.ok((await counterValue(a.metrics.storeFailovers, { kind: 'cluster' })) >= 1, 'the new master counted')
})
