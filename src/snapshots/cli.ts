// `restgate snapshot list|save|restore`: straight against the store the policy names, like the token
// commands. A restore replaces the policy file atomically; a restgate running on that file sees the new
// file through its watch and reloads it (or keeps its policy and reports, if the reload refuses it).
import { userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { createLogger } from '../observability/logger.js'
import { parseConfig } from '../config/load.js'
import { loadPolicyForCommand, type Io } from '../config/command.js'
import { formatProblem, type Problem } from '../config/problems.js'
import { checkSigningKeys } from '../upstream/keys.js'
import { systemClock } from '../clock.js'
import { createStore } from '../store/create.js'
import { StoreUnavailableError, type Store } from '../store/types.js'
import { localDateTime } from '../time.js'
import { readVersion } from '../version.js'
import { SNAPSHOT_ID_PATTERN } from './id.js'
import { createSnapshotService, type SnapshotEntry, type SnapshotService } from './service.js'

export type { Io } from '../config/command.js'

export const SNAPSHOT_USAGE = `usage:
  restgate snapshot list [--config FILE]
  restgate snapshot save [--description TEXT] [--config FILE]
  restgate snapshot restore ID [--config FILE]`

interface Parsed {
  readonly action: 'list' | 'save' | 'restore'
  readonly config: string
  readonly description?: string
  readonly id?: string
}

function parse(args: string[], env: NodeJS.ProcessEnv): Parsed | string {
  const [action, ...rest] = args
  if (action !== 'list' && action !== 'save' && action !== 'restore') return `unknown snapshot command "${action ?? ''}"`
  let parsed
  try {
    parsed = parseArgs({
      args: rest,
      options: { config: { type: 'string', short: 'c' }, description: { type: 'string', short: 'd' } },
      strict: true,
      allowPositionals: action === 'restore',
    })
  } catch (err) {
    return (err as Error).message
  }
  const config = parsed.values.config ?? env['RESTGATE_CONFIG']
  if (config === undefined || config.length === 0) return 'no policy file: pass --config FILE or set RESTGATE_CONFIG'
  if (action !== 'save' && parsed.values.description !== undefined) return `snapshot ${action} takes no --description`
  if (action !== 'restore') return { action, config, description: parsed.values.description }
  const id = parsed.positionals[0]
  if (parsed.positionals.length !== 1 || id === undefined) return 'snapshot restore needs one snapshot id'
  if (!new RegExp(SNAPSHOT_ID_PATTERN).test(id)) return `"${id}" is not a snapshot id (like sso-snapshot-2026-11-23-09_40_07)`
  return { action, config, id }
}

function table(entries: readonly SnapshotEntry[]): string {
  const rows = [
    ['ID', 'TIME', 'KIND', 'VERSION', 'READABLE', 'DESCRIPTION'],
    ...entries.map((e) => [
      e.meta.id,
      localDateTime(e.meta.timeMillis, 'minutes'),
      e.meta.automatic ? 'auto' : 'saved',
      e.meta.version,
      e.readable ? 'yes' : 'no',
      e.meta.description,
    ]),
  ]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')
}

/** What a reload of `text` would meet, as the server checks it (schema, files, the signing and OAuth keys). */
function check(text: string, env: NodeJS.ProcessEnv): readonly Problem[] {
  const loaded = parseConfig(text, { env })
  if (!loaded.ok) return loaded.problems
  return checkSigningKeys(loaded.config, systemClock)
}

async function act(p: Parsed, service: SnapshotService, text: string, io: Io): Promise<number> {
  const who = { actor: userInfo().username, via: 'cli' as const }
  if (p.action === 'list') {
    const entries = await service.list()
    io.out(entries.length === 0 ? '(no snapshots)' : table(entries))
    return 0
  }
  if (p.action === 'save') {
    const record = await service.save(text, { description: p.description }, who)
    io.out(record.id)
    return 0
  }
  const outcome = await service.restore(p.id!, { file: p.config }, who)
  if (outcome.kind === 'unknown') {
    io.err(`restgate: no snapshot with id ${p.id}`)
    return 1
  }
  if (outcome.kind === 'read-only') {
    io.err(`restgate: snapshot ${p.id} was not restored, nothing was changed: ${outcome.reason}`)
    return 1
  }
  if (outcome.kind === 'unreadable') {
    io.err(`restgate: snapshot ${p.id} cannot be restored, ${p.config} was not changed:`)
    for (const problem of outcome.problems) io.err(`  ${formatProblem(problem)}`)
    return 1
  }
  io.out(`Restored ${outcome.snapshot.id} into ${p.config} (the previous file is snapshot ${outcome.backup.id})`)
  io.err('A restgate running on this file reloads it within a second.')
  return 0
}

export async function snapshotCommand(args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const p = parse(args, env)
  if (typeof p === 'string') {
    io.err(`restgate: ${p}\n${SNAPSHOT_USAGE}`)
    return 2
  }
  // The store is named by the policy file, so the file must validate (restore from a broken file: fix
  // the store section first, or restore through the API of the running server).
  const loaded = await loadPolicyForCommand(p.config, env, io)
  if (loaded === undefined) return 1
  // Audit lines go to stderr, so stdout carries only the answer.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: 2, sync: true }) })
  let store: Store | undefined
  try {
    store = await createStore(loaded.config.store)
    const service = createSnapshotService({
      store,
      clock: systemClock,
      version: readVersion(),
      keep: () => loaded.config.snapshots.keep,
      check: (text) => check(text, env),
      logger,
    })
    return await act(p, service, loaded.text, io)
  } catch (err) {
    if (err instanceof StoreUnavailableError) io.err(`restgate: the store is unavailable: ${err.message}`)
    else io.err(`restgate: ${(err as Error).message}`)
    return 1
  } finally {
    await store?.close()
  }
}
