// Fills in the caller's groups for identity.groupsHeader on forwarded requests. With the upstream
// directory a cached answer costs no round trip; only a user's first request (or the first after
// directory.cacheSeconds) waits for one lookup, shared by that user's concurrent requests. Nothing is
// looked up when the policy sends no groups header.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Directory } from './static.js'

export function createGroupsHook(directory: Directory) {
  return function addGroups(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const state = request.rg
    const auth = state.auth
    if (state.policy.config.identity.groupsHeader === undefined || auth === null || auth.identity.groups !== undefined) return done()
    directory.groupsOf(auth.identity.user, state.policy).then(
      (groups) => {
        state.auth = { ...auth, identity: { ...auth.identity, groups } }
        done()
      },
      (err: Error) => {
        // Never forward someone else's or a guessed group list: an empty one says "no groups".
        request.log.warn({ err: err.message, user: auth.identity.user }, 'directory lookup failed: sending no groups')
        state.auth = { ...auth, identity: { ...auth.identity, groups: [] } }
        done()
      },
    )
  }
}
