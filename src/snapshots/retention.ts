// Which snapshots go when there are more than `snapshots.keep`: automatic ones (backups restgate took
// itself) before the ones people saved, oldest first within each kind. The snapshot just saved is never
// a candidate, so a keep of 1 still holds the newest.
import type { SnapshotMeta } from '../store/types.js'

export function snapshotsToDelete(all: readonly SnapshotMeta[], keep: number, justSaved: string): string[] {
  const excess = all.length - keep
  if (excess <= 0) return []
  const oldestFirst = [...all].filter((s) => s.id !== justSaved).sort((a, b) => a.timeMillis - b.timeMillis || (a.id < b.id ? -1 : 1))
  const ordered = [...oldestFirst.filter((s) => s.automatic), ...oldestFirst.filter((s) => !s.automatic)]
  return ordered.slice(0, excess).map((s) => s.id)
}
