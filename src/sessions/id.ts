// Session ids: 256 random bits, base64url, with a prefix so restgate (and a secret scanner) can tell its
// own cookie value from a forged or truncated one without a store lookup. The store keeps only a keyed
// hash (the API token hash key, with a domain-separating label): a copy of the store yields no cookie.
import { randomBytes } from 'node:crypto'
import type { TokenHasher } from '../tokens/hash.js'

export const SESSION_ID_PREFIX = 'rgs_'
const SHAPE = /^rgs_[A-Za-z0-9_-]{43}$/

export function generateSessionId(): string {
  return SESSION_ID_PREFIX + randomBytes(32).toString('base64url')
}

/** Exactly restgate's shape: anything else (truncated, padded, forged by hand) is refused unread. */
export function isSessionId(value: string): boolean {
  return value.length === 47 && SHAPE.test(value)
}

/** The store key of a session id. */
export function sessionKeyOf(hasher: TokenHasher, id: string): string {
  return hasher.hash(`restgate session\0${id}`)
}
