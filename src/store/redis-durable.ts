// Confirmed writes in Redis. Redis answers a write before any replica has it and replicates afterwards, so a
// failover that promotes a replica loses what the old master had not passed on: a token answered 201 is
// gone, a deletion answered 200 is undone and the revoked token works again. So each step of a confirmed
// write goes as MULTI/EXEC followed, on the same connection and in the same pipeline, by
// `WAIT minReplicas timeout`, and counts only when that many replicas acknowledged it (WAIT covers all that
// the connection wrote before it). A master that Sentinel is demoting keeps taking writes for seconds, but
// its replica has left it: WAIT comes back short, and the write is refused (503) instead of being confirmed
// and then wiped by the resync. In Cluster the pipeline goes to the node that serves the keys' slot, so WAIT
// asks that node.
import { Cluster, Command } from 'ioredis'
import type { Durability, RedisClient } from './redis-client.js'

export type Step = ReadonlyArray<readonly [string, ...Array<string | number>]>

/** Fewer replicas acknowledged a write than `minReplicas` within the timeout. */
export class ReplicaAckError extends Error {
  constructor(
    readonly acked: number,
    readonly wanted: number,
    timeoutMs: number,
  ) {
    super(`only ${acked} of ${wanted} replica(s) acknowledged the write within ${timeoutMs} ms (WAIT)`)
    this.name = 'ReplicaAckError'
  }
}

export interface DurableWriter {
  /** Runs the commands (keys in one hash slot) as one MULTI/EXEC, then WAITs; resolves to their replies. */
  step(commands: Step): Promise<unknown[]>
  /**
   * WAIT alone, on the node that serves `key`: that node still has its replicas, so a "no such record" it
   * answered is not the word of a master that has just been replaced.
   */
  confirm(key: string): Promise<void>
}

type Reply = [Error | null, unknown]
/** The pipeline as it is at run time: the typings know only the chaining calls. */
interface RawPipeline {
  sendCommand(command: Command): unknown
  exec(): Promise<Reply[] | null>
}

const REDIRECT = /^(MOVED|ASK) /

export function createDurableWriter(client: RedisClient, durability: Durability, commandTimeoutMs: number): DurableWriter {
  const { minReplicas, timeoutMs } = durability
  const cluster = client instanceof Cluster ? client : undefined

  function waitCommand(): Command {
    const wait = new Command('wait', [minReplicas, timeoutMs], { replyEncoding: 'utf8' })
    // Its own deadline, longer than the one it asks Redis to keep (sendCommand leaves a set timer alone).
    wait.setTimeout(timeoutMs + commandTimeoutMs)
    return wait
  }

  function acked(reply: Reply | undefined): void {
    if (reply === undefined) throw new Error('no reply to WAIT')
    if (reply[0] !== null) throw reply[0]
    const count = Number(reply[1])
    if (!(count >= minReplicas)) throw new ReplicaAckError(count, minReplicas, timeoutMs)
  }

  async function once(commands: Step): Promise<unknown[]> {
    const pipeline = client.pipeline([['multi'], ...commands.map((c) => [...c]), ['exec']]) as unknown as RawPipeline
    if (minReplicas > 0) pipeline.sendCommand(waitCommand())
    const replies = await pipeline.exec()
    if (replies === null) throw new Error('transaction aborted')
    // A command refused while queued (READONLY, NOREPLICAS, OOM, MOVED) aborts EXEC and says why.
    for (let i = 0; i <= commands.length; i++) {
      const err = replies[i]?.[0]
      if (err) throw err
    }
    const [execErr, values] = replies[commands.length + 1] ?? [new Error('no reply to EXEC'), null]
    if (execErr !== null) throw execErr
    if (!Array.isArray(values)) throw new Error('transaction aborted')
    for (const v of values) if (v instanceof Error) throw v
    if (minReplicas > 0) acked(replies[commands.length + 2])
    return values as unknown[]
  }

  function refreshSlots(): Promise<void> {
    return new Promise((resolve) => cluster!.refreshSlotsCache(() => resolve()))
  }

  async function step(commands: Step): Promise<unknown[]> {
    try {
      return await once(commands)
    } catch (err) {
      if (cluster === undefined) throw err
      const message = (err as Error).message
      // A redirected MULTI was refused as a whole (EXECABORT), so sending it again cannot apply it twice.
      if (!REDIRECT.test(message)) throw err
      await refreshSlots()
      return once(commands)
    }
  }

  return {
    step,
    async confirm(key) {
      if (minReplicas > 0) await step([['exists', key]])
    },
  }
}
