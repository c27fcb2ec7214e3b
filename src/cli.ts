#!/usr/bin/env node
// The restgate command. Reads argv and the environment, then hands over to main.ts or a subcommand.
// Heavy modules load only for the command that needs them: `--version` should not pay for Fastify.
import { parseArgs } from 'node:util'
import { formatProblem, type Problem } from './config/problems.js'
import { readVersion } from './version.js'

export const HELP = `restgate: authenticating reverse proxy for Jira and Confluence Data Center

Usage:
  restgate [--config FILE]            run the proxy (FILE defaults to $RESTGATE_CONFIG)
  restgate check-config FILE          validate a policy file; exit 0, or 1 listing every problem
  restgate token create --user USER [--name NAME] [--days DAYS]
                                      create an API token; prints only the token on stdout
  restgate token list [--user USER]   list API tokens (every user's without --user)
  restgate token revoke ID            delete an API token; running instances drop it within a second
  restgate snapshot list              list policy snapshots, newest first
  restgate snapshot save [--description TEXT]
                                      save the policy file as a snapshot; prints its id
  restgate snapshot restore ID        replace the policy file with a snapshot (a backup is saved first);
                                      a running restgate on that file reloads it
  restgate --help                     this text
  restgate --version                  print the version

The token and snapshot commands work straight on the store the policy names (--config FILE or
$RESTGATE_CONFIG). With kerberos.enabled, check-config, start-up and every reload also check the
keytab, its service key, the replay cache directory and the native kerberos module.

Signals: SIGTERM/SIGINT drain in-flight requests and exit 0; SIGHUP reloads the policy file.
The policy file is also watched: saving it reloads it. A file that does not validate is refused and
the policy in force stays; keys marked restart in docs/policy-reference.md need a restart to take effect.
With server.workers: N > 1 the command forks N worker processes sharing the port, restarts any that dies,
passes these signals on to them and serves the admin listener itself (metrics summed over the workers).
Exit codes: 0 ok, 1 invalid policy, start-up failure, store unavailable, unknown token or snapshot, or a
snapshot that does not validate, 2 usage error.
`

interface Io {
  out(text: string): void
  err(text: string): void
}

const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
}

async function checkConfig(args: string[], io: Io): Promise<number> {
  const file = args[0]
  if (file === undefined || args.length > 1) {
    io.err('usage: restgate check-config FILE')
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
  const [command, ...rest] = argv
  if (command === 'check-config') return checkConfig(rest, io)
  if (command === 'token') {
    const { tokenCommand } = await import('./tokens/cli.js')
    return tokenCommand(rest, env, io)
  }
  if (command === 'snapshot') {
    const { snapshotCommand } = await import('./snapshots/cli.js')
    return snapshotCommand(rest, env, io)
  }

  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
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
  return run(parsed.values.config ?? env['RESTGATE_CONFIG'], io)
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    if (code < 0) return
    process.exitCode = code
    // A cluster worker that could not start: its IPC channel would keep it alive.
    if (process.connected) process.disconnect()
  },
  (err: Error) => {
    process.stderr.write(`restgate: ${err.stack ?? err.message}\n`)
    process.exitCode = 1
  },
)
