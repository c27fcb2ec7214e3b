// Turns a validated Config into the precompiled matchers the request path uses, once per load or reload.
// Requests hold on to the Policy they started with, so a reload never changes a decision half-way.
import type { Config } from '../config/schema.js'
import { durationMs } from '../config/duration.js'
import { compileNetworkRule, type NetworkRule } from '../match/cidr.js'
import { compilePathMatcher, type PathMatcher } from '../match/glob.js'
import { compileUserAgentMatcher, type UserAgentMatcher } from '../match/user-agent.js'
import { identityHeaderNames } from '../upstream/header-names.js'
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
  /** Lower-case, '-' spelled names of every header only restgate may send upstream. */
  readonly identityHeaders: ReadonlySet<string>
  /** How long and how many forwarded requests may wait for an upstream connection. */
  readonly upstreamQueue: QueueLimits
  /** How slowly a request body may arrive (http/slow-body.ts). */
  readonly requestBody: { readonly timeoutMs: number; readonly minRate: number }
  readonly durations: {
    readonly upstreamTimeoutMs: number
    readonly keepAliveTimeoutMs: number
    readonly headersTimeoutMs: number
    readonly requestTimeoutMs: number
    readonly drainTimeoutMs: number
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
    identityHeaders: identityHeaderNames(config),
    upstreamQueue: Object.freeze({ maxQueued: config.upstream.maxQueued, timeoutMs: durationMs(config.upstream.queueTimeout) }),
    requestBody: Object.freeze({ timeoutMs: durationMs(config.server.bodyTimeout), minRate: config.server.minBodyRate }),
    durations: Object.freeze({
      upstreamTimeoutMs: durationMs(config.upstream.timeout),
      keepAliveTimeoutMs: durationMs(config.server.keepAliveTimeout),
      headersTimeoutMs: durationMs(config.server.headersTimeout),
      requestTimeoutMs: durationMs(config.server.requestTimeout),
      drainTimeoutMs: durationMs(config.server.drainTimeout),
      sessionIdleMs: durationMs(config.sessions.idleTimeout),
      sessionAbsoluteMs: durationMs(config.sessions.absoluteTimeout),
      lockoutWindowMs: durationMs(config.lockout.window),
      tokenCacheTtlMs: durationMs(config.apiTokens.cache.ttl),
    }),
  })
}
