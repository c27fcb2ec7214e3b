// Prometheus metrics, one registry per running restgate (tests run several side by side). With
// server.workers the cluster primary serves the sum of its workers' registries (prom-client's
// AggregatorRegistry): each metric that is not a sum across processes names its `aggregator`.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { readVersion } from '../version.js'
import { FastCounter, FastHistogram } from './fast-series.js'

/** Requests restgate has started and not yet answered; a plain number, read when /metrics is scraped. */
export interface InFlight {
  enter(): void
  leave(): void
}

export interface Metrics {
  readonly registry: Registry
  /** Counted on every request: fast-series.ts, not prom-client's own classes. */
  readonly requests: FastCounter<'class' | 'status' | 'auth'>
  readonly requestsInFlight: InFlight
  readonly requestDuration: FastHistogram<'class'>
  readonly upstreamDuration: FastHistogram<'status'>
  readonly configReloads: Counter<'result'>
  readonly configReloadFailures: Counter
  /** Unix seconds of the last load or reload that validated (at start-up: the first load). */
  readonly configLastReloadSuccess: Gauge
  /** 1 when the last load or reload validated, 0 after a refused one. */
  readonly configLastReloadSuccessful: Gauge
  readonly authFailures: Counter<'method' | 'code'>
  readonly lockoutEvents: Counter<'event'>
  readonly kerberosHandshakes: Counter<'outcome'>
  readonly kerberosAcceptDuration: Histogram
  readonly tokenCache: Counter<'result'>
  readonly storeErrors: Counter<'operation' | 'kind'>
  readonly storeUp: Gauge
  readonly storeFailovers: Counter<'kind'>
}

export interface MetricsOptions {
  /** Node's process metrics (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, ...); on by default. */
  readonly defaultMetrics?: boolean
  /** For restgate_build_info; package.json's by default. */
  readonly version?: string
}

/** Seconds: from a cached API token or session (well under a millisecond) to a slow upstream. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry()
  // Under their usual names, so stock Node.js dashboards and alerts work unchanged.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  let inFlight = 0
  new Gauge({
    name: 'restgate_requests_in_flight',
    help: 'Requests received and not yet answered (proxied, local or refused)',
    registers,
    collect() {
      this.set(inFlight)
    },
  })
  new Gauge({
    name: 'restgate_build_info',
    help: 'Always 1; the labels say which restgate and which Node.js run',
    labelNames: ['version', 'node_version'],
    registers,
    aggregator: 'first',
  }).set({ version: options.version ?? readVersion(), node_version: process.version }, 1)
  return {
    registry,
    requests: new FastCounter(
      'restgate_requests_total',
      'Requests answered, by route class (proxy, api, session, page, auth), status and auth method',
      ['class', 'status', 'auth'],
      registers,
    ),
    requestsInFlight: {
      enter: () => void inFlight++,
      leave: () => void inFlight--,
    },
    requestDuration: new FastHistogram(
      'restgate_request_duration_seconds',
      'Time from receiving a request to the end of its response, by route class',
      ['class'],
      DURATION_BUCKETS,
      registers,
    ),
    upstreamDuration: new FastHistogram(
      'restgate_upstream_duration_seconds',
      'Time from forwarding a request to the upstream response headers',
      ['status'],
      DURATION_BUCKETS,
      registers,
    ),
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
    // Across workers the oldest: a worker that missed the last reload shows.
    configLastReloadSuccess: new Gauge({
      name: 'restgate_config_last_reload_success_timestamp_seconds',
      help: 'When the policy file was last loaded or reloaded successfully (Unix seconds)',
      registers,
      aggregator: 'min',
    }),
    configLastReloadSuccessful: new Gauge({
      name: 'restgate_config_last_reload_successful',
      help: 'Whether the last load or reload of the policy file succeeded (1) or was refused (0)',
      registers,
      aggregator: 'min',
    }),
    authFailures: new Counter({
      name: 'restgate_auth_failures_total',
      help: 'Refused credentials by the authenticator that refused them (session, api-token, kerberos, jira-password) and error code',
      labelNames: ['method', 'code'],
      registers,
    }),
    lockoutEvents: new Counter({
      name: 'restgate_lockout_events_total',
      help: 'Brute-force lockout events: start (a counter reached lockout.maxFailures), refused (an attempt while locked out), clear',
      labelNames: ['event'],
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
