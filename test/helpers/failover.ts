// The rig of the Redis failover tests: two restgate instances on one Redis store with a write loop through
// both, and afterwards the check of every confirmed write by a restgate with empty caches (and by the two
// running ones, whose caches must have heard of every revocation).
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { startStubJira } from './stub-jira.js'
import { startRestgate, testPolicy, type PolicyInput, type TestRestgate } from './restgate.js'
import { until } from './redis.js'
import { startWriteLoop, verify, type LoopRecord, type WriteLoop } from './write-loop.js'
import { tempDir } from './tmp.js'
import { basic } from './tokens.js'

export interface FailoverRig {
  readonly a: TestRestgate
  readonly b: TestRestgate
  readonly policy: PolicyInput
  readonly loop: WriteLoop
  /** Token creations answered 201 that were sent after `at`. */
  createdSince(at: number): number
}

/** Starts the rig on `redis` (a `store.redis` section) and resolves once the workload is under way. */
export async function startFailoverRig(t: Test, redis: PolicyInput): Promise<FailoverRig> {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const dir = tempDir(t)
  const keyFile = join(dir, 'token-hash.key')
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 })
  const policy = testPolicy(stub.url, {
    store: { type: 'redis', path: join(dir, 'unused.db'), redis },
    apiTokens: { hashKeyFile: keyFile },
    // The check at the end presents every revoked token: those 401s must not lock the user out.
    lockout: { enabled: false },
  })
  const a = await startRestgate(t, policy)
  const b = await startRestgate(t, policy)
  const loop = startWriteLoop([a.url, b.url], 'alice', basic('alice', 'alice-pw'))
  t.teardown(() => loop.stop())
  // Counted, not timed: a busy machine runs fewer loops per second.
  await until('the workload to be under way', async () => loop.record.created.size >= 10 && loop.record.deleted.size >= 3)
  const createdSince = (at: number): number =>
    loop.record.outcomes.filter((o) => o.start > at && o.op === 'create' && o.status === 201).length
  return { a, b, policy, loop, createdSince }
}

/** Every confirmed token, session and deletion, as a restgate with empty caches and the two running ones see it. */
export async function checkConfirmed(t: Test, rig: FailoverRig, record: LoopRecord): Promise<void> {
  const fresh = await startRestgate(t, rig.policy)
  const verdict = await verify(fresh.url, record)
  t.comment(`confirmed: ${verdict.confirmedTokens} tokens, ${verdict.confirmedDeletions} deletions, ${verdict.confirmedSessions} sessions`)
  t.ok(verdict.confirmedTokens >= 20 && verdict.confirmedDeletions >= 6 && verdict.confirmedSessions >= 20, 'the workload ran')
  t.same(verdict.lostTokens, [], 'confirmed tokens lost: 0')
  t.same(verdict.resurrected, [], 'revocations resurrected: 0')
  t.equal(verdict.lostSessions, 0, 'confirmed sessions lost: 0')
  for (const rg of [rig.a, rig.b]) t.same((await verify(rg.url, record)).resurrected, [], 'a running instance refuses every revoked token too')
}
