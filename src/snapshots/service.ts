// Policy snapshots: save the policy text with its metadata, list them with whether each still validates,
// restore one (backup first, atomic write, reload, and back to the old file if the reload refuses it),
// and take a backup when restgate starts with a new version. Used by the management API and the CLI.
import { readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { Problem } from '../config/problems.js'
import type { ReloadResult } from '../reload/reloader.js'
import { auditLogger } from '../observability/logger.js'
import type { SnapshotMeta, SnapshotRecord, Store } from '../store/types.js'
import { MAX_IDS_PER_SECOND, candidateId, snapshotBaseId } from './id.js'
import { snapshotsToDelete } from './retention.js'
import { writeFileAtomic } from './atomic-write.js'
import { replaceProblem } from './replaceable.js'

/** Meta key holding the restgate version that last started on this store. */
export const VERSION_META = 'restgate.version'

/** Why a rename over the policy file fails when the file cannot be replaced at all. */
const UNWRITABLE: ReadonlySet<string> = new Set(['EROFS', 'EACCES', 'EPERM', 'EBUSY', 'EXDEV'])

/** How long an id stays claimed: far longer than the second it names. */
const ID_CLAIM_MS = 3_600_000

/** The snapshots' slice of the store: snapshot records, id claims, and the version of the last start. */
export type SnapshotStore = Pick<Store, 'saveSnapshot' | 'listSnapshots' | 'getSnapshot' | 'deleteSnapshot' | 'claimOnce' | 'getMeta' | 'setMeta'>

export interface SnapshotServiceDeps {
  readonly store: SnapshotStore
  readonly clock: Clock
  /** The running restgate's version. */
  readonly version: string
  /** snapshots.keep of the policy in force. */
  readonly keep: () => number
  /** Every problem a reload of this text would meet; empty means it can be restored. */
  readonly check: (text: string) => readonly Problem[]
  readonly logger: Logger
  /** For ids (the server's local time by default). */
  readonly timeZone?: string
}

/** Who asked, for the audit stream. */
export interface SnapshotActor {
  readonly actor: string
  readonly via: 'api' | 'cli' | 'restgate'
  readonly ip?: string
  /** The API request that asked. */
  readonly reqId?: string
}

export interface SnapshotEntry {
  readonly meta: SnapshotMeta
  readonly readable: boolean
}

export interface RestoreTarget {
  /** The policy file to replace. */
  readonly file: string
  /** Puts the written file in force and says whether it was (a running server); the CLI leaves that to
   *  the server's file watch. */
  readonly reload?: (trigger: string) => Promise<ReloadResult>
  /** Backed up instead when the file is gone (the policy text in force). */
  readonly inForce?: string
}

export type RestoreOutcome =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'unreadable'; readonly problems: readonly Problem[] }
  /** The policy file cannot be replaced (mounted read-only): nothing was saved or written. */
  | { readonly kind: 'read-only'; readonly reason: string }
  | { readonly kind: 'restored'; readonly snapshot: SnapshotMeta; readonly backup: SnapshotMeta; readonly reload?: ReloadResult }

export interface SnapshotService {
  /** Newest first, each with whether it would restore today. */
  list(): Promise<SnapshotEntry[]>
  get(id: string): Promise<SnapshotRecord | null>
  save(text: string, options: { description?: string; automatic?: boolean }, who: SnapshotActor): Promise<SnapshotRecord>
  restore(id: string, target: RestoreTarget, who: SnapshotActor): Promise<RestoreOutcome>
  /** At start-up: a backup when the store last saw another restgate version; records this one. */
  upgradeBackup(text: string): Promise<SnapshotRecord | null>
  readable(text: string): boolean
}

const metaOf = ({ text: _text, ...meta }: SnapshotRecord): SnapshotMeta => meta

