// TokenRecord → the JSON Kantega SSO 5.7 scripts read, field for field as Kantega's documented examples write
// them (docs/management-api.md#kantega-sso-field-by-field): times are the server's local time, `createdAt`
// to the second and `expiresAt` to the minute, plus epoch milliseconds; day counts are strings ("30",
// "29"); a token that never expires says "Never" / "Forever" and has no millisecond or time-until fields.
import type { TokenRecord } from '../store/types.js'
import { DAY_MS } from '../tokens/lifetime.js'
import { localDateTime } from '../time.js'
import type { CreatedView, ExpiryStatus, TokenView } from './tokens-schemas.js'

export const validForDays = (r: TokenRecord): string => (r.lifetimeDays === null ? 'Forever' : String(r.lifetimeDays))
export const expiresAtText = (r: TokenRecord): string => (r.expiresAt === null ? 'Never' : localDateTime(r.expiresAt, 'minutes'))

function timeUntilExpiry(r: TokenRecord, now: number): { timeUntilExpiryMillis?: number; timeUntilExpiryDays?: string } {
  if (r.expiresAt === null) return {}
  const ms = Math.max(0, r.expiresAt - now)
  return { timeUntilExpiryMillis: ms, timeUntilExpiryDays: String(Math.floor(ms / DAY_MS)) }
}

export function tokenView(r: TokenRecord, now: number, active: boolean): TokenView {
  return {
    id: r.id,
    tokenName: r.name,
    description: r.description,
    username: r.user,
    createdAt: localDateTime(r.createdAt, 'seconds'),
    createdAtMillis: r.createdAt,
    expiresAt: expiresAtText(r),
    ...(r.expiresAt !== null ? { expiresAtMillis: r.expiresAt } : {}),
    validForDays: validForDays(r),
    ...timeUntilExpiry(r, now),
    expired: r.expiresAt !== null && now >= r.expiresAt,
    active,
    scope: r.scope,
    paths: r.paths === null ? null : [...r.paths],
    lastUsedAtMillis: r.lastUsedAt,
    lastUsedIp: r.lastUsedIp,
  }
}

export function createdView(r: TokenRecord, secret: string): CreatedView {
  return {
    apiToken: secret,
    id: r.id,
    tokenName: r.name,
    description: r.description,
    validForDays: validForDays(r),
    expiresAt: expiresAtText(r),
    ...(r.expiresAt !== null ? { expiresAtMillis: r.expiresAt } : {}),
    scope: r.scope,
    paths: r.paths === null ? null : [...r.paths],
  }
}

export function expiryStatus(r: TokenRecord, now: number): ExpiryStatus {
  return { expiresAt: expiresAtText(r), apiTokenDescription: r.description, id: r.id, ...timeUntilExpiry(r, now) }
}
