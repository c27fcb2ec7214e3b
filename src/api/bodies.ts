// Optional JSON bodies, the way Kantega SSO reads them: a POST or PUT with no body, or with zero bytes of
// `Content-Type: application/json` (curl -X PUT -H 'Content-Type: application/json', PowerShell's
// Invoke-RestMethod -ContentType application/json without -Body), means "no fields", `{}`. A body that is
// there but is not JSON still goes to Fastify's own parser (proto-poisoning checks included): a 400.
import type { FastifyInstance } from 'fastify'

/** Installs the rule on a scope (a resource family); routes with a body schema then see `{}` for no body. */
export function optionalJsonBodies(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString()
    if (text === '') return done(null, undefined)
    return json(request, text, done)
  })
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = {}
  })
}