export function createSnapshotService(deps: SnapshotServiceDeps): SnapshotService {
  const { store, clock, logger } = deps
  const audit = auditLogger(logger)

  // Saves and restores of this process run one at a time: a restore's backup, write and reload are one step.
  let queue: Promise<unknown> = Promise.resolve()
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn)
    queue = run.catch(() => undefined)
    return run
  }

  async function freeId(now: number): Promise<string> {
    const base = snapshotBaseId(now, deps.timeZone)
    for (let n = 1; n <= MAX_IDS_PER_SECOND; n++) {
      const id = candidateId(base, n)
      // The claim makes two savers (this process, the CLI, another instance) never pick one id; the
      // lookup covers a clock that went back to a second already used.
      if (!(await store.claimOnce(`snapshot-id:${id}`, ID_CLAIM_MS))) continue
      if ((await store.getSnapshot(id)) === null) return id
    }
    throw new Error(`more than ${MAX_IDS_PER_SECOND} snapshots in one second`)
  }

  /** Best effort: the snapshot is saved either way, and the next save trims again. */
  async function applyRetention(justSaved: string): Promise<void> {
    try {
      const doomed = snapshotsToDelete(await store.listSnapshots(), deps.keep(), justSaved)
      for (const id of doomed) {
        if (await store.deleteSnapshot(id)) audit.info({ event: 'snapshot.delete', snapshotId: id, reason: 'snapshots.keep' }, `snapshot.delete ${id} (retention)`)
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'snapshot retention failed: old snapshots are removed at the next save')
    }
  }

  async function saveNow(text: string, options: { description?: string; automatic?: boolean }, who: SnapshotActor): Promise<SnapshotRecord> {
    const now = clock.now()
    const id = await freeId(now)
    const description = options.description !== undefined && options.description.trim() !== '' ? options.description : id
    const record: SnapshotRecord = { id, timeMillis: now, description, automatic: options.automatic ?? false, version: deps.version, text }
    await store.saveSnapshot(record)
    audit.info(
      { event: 'snapshot.save', actor: who.actor, via: who.via, ip: who.ip, reqId: who.reqId, snapshotId: id, automatic: record.automatic, description },
      `snapshot.save ${id} by ${who.actor}`,
    )
    await applyRetention(id)
    return record
  }

  async function restoreNow(id: string, target: RestoreTarget, who: SnapshotActor): Promise<RestoreOutcome> {
    const snapshot = await store.getSnapshot(id)
    if (snapshot === null) return { kind: 'unknown' }
    // Before the backup: a restore that cannot write the file must leave no trace (no backup, no half step).
    const readOnly = await replaceProblem(target.file)
    if (readOnly !== undefined) {
      audit.warn({ event: 'snapshot.restore.refused', actor: who.actor, via: who.via, snapshotId: id, reason: readOnly }, `snapshot.restore ${id} refused: the policy file cannot be replaced`)
      return { kind: 'read-only', reason: readOnly }
    }
    const problems = deps.check(snapshot.text)
    if (problems.length > 0) {
      audit.warn({ event: 'snapshot.restore.refused', actor: who.actor, via: who.via, reqId: who.reqId, snapshotId: id, problems: problems.length }, `snapshot.restore ${id} refused: it does not validate`)
      return { kind: 'unreadable', problems }
    }
    let previous: Buffer
    try {
      previous = await readFile(target.file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || target.inForce === undefined) throw err
      previous = Buffer.from(target.inForce)
    }
    const backup = await saveNow(previous.toString('utf8'), { description: `Backup before restore of ${id}`, automatic: true }, who)
    try {
      await writeFileAtomic(target.file, snapshot.text)
    } catch (err) {
      // The file changed under us since the check (remounted, made immutable): nothing was written, so the
      // backup goes again and the restore is refused as one that cannot write, never a 500 with a trace left.
      await store.deleteSnapshot(backup.id)
      const code = (err as NodeJS.ErrnoException).code
      if (code === undefined || !UNWRITABLE.has(code)) throw err
      audit.warn({ event: 'snapshot.restore.refused', actor: who.actor, via: who.via, snapshotId: id, reason: code }, `snapshot.restore ${id} refused: the policy file cannot be replaced`)
      return { kind: 'read-only', reason: `${target.file} could not be replaced (${code})` }
    }
    let reload: ReloadResult | undefined
    if (target.reload !== undefined) {
      reload = await target.reload('snapshot restore')
      if (reload.result === 'failed') {
        // Something the check could not see (a file changed in between): the old file goes back and the
        // backup of it is dropped, so nothing changed.
        await writeFileAtomic(target.file, previous)
        await target.reload('snapshot restore rolled back')
        await store.deleteSnapshot(backup.id)
        audit.warn({ event: 'snapshot.restore.refused', actor: who.actor, via: who.via, reqId: who.reqId, snapshotId: id }, `snapshot.restore ${id} refused by the reload: rolled back`)
        return { kind: 'unreadable', problems: reload.problems }
      }
    }
    audit.info(
      { event: 'snapshot.restore', actor: who.actor, via: who.via, ip: who.ip, reqId: who.reqId, snapshotId: id, backupId: backup.id, restartPending: reload?.restartPending },
      `snapshot.restore ${id} by ${who.actor} (backup ${backup.id})`,
    )
    return { kind: 'restored', snapshot: metaOf(snapshot), backup: metaOf(backup), reload }
  }

  const readable = (text: string): boolean => deps.check(text).length === 0

  return {
    async list() {
      const metas = await store.listSnapshots()
      const records = await Promise.all(metas.map((m) => store.getSnapshot(m.id)))
      // A snapshot deleted between the two reads is left out.
      return metas.flatMap((meta, i) => (records[i] === null ? [] : [{ meta, readable: readable(records[i]!.text) }]))
    },
    get: (id) => store.getSnapshot(id),
    save: (text, options, who) => exclusive(() => saveNow(text, options, who)),
    restore: (id, target, who) => exclusive(() => restoreNow(id, target, who)),
    upgradeBackup: (text) =>
      exclusive(async () => {
        const stored = await store.getMeta(VERSION_META)
        if (stored === deps.version) return null
        const saved =
          stored === null
            ? null
            : await saveNow(text, { description: `Backup before upgrade of config from version ${stored} to ${deps.version}`, automatic: true }, { actor: 'restgate', via: 'restgate' })
        await store.setMeta(VERSION_META, deps.version)
        return saved
      }),
    readable,
  }
}
