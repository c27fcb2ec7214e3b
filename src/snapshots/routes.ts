// snapshot/1.0/config/snapshot/ (Kantega SSO 5.7 paths), for restgate administrators only: list, save,
// download one as YAML, restore one. Mounted by the API plugin at `1.0` and `latest`.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { rgError } from '../errors.js'
import type { RuntimeHolder } from '../reload/runtime.js'
import type { ReloadResult } from '../reload/reloader.js'
import { formatProblem } from '../config/problems.js'
import { optionalJsonBodies } from '../api/bodies.js'
import { rule, strictValidation } from '../api/validation.js'
import { SNAPSHOT_ID_PATTERN, snapshotFilename } from './id.js'
import { snapshotView, type ViewContext } from './view.js'
import { frontOrigin } from '../http/front.js'
import type { SnapshotActor, SnapshotService } from './service.js'

export const SNAPSHOT_FAMILY = 'snapshot'
export const SNAPSHOT_VERSION = '1.0'

export interface SnapshotRouteDeps {
  readonly service: SnapshotService
  readonly runtime: RuntimeHolder
  readonly configPath: string
  readonly reload: (trigger: string) => Promise<ReloadResult>
}

const View = Type.Object({
  applicationName: Type.String(),
  applicationVersion: Type.String(),
  pluginVersion: Type.String(),
  baseUrl: Type.String(),
  timeMillis: Type.Number(),
  description: Type.String(),
  filename: Type.String(),
  id: Type.String(),
  readable: Type.Boolean(),
})

const IdParams = Type.Object({
  id: Type.String({ pattern: SNAPSHOT_ID_PATTERN, ...rule('a snapshot id like sso-snapshot-2026-11-23-09_40_07') }),
})
type IdParams = Static<typeof IdParams>

const Description = Type.String({ maxLength: 1000, ...rule('a text of at most 1000 characters') })
const SaveQuery = Type.Object({ description: Type.Optional(Description) }, { additionalProperties: false })
type SaveQuery = Static<typeof SaveQuery>
// Kantega documents `?description=`; a script may as well send it as JSON. Either is read, never dropped.
const SaveBody = Type.Object({ description: Type.Optional(Description) }, { additionalProperties: false })
type SaveBody = Static<typeof SaveBody>
type Save = { Querystring: SaveQuery; Body: SaveBody }

const Restored = Type.Object({
  snapshot: View,
  backup: View,
  generation: Type.Integer(),
  restartPending: Type.Array(Type.String()),
})

function context(request: FastifyRequest): ViewContext {
  const product = request.rg.product
  return {
    applicationName: product?.applicationName ?? 'JIRA',
    // The address clients use for the product is restgate's own (it stands in front of it), under the
    // product's context path, as Kantega's baseUrl is Jira's (`https://elisor-p1:8443/jira`).
    baseUrl: frontOrigin(request.rg.front) + (product?.contextPath ?? ''),
  }
}

function actorOf(request: FastifyRequest): SnapshotActor {
  return { actor: request.rg.auth!.identity.user, via: 'api', ip: request.ip, reqId: request.id }
}

export function snapshotRoutes(deps: SnapshotRouteDeps): FastifyPluginAsync {
  const { service, runtime } = deps
  const validation = strictValidation()
  return async function snapshots(app: FastifyInstance): Promise<void> {
    validation(app)
    optionalJsonBodies(app)
    const admin = { access: 'admin' as const }

    const list = async (request: FastifyRequest) => {
      const ctx = context(request)
      return (await service.list()).map((e) => snapshotView(e.meta, e.readable, ctx))
    }
    const save = async (request: FastifyRequest<Save>) => {
      const inQuery = request.query.description
      const inBody = request.body.description
      if (inQuery !== undefined && inBody !== undefined) {
        throw rgError('RG_ERR_BAD_REQUEST', 'Send the description once: as ?description= or as {"description": ...} in the body, not both')
      }
      const record = await service.save(runtime.current.text, { description: inQuery ?? inBody }, actorOf(request))
      return snapshotView(record, service.readable(record.text), context(request))
    }
    for (const path of ['/config/snapshot', '/config/snapshot/']) {
      app.get(path, { config: admin, schema: { response: { 200: Type.Array(View) } } }, list)
      app.post<Save>(path, { config: admin, schema: { querystring: SaveQuery, body: SaveBody, response: { 200: View } } }, save)
    }

    app.get<{ Params: IdParams }>('/config/snapshot/:id', { config: admin, schema: { params: IdParams } }, async (request, reply) => {
      const record = await service.get(request.params.id)
      if (record === null) throw rgError('RG_ERR_UNKNOWN_ID', `No snapshot with id ${request.params.id}`)
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${snapshotFilename(record.id)}"`)
        .header('cache-control', 'no-store')
        .send(record.text)
    })

    app.post<{ Params: IdParams }>(
      '/config/snapshot/restore/:id',
      { config: admin, schema: { params: IdParams, response: { 200: Restored } } },
      async (request) => {
        const id = request.params.id
        const outcome = await service.restore(
          id,
          { file: deps.configPath, reload: deps.reload, inForce: runtime.current.text },
          actorOf(request),
        )
        if (outcome.kind === 'unknown') throw rgError('RG_ERR_UNKNOWN_ID', `No snapshot with id ${id}`)
        if (outcome.kind === 'read-only') {
          throw rgError(
            'RG_ERR_POLICY_READ_ONLY',
            `Snapshot ${id} was not restored, nothing was changed: ${outcome.reason}. Change the policy where it is kept (the mounted file, the ConfigMap): restgate reloads it`,
          )
        }
        if (outcome.kind === 'unreadable') {
          throw rgError('RG_ERR_SNAPSHOT_UNREADABLE', `Snapshot ${id} cannot be restored, nothing was changed: ${outcome.problems.map(formatProblem).join('; ')}`)
        }
        const ctx = context(request)
        return {
          snapshot: snapshotView(outcome.snapshot, true, ctx),
          backup: snapshotView(outcome.backup, true, ctx),
          generation: runtime.current.generation,
          restartPending: outcome.reload?.restartPending ?? [],
        }
      },
    )
  }
}
