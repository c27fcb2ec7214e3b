// Snapshot ids as Kantega SSO names them: `sso-snapshot-YYYY-MM-DD-HH_mm_ss` in the server's local time.
// Two snapshots in one second (a restore takes its backup, then the restore itself is saved by a script)
// get `-2`, `-3`, ... so an id never names two snapshots.
import { localDateTime, localTimeZone } from '../time.js'

export const SNAPSHOT_ID_PATTERN = '^sso-snapshot-\\d{4}-\\d\\d-\\d\\d-\\d\\d_\\d\\d_\\d\\d(-[1-9][0-9]{0,3})?$'

/** `sso-snapshot-2026-11-23-09_40_07` for a time in `timeZone` (the server's by default). */
export function snapshotBaseId(ms: number, timeZone = localTimeZone()): string {
  // localDateTime gives 2026-11-23T09:40:07.042
  const t = localDateTime(ms, 'millis', timeZone)
  return `sso-snapshot-${t.slice(0, 10)}-${t.slice(11, 13)}_${t.slice(14, 16)}_${t.slice(17, 19)}`
}

/** The n-th candidate for a second: the base id first, then `-2`, `-3`, ... */
export function candidateId(base: string, n: number): string {
  return n <= 1 ? base : `${base}-${n}`
}

/** How many candidates one second may use before saving gives up (a loop that saves, not a person). */
export const MAX_IDS_PER_SECOND = 1000

export const snapshotFilename = (id: string): string => `${id}.yaml`
