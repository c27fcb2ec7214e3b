// What snapshots add to a running restgate: the service, the `snapshot` API family, and the backup taken
// when restgate starts on a store last used by another version. boot/features.ts calls this once at start-up.
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { Problem } from '../config/problems.js'
import type { ReloadResult } from '../reload/reloader.js'
import type { RuntimeHolder } from '../reload/runtime.js'
import { StoreUnavailableError } from '../store/types.js'
import { readVersion } from '../version.js'
import { createSnapshotService, type SnapshotService, type SnapshotStore } from '../snapshots/service.js'
import { SNAPSHOT_FAMILY, SNAPSHOT_VERSION, snapshotRoutes } from '../snapshots/routes.js'
import { replaceProblem } from '../snapshots/replaceable.js'

export interface SnapshotSetupDeps {
  readonly store: SnapshotStore
  readonly clock: Clock
  readonly runtime: RuntimeHolder
  readonly logger: Logger
  readonly configPath: string
  readonly check: (text: string) => readonly Problem[]
  readonly reload: (trigger: string) => Promise<ReloadResult>
}

export interface SnapshotSetup {
  readonly service: SnapshotService
  readonly apiFamily: readonly [string, string, FastifyPluginAsync]
  /** Why the policy file cannot be replaced (restores are refused), as found at start; undefined when it can. */
  readonly policyReadOnly: string | undefined
}

export async function setupSnapshots(deps: SnapshotSetupDeps): Promise<SnapshotSetup> {
  const { runtime, logger } = deps
  const service = createSnapshotService({
    store: deps.store,
    clock: deps.clock,
    version: readVersion(),
    keep: () => runtime.current.config.snapshots.keep,
    check: deps.check,
    logger,
  })
  try {
    const backup = await service.upgradeBackup(runtime.current.text)
    if (backup !== null) logger.info({ snapshotId: backup.id }, backup.description)
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err
    // Starting matters more than the backup; the version is checked again at the next start.
    logger.warn({ err: err.message }, 'could not check for an upgrade backup: the store is unavailable')
  }
  // Found out now, so /readyz and the log say it before anyone tries a restore (each restore checks again).
  const policyReadOnly = await replaceProblem(deps.configPath)
  if (policyReadOnly !== undefined) logger.warn({ reason: policyReadOnly }, 'the policy file cannot be replaced: snapshot restores are refused')
  return {
    service,
    apiFamily: [SNAPSHOT_FAMILY, SNAPSHOT_VERSION, snapshotRoutes({ service, runtime, configPath: deps.configPath, reload: deps.reload })],
    policyReadOnly,
  }
}
