// lockout/1.0: restgate administrators look at and clear brute-force lockouts (route access 'admin').
//   GET    /lockout/1.0/{user}        → { user, failures, lockedUntil }   (lockedUntil null when not locked)
//   DELETE /lockout/1.0/{user}[?ip=]  → { user, cleared }, also clearing that client address's counter
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { LockoutService } from '../lockout/service.js'
import { isLocked } from '../lockout/decide.js'
import type { Clock } from '../clock.js'
import { rule, strictValidation } from './validation.js'

export const LOCKOUT_FAMILY = 'lockout'
export const LOCKOUT_VERSION = '1.0'

const UserParams = Type.Object(
  { user: Type.String({ minLength: 1, maxLength: 255, ...rule('a user name') }) },
  { additionalProperties: false },
)
type UserParams = Static<typeof UserParams>
const ClearQuery = Type.Object(
  { ip: Type.Optional(Type.String({ minLength: 2, maxLength: 64, pattern: '^[0-9A-Fa-f.:]+$', ...rule('an IPv4 or IPv6 address') })) },
  { additionalProperties: false },
)
type ClearQuery = Static<typeof ClearQuery>

const Status = Type.Object({ user: Type.String(), failures: Type.Integer(), lockedUntil: Type.Union([Type.Integer(), Type.Null()]) })
const Cleared = Type.Object({ user: Type.String(), cleared: Type.Boolean() })

export function lockoutRoutes(deps: { lockout: LockoutService; clock: Clock }): FastifyPluginAsync {
  const validation = strictValidation()
  return async function lockoutApi(app: FastifyInstance): Promise<void> {
    validation(app)
    app.get<{ Params: UserParams }>(
      '/:user',
      { config: { access: 'admin' }, schema: { params: UserParams, response: { 200: Status } } },
      async (request) => {
        const counter = await deps.lockout.status(request.params.user)
        const max = request.rg.policy.config.lockout.maxFailures
        const locked = isLocked(counter, max, deps.clock.now())
        return { user: request.params.user, failures: counter?.count ?? 0, lockedUntil: locked ? counter!.resetAt : null }
      },
    )
    app.delete<{ Params: UserParams; Querystring: ClearQuery }>(
      '/:user',
      { config: { access: 'admin' }, schema: { params: UserParams, querystring: ClearQuery, response: { 200: Cleared } } },
      async (request) => {
        const user = request.params.user
        const cleared = await deps.lockout.clear(user, request.query.ip, request.rg.auth!.identity.user, request.id)
        return { user, cleared }
      },
    )
  }
}
