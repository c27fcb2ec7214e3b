// Tokens at rest: only HMAC-SHA-256(server key, secret), hex. A stolen store (a Redis dump, a copied SQLite
// file) without the key file gives an attacker nothing to log in with, and no offline guessing either.
import { createHmac, hash as digest, timingSafeEqual } from 'node:crypto'

export interface TokenHasher {
  hash(secret: string): string
  /** Constant-time comparison of two hashes. */
  same(a: string, b: string): boolean
  /** A fingerprint of the key, stored so a second instance with a different key is noticed at once. */
  readonly keyId: string
}

export function createTokenHasher(key: Buffer): TokenHasher {
  if (key.length < 32) throw new Error('the token hash key must hold at least 32 bytes')
  return {
    hash: (secret) => createHmac('sha256', key).update(secret, 'utf8').digest('hex'),
    same(a, b) {
      const x = Buffer.from(a, 'utf8')
      const y = Buffer.from(b, 'utf8')
      return x.length === y.length && timingSafeEqual(x, y)
    },
    keyId: createHmac('sha256', key).update('restgate token hash key id').digest('hex').slice(0, 16),
  }
}

/**
 * The in-memory cache key for a presented secret (a token, a session id): a plain SHA-256, a fifth of an
 * HMAC's cost, since a cache is never at rest. Token and session caches both key by it.
 */
export function cacheKey(secret: string): string {
  return digest('sha256', secret, 'base64')
}
