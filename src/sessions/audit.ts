// Audit events for sessions on the audit stream (`audit: true`): who, how, from where, why it ended. The
// session is named by a short prefix of its store key (a keyed hash), never by the cookie value.
import type { Logger } from 'pino'
import type { SessionRecord } from '../store/types.js'
import { auditLogger } from '../observability/logger.js'

export type SessionAction = 'session.create' | 'session.end' | 'session.expire'

export interface SessionAuditContext {
  readonly ip?: string
  /** Why it ended or expired: logout, idle, absolute. */
  readonly reason?: string
  /** The request that created, ended or found it expired. */
  readonly reqId?: string
}

export function sessionRef(key: string): string {
  return key.slice(0, 12)
}

export function auditSession(logger: Logger, action: SessionAction, record: SessionRecord, ctx: SessionAuditContext = {}): void {
  auditLogger(logger).info(
    {
      event: action,
      user: record.user,
      method: record.method,
      session: sessionRef(record.key),
      ip: ctx.ip,
      reason: ctx.reason,
      createdAt: record.createdAt,
      absoluteExpiresAt: record.absoluteExpiresAt,
      reqId: ctx.reqId,
    },
    `${action} for ${record.user}${ctx.reason === undefined ? '' : ` (${ctx.reason})`}`,
  )
}
