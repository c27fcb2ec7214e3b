// Audit events for token changes, on the audit stream (`audit: true`): who did what to which token, from
// where. Never the secret: the record carries only its hash, and the hash is not logged either.
import type { Logger } from 'pino'
import type { TokenRecord } from '../store/types.js'
import { auditLogger } from '../observability/logger.js'

export type TokenAction = 'token.create' | 'token.delete' | 'token.refresh'

export interface TokenAuditContext {
  /** Who did it: the authenticated user, or the OS user for the CLI. */
  readonly actor: string
  readonly via: 'api' | 'cli'
  readonly ip?: string
  /** How the actor proved who they are (token, kerberos, password, session). */
  readonly auth?: string
  /** Created against the policy's rules for its owner (`token create --force`). */
  readonly forced?: true
}

export function auditToken(logger: Logger, action: TokenAction, record: TokenRecord, ctx: TokenAuditContext): void {
  auditLogger(logger).info(
    {
      event: action,
      actor: ctx.actor,
      via: ctx.via,
      ip: ctx.ip,
      auth: ctx.auth,
      owner: record.user,
      tokenId: record.id,
      tokenName: record.name,
      expiresAt: record.expiresAt,
      ...(ctx.forced === true ? { forced: true, scope: record.scope } : {}),
    },
    `${action} ${record.id} (${record.name}) of ${record.user} by ${ctx.actor}`,
  )
}
