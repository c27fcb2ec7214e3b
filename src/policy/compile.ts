// Turns a validated Config into the precompiled matchers the request path uses, once per load or reload.
// Requests hold on to the Policy they started with, so a reload never changes a decision half-way.
import type { Config } from '../config/schema.js'
import { durationMs } from '../config/duration.js'
import { compileNetworkRule, type NetworkRule } from '../match/cidr.js'
import { compilePathMatcher, type PathMatcher } from '../match/glob.js'
import { compileUserAgentMatcher, type UserAgentMatcher } from '../match/user-agent.js'
import { identityHeaderNames } from '../upstream/header-names.js'
import { productsOf } from '../config/products.js'
import type { ProductRef } from '../model/product.js'

/** A product as requests read it: where it is, and the live settings of its upstream. */
export interface Product extends ProductRef {
  /** The upstream's origin (`http://jira:8080`), for Location headers that point at it. */
  readonly origin: string
  readonly timeoutMs: number
  readonly preserveHost: boolean
  readonly applicationName: string
  /** How long and how many forwarded requests may wait for one of its upstream connections. */
  readonly queue: QueueLimits
}
import type { QueueLimits } from '../upstream/queue.js'

export interface Policy {
  readonly config: Config
  readonly kerberos: {
    readonly enabled: boolean
    readonly paths: PathMatcher
    readonly excludePaths: PathMatcher
    readonly networks: NetworkRule
    readonly excludeUserAgents: UserAgentMatcher
  }
  readonly apiTokens: {
    readonly enabled: boolean
    readonly paths: PathMatcher
    readonly networks: NetworkRule
  }
  /** By name. Restart-only: every policy a running restgate holds has the same products. */
  readonly products: ReadonlyMap<string, Product>
  /** Lower-case, '-' spelled names of every header only restgate may send upstream. */
  readonly identityHeaders: ReadonlySet<string>
  /** How slowly a request body may arrive (http/slow-body.ts). */
  readonly requestBody: { readonly timeoutMs: number; readonly minRate: number }
  readonly durations: {
    readonly keepAliveTimeoutMs: number
    readonly headersTimeoutMs: number
    readonly requestTimeoutMs: number
    readonly drainTimeoutMs: number
    readonly websocketIdleMs: number
    readonly sessionIdleMs: number
    readonly sessionAbsoluteMs: number
    readonly lockoutWindowMs: number
    readonly tokenCacheTtlMs: number
  }
}

export function compilePolicy(config: Config): Policy {
  const k = config.kerberos
  const t = config.apiTokens
  return Object.freeze({
    config,
    kerberos: Object.freeze({
      enabled: k.enabled,
      paths: compilePathMatcher(k.paths),
      excludePaths: compilePathMatcher(k.excludePaths),
      networks: compileNetworkRule(k.networks),
      excludeUserAgents: compileUserAgentMatcher(k.excludeUserAgents),
    }),
    apiTokens: Object.freeze({
      enabled: t.enabled,
      paths: compilePathMatcher(t.paths),
      networks: compileNetworkRule(t.networks),
    }),
    products: compileProducts(config),
    identityHeaders: identityHeaderNames(config),
    requestBody: Object.freeze({ timeoutMs: durationMs(config.server.bodyTimeout), minRate: config.server.minBodyRate }),
    durations: Object.freeze({
      keepAliveTimeoutMs: durationMs(config.server.keepAliveTimeout),
      headersTimeoutMs: durationMs(config.server.headersTimeout),
      requestTimeoutMs: durationMs(config.server.requestTimeout),
      drainTimeoutMs: durationMs(config.server.drainTimeout),
      websocketIdleMs: durationMs(config.server.websocketIdleTimeout),
      sessionIdleMs: durationMs(config.sessions.idleTimeout),
      sessionAbsoluteMs: durationMs(config.sessions.absoluteTimeout),
      lockoutWindowMs: durationMs(config.lockout.window),
      tokenCacheTtlMs: durationMs(config.apiTokens.cache.ttl),
    }),
  })
}

function compileProducts(config: Config): ReadonlyMap<string, Product> {
  const out = new Map<string, Product>()
  for (const p of productsOf(config)) {
    out.set(
      p.name,
      Object.freeze({
        name: p.name,
        type: p.type,
        contextPath: p.contextPath,
        origin: p.origin,
        timeoutMs: durationMs(p.section.timeout),
        preserveHost: p.section.preserveHost,
        applicationName: p.applicationName,
        queue: Object.freeze({ maxQueued: p.section.maxQueued, timeoutMs: durationMs(p.section.queueTimeout) }),
      }),
    )
  }
  return out
}
