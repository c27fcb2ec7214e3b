// The restgate command, loaded by cli.ts once the Node.js version is known to be new enough. Reads argv and
// the environment, then hands over to main.ts or a subcommand. Heavy modules load only for the command that
// needs them: `--version` should not pay for Fastify.
import { parseArgs } from 'node:util'
import { formatProblem, type Problem } from './config/problems.js'
import { readVersion } from './version.js'

export const HELP = `restgate: authenticating reverse proxy for Jira and Confluence Data Center

Usage:
  restgate [--config FILE]            run the proxy
  restgate check-config [FILE]        validate a policy file; exit 0, or 1 listing every problem
  restgate token create --user USER [--name NAME] [--days DAYS] [--scope read|write] [--force]
                                      create an API token; prints only the token on stdout. Refused
                                      (exit 1) when USER may not hold tokens or write tokens under the
                                      policy, unless --force (then a warning says what follows)
  restgate token list [--user USER]   list API tokens (every user's without --user)
  restgate token revoke ID            delete an API token; running instances drop it within a second
  restgate snapshot list              list policy snapshots, newest first
  restgate snapshot save [--description TEXT]
                                      save the policy file as a snapshot; prints its id
  restgate snapshot restore ID        replace the policy file with a snapshot (a backup is saved first);
                                      a running restgate on that file reloads it
  restgate --help                     this text
  restgate --version                  print the version

Options:
  -c, --config FILE   the policy file, anywhere on the command line (restgate --config F token list and
                      restgate token list --config F are the same); default $RESTGATE_CONFIG

The token and snapshot commands work straight on the store the policy names. With kerberos.enabled,
check-config, start-up and every reload also check the keytab, its service key, the replay cache
directory and the native kerberos module.

Signals: SIGTERM/SIGINT drain in-flight requests and exit 0; SIGHUP reloads the policy file.
The policy file is also watched: saving it reloads it. A file that does not validate is refused and
the policy in force stays; keys marked restart in docs/policy-reference.md need a restart to take effect.
With server.workers: N > 1 the command forks N worker processes sharing the port, restarts any that dies,
passes these signals on to them and serves the admin listener itself (metrics summed over the workers).
Exit codes: 0 ok, 1 invalid policy, start-up failure, store unavailable, unknown token or snapshot, a
snapshot that does not validate, or a token the policy would not allow, 2 usage error. restgate needs
Node.js 24.11 or newer (package.json engines): an older one exits 1 saying so.
`

interface Io {
  out(text: string): void
  err(text: string): void
}

const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
}

/**
 * `--config FILE` (`-c FILE`, `--config=FILE`) taken out of the command line wherever it stands, so it may
 * come before or after the subcommand; a string for a usage error.
 */
export function takeConfig(argv: readonly string[]): { config: string | undefined; rest: string[] } | string {
  const rest: string[] = []
  const given: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      rest.push(...argv.slice(i))
      break
    }
    if (arg === '--config' || arg === '-c') {
      const value = argv[i + 1]
      if (value === undefined || value.startsWith('-')) return `${arg} needs a FILE`
      given.push(value)
      i++
    } else if (arg.startsWith('--config=')) {
      given.push(arg.slice('--config='.length))
    } else {
      rest.push(arg)
    }
  }
  if (new Set(given).size > 1) return `--config is given more than once (${given.join(', ')})`
  if (given[0] === '') return '--config needs a FILE'
  return { config: given[0], rest }
}

