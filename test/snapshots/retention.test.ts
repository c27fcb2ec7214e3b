// snapshots.keep: automatic snapshots go first, oldest first, and never the one just saved.
import t from 'tap'
import { snapshotsToDelete } from '../../src/snapshots/retention.js'
import type { SnapshotMeta } from '../../src/store/types.js'

const meta = (id: string, timeMillis: number, automatic: boolean): SnapshotMeta => ({ id, timeMillis, automatic, description: id, version: '0.1.0' })
// Newest first, as the store lists them.
const ALL = [meta('m4', 40, false), meta('a3', 30, true), meta('m2', 20, false), meta('a1', 10, true), meta('m0', 0, false)]

t.test('under the limit nothing goes', async (t) => {
  t.same(snapshotsToDelete(ALL, 5, 'm4'), [])
  t.same(snapshotsToDelete(ALL, 50, 'm4'), [])
})

t.test('automatic ones first, oldest first, then saved ones oldest first', async (t) => {
  t.same(snapshotsToDelete(ALL, 4, 'm4'), ['a1'])
  t.same(snapshotsToDelete(ALL, 3, 'm4'), ['a1', 'a3'])
  t.same(snapshotsToDelete(ALL, 2, 'm4'), ['a1', 'a3', 'm0'])
  t.same(snapshotsToDelete(ALL, 1, 'm4'), ['a1', 'a3', 'm0', 'm2'])
})

t.test('the snapshot just saved stays even when it is automatic', async (t) => {
  const all = [meta('a5', 50, true), ...ALL]
  t.same(snapshotsToDelete(all, 1, 'a5'), ['a1', 'a3', 'm0', 'm2', 'm4'])
  t.same(snapshotsToDelete(all, 5, 'a5'), ['a1'])
})
