// `restgate token create|list|revoke`: bootstrap and emergencies, straight against the store the policy
// names (no running restgate needed). A revoke is published like one made through the API, so running
// instances drop the token from their caches within a second.
import { userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import pino, { type Logger } from 'pino'
import { createLogger } from '../observability/logger.js'
import { loadPolicyForCommand, type Io } from '../config/command.js'
import { compilePolicy, type Policy } from '../policy/compile.js'
import { createStaticDirectory } from '../directory/static.js'
import { systemClock } from '../clock.js'
import { createStore } from '../store/create.js'
import { StoreUnavailableError, type Store, type TokenRecord } from '../store/types.js'
import { isRgError } from '../errors.js'
import { auditToken } from './audit.js'
import { createTokenHasher } from './hash.js'
import { HashKeyMismatchError, loadHashKey } from './hash-key.js'
import { createTokenService, type TokenService } from './service.js'
import { localDateTime } from '../time.js'
import type { TokenScope } from '../model/identity.js'

export type { Io } from '../config/command.js'

export const TOKEN_USAGE = `usage:
  restgate token create --user USER [--name NAME] [--days DAYS] [--scope read|write] [--force] [--config FILE]
  restgate token list [--user USER] [--config FILE]
  restgate token revoke ID [--config FILE]`

const when = (ms: number | null, never = 'never'): string => (ms === null ? never : localDateTime(ms, 'minutes'))

function table(records: readonly TokenRecord[]): string {
  const rows = [
    ['ID', 'USER', 'NAME', 'CREATED', 'EXPIRES', 'LAST USED', 'FROM'],
    ...records.map((r) => [
      String(r.id),
      r.user,
      r.name,
      when(r.createdAt),
      when(r.expiresAt),
      when(r.lastUsedAt, '-'),
      r.lastUsedIp ?? '-',
    ]),
  ]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')
}

interface Parsed {
  readonly action: 'create' | 'list' | 'revoke'
  readonly config: string
  readonly user?: string
  readonly name?: string
  readonly days?: number
  readonly scope?: TokenScope
  /** Create what the policy would refuse the user (an emergency): with a warning of what follows. */
  readonly force?: boolean
  readonly id?: number
}

function parse(args: string[], env: NodeJS.ProcessEnv): Parsed | string {
  const [action, ...rest] = args
  if (action !== 'create' && action !== 'list' && action !== 'revoke') return `unknown token command "${action ?? ''}"`
  let parsed
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        config: { type: 'string', short: 'c' },
        user: { type: 'string', short: 'u' },
        name: { type: 'string', short: 'n' },
        days: { type: 'string', short: 'd' },
        scope: { type: 'string' },
        force: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: action === 'revoke',
    })
  } catch (err) {
    return (err as Error).message
  }
  const v = parsed.values
  const config = v.config ?? env['RESTGATE_CONFIG']
  if (config === undefined || config.length === 0) return 'no policy file: pass --config FILE or set RESTGATE_CONFIG'
  if (action === 'create') {
    if (v.user === undefined || v.user.length === 0) return 'token create needs --user USER'
    if (v.days !== undefined && !/^[1-9][0-9]{0,9}$/.test(v.days)) return '--days must be a whole number of days, 1 or more'
    if (v.scope !== undefined && v.scope !== 'read' && v.scope !== 'write') return '--scope must be read or write'
    const scope = v.scope as TokenScope | undefined
    return { action, config, user: v.user, name: v.name, days: v.days === undefined ? undefined : Number(v.days), scope, force: v.force === true }
  }
  const createOnly = v.name !== undefined || v.days !== undefined || v.scope !== undefined || v.force !== undefined
  if (action === 'list') {
    if (createOnly) return 'token list takes only --user'
    return { action, config, user: v.user }
  }
  if (v.user !== undefined || createOnly) return 'token revoke takes only the token id'
  const id = parsed.positionals[0]
  if (parsed.positionals.length !== 1 || id === undefined || !/^[1-9][0-9]{0,15}$/.test(id)) return 'token revoke needs one token id'
  return { action, config, id: Number(id) }
}

interface Objection {
  /** Why the create is refused without --force. */
  readonly refusal: string
  /** What follows when it is forced. */
  readonly warning: string
}

/**
 * What the policy says against creating this token: the token would be refused as inactive
 * (apiTokens.creators.groups), or the user may hold read tokens only (apiTokens.scopes.allowWrite).
 */
