// Snapshot ids: Kantega's shape in the server's local time, and the suffixes that keep one second unique.
import t from 'tap'
import { SNAPSHOT_ID_PATTERN, candidateId, snapshotBaseId, snapshotFilename } from '../../src/snapshots/id.js'

const T0 = Date.UTC(2026, 10, 23, 9, 40, 7, 999)

t.test('the base id is the local wall-clock second', async (t) => {
  t.equal(snapshotBaseId(T0, 'UTC'), 'sso-snapshot-2026-11-23-09_40_07')
  t.equal(snapshotBaseId(T0, 'Europe/Oslo'), 'sso-snapshot-2026-11-23-10_40_07')
  t.equal(snapshotBaseId(Date.UTC(2026, 0, 1, 0, 0, 0), 'America/New_York'), 'sso-snapshot-2025-12-31-19_00_00')
})

t.test('candidates and the id pattern', async (t) => {
  const base = snapshotBaseId(T0, 'UTC')
  t.same([1, 2, 3, 10].map((n) => candidateId(base, n)), [base, `${base}-2`, `${base}-3`, `${base}-10`])
  const re = new RegExp(SNAPSHOT_ID_PATTERN)
  for (const ok of [base, `${base}-2`, `${base}-1000`]) t.ok(re.test(ok), ok)
  for (const bad of ['', 'sso-snapshot-2026-11-23', `${base}-0`, `${base}-`, `${base}.yaml`, `../${base}`, `${base}-10000`, `${base}\n`]) {
    t.notOk(re.test(bad), JSON.stringify(bad))
  }
  t.equal(snapshotFilename(base), `${base}.yaml`)
})
