// info/1.0/ping, shaped like Kantega SSO's: a connectivity check that needs no identity.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Clock } from '../clock.js'
import { zonedDateTime } from '../time.js'

const Ping = Type.Object({
  datetime: Type.String(),
  response: Type.Literal('pong'),
  timestamp: Type.Integer(),
})

export function infoRoutes(clock: Clock) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/ping', { config: { access: 'public' }, schema: { response: { 200: Ping } } }, async () => {
      const now = clock.now()
      return { datetime: zonedDateTime(now), response: 'pong' as const, timestamp: now }
    })
  }
}