async function policyObjections(p: Parsed, service: TokenService, policy: Policy): Promise<Objection[]> {
  const user = p.user!
  const out: Objection[] = []
  const cfg = policy.config.apiTokens
  if (!(await service.userMayHoldTokens(user, policy))) {
    const rule = `apiTokens.creators.groups: ${cfg.creators.groups.join(', ')}`
    out.push({
      refusal: `${user} may not hold API tokens (${rule}): the token would be refused as inactive`,
      warning: `${user} may not hold API tokens (${rule}): the token is refused as inactive until ${user} is in one of those groups or an administrator`,
    })
  }
  if (p.scope !== 'read' && !(await service.userMayCreateWrite(user, policy))) {
    const rule = `apiTokens.scopes.allowWrite: ${cfg.scopes.allowWrite.join(', ')}`
    out.push({
      refusal: `${user} may hold read tokens only (${rule}): pass --scope read for a read token`,
      warning: `${user} may hold read tokens only (${rule}): this write token was created against that rule`,
    })
  }
  return out
}

async function act(p: Parsed, service: TokenService, policy: Policy, io: Io, audit: Logger): Promise<number> {
  const actor = userInfo().username
  if (p.action === 'create') {
    const objections = await policyObjections(p, service, policy)
    const forced = objections.length > 0
    if (forced && p.force !== true) {
      for (const o of objections) io.err(`restgate: ${o.refusal}`)
      io.err('restgate: no token was created (--force creates it anyway)')
      return 1
    }
    // Forced: the scope asked for, or write as a plain create means, past apiTokens.scopes.allowWrite.
    const input = forced ? { scope: p.scope ?? 'write', overridePermissions: true } : { scope: p.scope }
    const { record, secret } = await service.create(p.user!, { name: p.name, validForDays: p.days, ...input }, policy)
    auditToken(audit, 'token.create', record, { actor, via: 'cli', ...(forced ? { forced: true as const } : {}) })
    io.err(`Created API token ${record.id} "${record.name}" for ${record.user} (scope ${record.scope}), expires ${when(record.expiresAt)}. It is shown only now:`)
    io.out(secret)
    for (const o of objections) io.err(`warning (--force): ${o.warning}`)
    return 0
  }
  if (p.action === 'list') {
    const records = await service.list(p.user)
    io.out(records.length === 0 ? '(no API tokens)' : table(records))
    return 0
  }
  const removed = await service.remove(p.id!)
  if (removed === null) {
    io.err(`restgate: no API token with id ${p.id}`)
    return 1
  }
  auditToken(audit, 'token.delete', removed, { actor, via: 'cli' })
  io.out(`Revoked API token ${removed.id} "${removed.name}" of ${removed.user}`)
  return 0
}

export async function tokenCommand(args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const p = parse(args, env)
  if (typeof p === 'string') {
    io.err(`restgate: ${p}\n${TOKEN_USAGE}`)
    return 2
  }
  const loaded = await loadPolicyForCommand(p.config, env, io)
  if (loaded === undefined) return 1
  const config = loaded.config
  const policy = compilePolicy(config)
  // Audit lines go to stderr, so stdout carries only the answer (the token itself for `create`).
  const audit = createLogger({ level: 'info', destination: pino.destination({ dest: 2, sync: true }) })
  let store: Store | undefined
  let service: TokenService | undefined
  try {
    store = await createStore(config.store)
    const hasher = createTokenHasher(loadHashKey({ hashKeyFile: config.apiTokens.hashKeyFile, storePath: config.store.path }))
    service = createTokenService({
      store,
      hasher,
      clock: systemClock,
      directory: createStaticDirectory(),
      cacheLimits: () => ({ maxEntries: 0, ttlMs: 0 }),
    })
    await service.checkKey()
    return await act(p, service, policy, io, audit)
  } catch (err) {
    if (isRgError(err)) io.err(`restgate: ${err.message}`)
    else if (err instanceof StoreUnavailableError) io.err(`restgate: the store is unavailable: ${err.message}`)
    else if (err instanceof HashKeyMismatchError) io.err(`restgate: ${err.message}`)
    else io.err(`restgate: ${(err as Error).message}`)
    return 1
  } finally {
    await service?.close()
    await store?.close()
  }
}
