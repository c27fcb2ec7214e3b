// How restgate writes a time, in the shapes Kantega SSO's scripts read: the server's local wall-clock time
// without a zone, like Java's LocalDateTime (`2026-11-23T09:40` for an expiry, `2026-11-23T09:40:07` for a
// token's creation, `2026-11-23T09:40:07.042` in default token names and snapshot ids), and Java's
// ZonedDateTime.toString() for the ping
// (`2026-11-23T08:40:00.123+01:00[Europe/Oslo]`). One formatter per time zone, made once.

const formats = new Map<string, Intl.DateTimeFormat>()

function partsOf(ms: number, timeZone: string): Record<string, string> {
  let f = formats.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
    formats.set(timeZone, f)
  }
  const p: Record<string, string> = {}
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value
  return p
}

const millisOf = (ms: number): string => String(((ms % 1000) + 1000) % 1000).padStart(3, '0')

export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone

export function localDateTime(ms: number, precision: 'minutes' | 'seconds' | 'millis', timeZone = localTimeZone()): string {
  const p = partsOf(ms, timeZone)
  const minutes = `${p['year']}-${p['month']}-${p['day']}T${p['hour']}:${p['minute']}`
  if (precision === 'minutes') return minutes
  const seconds = `${minutes}:${p['second']}`
  return precision === 'seconds' ? seconds : `${seconds}.${millisOf(ms)}`
}

/** Java's ZonedDateTime.toString(): 2026-11-23T08:40:00.123+01:00[Europe/Oslo], or ...Z[UTC]. */
export function zonedDateTime(ms: number, timeZone = localTimeZone()): string {
  const p = partsOf(ms, timeZone)
  // "GMT+01:00"; a zero offset is "GMT" or "GMT+00:00" depending on the ICU data
  const gmt = p['timeZoneName'] ?? 'GMT'
  const offset = gmt === 'GMT' || gmt === 'GMT+00:00' ? 'Z' : gmt.slice(3)
  return `${localDateTime(ms, 'millis', timeZone)}${offset}[${timeZone}]`
}
