// What a benchmark case is: how to start its server(s) and what to send. Adding a case (an API token on
// Redis, a session cookie, Kerberos with fresh tokens) means writing one of these in cases.ts.
import type { ServerProcess } from './servers/spawn.js'
import type { ApacheServer } from './servers/apache.js'
import type { Headers } from './load/wrk.js'

export type { Headers }

export interface RequestShape {
  readonly method?: string
  readonly path: string
  readonly headers?: Headers
  /**
   * Header sets used once each, one per request (single-use Kerberos tokens), made fresh before every run;
   * `count` is how many the run may use at most. A run stops early when they run out.
   */
  readonly perRequest?: (count: number) => Promise<Headers[]>
  /** Header sets used in turn, round and round (e.g. one of 100 API tokens per request). */
  readonly rotate?: readonly Headers[]
  /** The most requests/s this case can reach, to size perRequest (default 20,000). */
  readonly maxRps?: number
}

/** A typical REST read, as a script would send it. */
export const ISSUE_GET: RequestShape = {
  path: '/rest/api/2/issue/BENCH-42',
  headers: { Accept: 'application/json', 'User-Agent': 'restgate-bench/1' },
}

export interface Subject {
  /** Where the load goes. */
  readonly url: string
  /** The process whose CPU time and peak memory are measured, with all its descendants (workers). */
  readonly pid: number
  readonly request: RequestShape
  /**
   * Processes the request passes through besides the subject (nginx in front of restgate): placed with the
   * stub, not measured.
   */
  readonly companions?: readonly number[]
}

export type PolicyInput = Record<string, unknown>

/** The run's KDC, as the Kerberos cases use it. */
export interface BenchKdc {
  /** Holds HTTP/localhost@RESTGATE.TEST. */
  readonly keytab: string
  readonly krb5Conf: string
  /** A fresh SPNEGO token for `spn`, as the user. */
  token(user: string, spn?: string): Promise<string>
}

export interface RestgateOptions {
  readonly policy?: PolicyInput
  readonly env?: NodeJS.ProcessEnv
  /** Another checkout's built CLI (dist/src/cli.js), to compare against (--baseline). */
  readonly cli?: string
}

export interface CaseContext {
  /** The shared stub Jira (~1 KB JSON on every path). */
  readonly stub: ServerProcess
  /** A directory for this run, removed afterwards. */
  readonly dir: string
  /** Starts a Node script as its own process on a free port ({port} in args is replaced); stopped at the end. */
  spawnNode(name: string, args: readonly string[], readyPath: string, env?: NodeJS.ProcessEnv): Promise<ServerProcess>
  /** Starts the real restgate CLI with the benchmark policy (auth off, access log on) deep-merged with `policy`. */
  restgate(name: string, options?: RestgateOptions): Promise<ServerProcess & { readonly configPath: string }>
  /** Runs `fn` when the benchmark stops (after the servers), for what a case starts itself (a KDC). */
  teardown(fn: () => unknown): void
  /** A private redis-server for this run (started on first use, shared by the cases). */
  redis(): Promise<ServerProcess>
  /** A private MIT KDC for this run (started on first use, shared by the Kerberos cases). */
  kdc(): Promise<BenchKdc>
  /** The private Apache httpd peer for this run, on the stub and the KDC (started on first use). */
  apache(): Promise<ApacheServer>
  /**
   * nginx in front of the stub, with docs/forward-auth.md's configuration (plain HTTP): its auth
   * subrequests go to `restgate` (host:port); `edit` changes the documented block first.
   */
  nginx(name: string, options: { readonly restgate?: string; readonly edit?: (block: string) => string }): Promise<ServerProcess>
  /** Where a server's log goes: a file in the run directory, or /dev/null (--log-devnull). */
  logFile(name: string): string
}

export interface BenchCase {
  readonly id: string
  readonly title: string
  /** "own" (default): the subject has a core to itself; "all": every process may use every core. */
  readonly cores?: 'own' | 'all'
  /** Also measure latency with one request in flight. */
  readonly latency?: boolean
  /**
   * Why this case cannot run in this build (its feature's module is not there), or undefined when it can.
   * `root` is the repository root. A case that is not available is listed as such and skipped.
   */
  available?(root: string): string | undefined
  start(ctx: CaseContext): Promise<Subject>
}
