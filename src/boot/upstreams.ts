// The connection pools of a start: one per product for proxied traffic, and a small one of the directory's
// own to the product that answers for groups. Each pool is closed by the resource stack.
import type { Clock } from '../clock.js'
import type { Config } from '../config/schema.js'
import { productsOf, type ProductConfig } from '../config/products.js'
import { createPolicyDirectory } from '../directory/policy-directory.js'
import type { Directory } from '../directory/static.js'
import { createUpstreamDirectory } from '../directory/upstream.js'
import type { Logger } from 'pino'
import { createUpstream, type Upstream } from '../upstream/pool.js'
import type { Material } from './material.js'
import type { Resources } from './resources.js'

/** Connections of the directory's own pool to the upstream (group lookups, not proxied traffic). */
const DIRECTORY_CONNECTIONS = 4

export interface OpenedUpstreams {
  readonly products: readonly ProductConfig[]
  /** By product name. */
  readonly upstreams: ReadonlyMap<string, Upstream>
  readonly directory: Directory
}

export function openUpstreams(config: Config, material: Pick<Material, 'signer' | 'oauth'>, clock: Clock, logger: Logger, resources: Resources): OpenedUpstreams {
  const products = productsOf(config)
  const upstreams = new Map<string, Upstream>()
  for (const p of products) {
    const upstream = createUpstream(p.section)
    resources.defer(() => upstream.close())
    upstreams.set(p.name, upstream)
  }
  // One directory for every product: tokens and sessions are restgate's, so their rights must not depend
  // on which product a request goes to. It asks directory.product (by default the first).
  const asked = products.find((p) => p.name === config.directory.product) ?? products[0]!
  const client = createUpstream(asked.section, DIRECTORY_CONNECTIONS)
  resources.defer(() => client.close())
  const directory = createPolicyDirectory(createUpstreamDirectory({ client, product: asked, clock, logger, signer: material.signer, oauth: material.oauth }))
  return { products, upstreams, directory }
}
