// info/1.0/ping, shaped like Kantega SSO's: a connectivity check that needs no identity.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Clock } from '../clock.js'

const Ping = Type.Object({
  datetime: Type.String(),
  response: Type.Literal('pong'),
  timestamp: Type.Integer(),
})

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** Java's ZonedDateTime.toString(): 2026-11-23T08:40:00.123+01:00[Europe/Oslo], or ...Z[UTC]. */
export function zonedDateTime(ms: number, timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  const parts: Record<string, string> = {}
  const fmt = new Intl.DateTimeFormat('en-US', {
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
  for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = p.value
  // "GMT+01:00"; a zero offset is "GMT" or "GMT+00:00" depending on the ICU data
  const gmt = parts['timeZoneName'] ?? 'GMT'
  const offset = gmt === 'GMT' || gmt === 'GMT+00:00' ? 'Z' : gmt.slice(3)
  const millis = pad(((ms % 1000) + 1000) % 1000, 3)
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}:${parts['second']}.${millis}${offset}[${timeZone}]`
}

export function infoRoutes(clock: Clock) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/ping', { config: { access: 'public' }, schema: { response: { 200: Ping } } }, async () => {
      const now = clock.now()
      return { datetime: zonedDateTime(now), response: 'pong' as const, timestamp: now }
    })
  }
}
