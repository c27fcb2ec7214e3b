// Prometheus metrics, one registry per running restgate (tests run several side by side).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface Metrics {
  readonly registry: Registry
  readonly requests: Counter<'class' | 'status' | 'auth'>
  readonly upstreamDuration: Histogram<'status'>
  readonly configReloads: Counter<'result'>
  readonly configReloadFailures: Counter
  readonly authFailures: Counter<'method' | 'code'>
  readonly kerberosHandshakes: Counter<'outcome'>
  readonly kerberosAcceptDuration: Histogram
  readonly tokenCache: Counter<'result'>
  readonly storeErrors: Counter<'operation' | 'kind'>
  readonly storeUp: Gauge
  readonly storeFailovers: Counter<'kind'>
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'restgate_' })
  const registers = [registry]
  return {
    registry,
    requests: new Counter({
      name: 'restgate_requests_total',
      help: 'Requests answered, by route class (proxy, api, session, page), status and auth method',
      labelNames: ['class', 'status', 'auth'],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'restgate_upstream_duration_seconds',
      help: 'Time from forwarding a request to the upstream response headers',
      labelNames: ['status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    configReloads: new Counter({
      name: 'restgate_config_reloads_total',
      help: 'Policy reload attempts by result (applied, unchanged, failed)',
      labelNames: ['result'],
      registers,
    }),
    configReloadFailures: new Counter({
      name: 'restgate_config_reload_failures_total',
      help: 'Policy reloads refused because the new file did not validate',
      registers,
    }),
    authFailures: new Counter({
      name: 'restgate_auth_failures_total',
      help: 'Refused credentials by method and error code',
      labelNames: ['method', 'code'],
      registers,
    }),
    kerberosHandshakes: new Counter({
      name: 'restgate_kerberos_handshakes_total',
      help: 'SPNEGO handshakes by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    kerberosAcceptDuration: new Histogram({
      name: 'restgate_kerberos_accept_duration_seconds',
      help: 'Time to accept one SPNEGO token',
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    }),
    tokenCache: new Counter({
      name: 'restgate_token_cache_total',
      help: 'API token validations by cache result (hit, miss)',
      labelNames: ['result'],
      registers,
    }),
    storeErrors: new Counter({
      name: 'restgate_store_errors_total',
      help: 'Store operations that failed, by operation (createToken, deleteToken, ...) and kind (disk-full, read-only, replica-timeout, disconnected, ...)',
      labelNames: ['operation', 'kind'],
      registers,
    }),
    storeUp: new Gauge({
      name: 'restgate_store_up',
      help: '1 while the store answered the last operation and accepted the last write, else 0',
      registers,
      // Workers each report their own view: the cluster primary shows the worst of them.
      aggregator: 'min',
    }),
    storeFailovers: new Counter({
      name: 'restgate_store_failovers_total',
      help: 'Redis master changes followed (sentinel: +switch-master; cluster: a slot served by a new master)',
      labelNames: ['kind'],
      registers,
    }),
  }
}