async function checkConfig(args: string[], config: string | undefined, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const usage = 'usage: restgate check-config [FILE]   (FILE, or --config FILE, or $RESTGATE_CONFIG)'
  if (args.length > 1 || (args[0] !== undefined && config !== undefined && args[0] !== config)) {
    io.err(usage)
    return 2
  }
  const file = args[0] ?? config ?? (env['RESTGATE_CONFIG'] || undefined)
  if (file === undefined) {
    io.err(usage)
    return 2
  }
  const { loadConfigFile } = await import('./config/load.js')
  const result = await loadConfigFile(file)
  let problems: readonly Problem[] = result.ok ? [] : result.problems
  // The identity-signing and OAuth keys: readable, long enough, an RSA key of 2048 bits or more.
  if (result.ok) {
    const [{ checkSigningKeys }, { systemClock }] = await Promise.all([import('./upstream/keys.js'), import('./clock.js')])
    problems = checkSigningKeys(result.config, systemClock)
  }
  // Kerberos: the keytab, its service key and the native module, as start-up will see them.
  if (result.ok && result.config.kerberos.enabled) {
    const { prepareKerberos } = await import('./kerberos/setup.js')
    const kerberos = await prepareKerberos(result.config, { env: process.env, createReplayCacheDir: false })
    if (!kerberos.ok) problems = [...problems, ...kerberos.problems]
  }
  if (problems.length > 0) {
    io.err(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`)
    for (const p of problems) io.err(`  ${formatProblem(p)}`)
    io.err(`${file}: test failed`)
    return 1
  }
  io.out(`${file}: syntax is ok`)
  io.out(`${file}: test is successful`)
  return 0
}

async function run(configPath: string | undefined, io: Io): Promise<number> {
  if (configPath === undefined || configPath.length === 0) {
    io.err('restgate: no policy file: pass --config FILE or set RESTGATE_CONFIG (see restgate --help)')
    return 2
  }
  // --- server.workers: a primary forks the workers; a worker is a restgate without the admin listener ---
  const cluster = (await import('node:cluster')).default
  const worker = cluster.isWorker
  if (!worker) {
    const { loadConfigFile } = await import('./config/load.js')
    const loaded = await loadConfigFile(configPath)
    if (loaded.ok && loaded.config.server.workers > 1) {
      const { runPrimary } = await import('./cluster/primary.js')
      return runPrimary({ config: loaded.config, err: io.err })
    }
    // An invalid policy is reported by start() below, as without workers.
  }
  // -----------------------------------------------------------------------------------------------------
  const { ConfigError, start } = await import('./main.js')
  let running
  try {
    running = await start({ configPath, worker })
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`restgate: ${configPath}: ${err.problems.length} problem(s), not starting:`)
      for (const p of err.problems) io.err(`  ${formatProblem(p)}`)
    } else {
      io.err(`restgate: could not start: ${(err as Error).message}`)
    }
    return 1
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    running.logger.info({ signal }, 'stopping: draining in-flight requests')
    running.close().then(
      () => process.exit(0),
      (err: Error) => {
        io.err(`restgate: error while stopping: ${err.message}`)
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  process.on('SIGHUP', () => void running.reload('SIGHUP'))
  if (worker) (await import('./cluster/worker.js')).serveAsWorker(running, stop)
  return -1 // keep running
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Io = stdio): Promise<number> {
  const taken = takeConfig(argv)
  if (typeof taken === 'string') {
    io.err(`restgate: ${taken}\n\n${HELP}`)
    return 2
  }
  const { config } = taken
  const [command, ...rest] = taken.rest
  // The subcommands read --config themselves: it goes back at the end of their arguments.
  const withConfig = config === undefined ? rest : [...rest, '--config', config]
  if (command === 'check-config') return checkConfig(rest, config, env, io)
  if (command === 'token') {
    const { tokenCommand } = await import('./tokens/cli.js')
    return tokenCommand(withConfig, env, io)
  }
  if (command === 'snapshot') {
    const { snapshotCommand } = await import('./snapshots/cli.js')
    return snapshotCommand(withConfig, env, io)
  }

  let parsed
  try {
    parsed = parseArgs({
      args: taken.rest,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    })
  } catch (err) {
    io.err(`restgate: ${(err as Error).message}\n\n${HELP}`)
    return 2
  }
  if (parsed.values.help) {
    io.out(HELP)
    return 0
  }
  if (parsed.values.version) {
    io.out(readVersion())
    return 0
  }
  return run(config ?? env['RESTGATE_CONFIG'], io)
}
