// A snapshot as Kantega SSO 5.7 lists it (snapshot/1.0/config/snapshot/).
import type { SnapshotMeta } from '../store/types.js'
import { snapshotFilename } from './id.js'

export interface SnapshotView {
  readonly applicationName: string
  /** The Jira/Confluence version: restgate does not know it, so it is empty. */
  readonly applicationVersion: string
  /** The restgate version that saved the snapshot. */
  readonly pluginVersion: string
  readonly baseUrl: string
  readonly timeMillis: number
  readonly description: string
  readonly filename: string
  readonly id: string
  /** False when the snapshot no longer validates (it cannot be restored). */
  readonly readable: boolean
}

export interface ViewContext {
  readonly applicationName: string
  readonly baseUrl: string
}

export function snapshotView(meta: SnapshotMeta, readable: boolean, ctx: ViewContext): SnapshotView {
  return {
    applicationName: ctx.applicationName,
    applicationVersion: '',
    pluginVersion: meta.version,
    baseUrl: ctx.baseUrl,
    timeMillis: meta.timeMillis,
    description: meta.description,
    filename: snapshotFilename(meta.id),
    id: meta.id,
    readable,
  }
}
