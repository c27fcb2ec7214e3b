// Times as Kantega SSO shows them: the server's local wall-clock time without a zone, like Java's
// LocalDateTime (`2026-11-23T09:40`, or `2026-11-23T09:40:07.042` in default token names).

const formats = new Map<string, Intl.DateTimeFormat>()

function format(timeZone: string): Intl.DateTimeFormat {
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
    })
    formats.set(timeZone, f)
  }
  return f
}

export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone

export function localDateTime(ms: number, precision: 'minutes' | 'millis', timeZone = localTimeZone()): string {
  const p: Record<string, string> = {}
  for (const part of format(timeZone).formatToParts(new Date(ms))) p[part.type] = part.value
  const minutes = `${p['year']}-${p['month']}-${p['day']}T${p['hour']}:${p['minute']}`
  if (precision === 'minutes') return minutes
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0')
  return `${minutes}:${p['second']}.${millis}`
}
