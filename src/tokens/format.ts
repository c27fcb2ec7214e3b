// The API token's text: `rgt_` + 43 base62 characters of randomness (256 bits) + 6 base62 characters of
// CRC32 over what precedes them, 53 characters in all, only [0-9A-Za-z_] (safe in URLs, headers and shell
// words). The prefix and checksum let restgate tell a token from a password without a store lookup, and
// let secret scanners find leaked ones with few false positives (the scheme GitHub uses for its tokens:
// https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/).
import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'

export const TOKEN_PREFIX = 'rgt_'
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** ceil(256 / log2(62)) = 43 characters carry at least 256 bits. */
const RANDOM_LENGTH = 43
const CHECK_LENGTH = 6
export const TOKEN_LENGTH = TOKEN_PREFIX.length + RANDOM_LENGTH + CHECK_LENGTH

const BASE62 = /^[0-9A-Za-z]+$/

function base62Fixed(value: number, width: number): string {
  let out = ''
  for (let i = 0; i < width; i++) {
    out = ALPHABET[value % 62] + out
    value = Math.floor(value / 62)
  }
  return out
}

function checksum(text: string): string {
  return base62Fixed(crc32(text), CHECK_LENGTH)
}

/** Uniform base62 characters from the CSPRNG: bytes of 248 or more are dropped, so `% 62` has no bias. */
function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b >= 248) continue
      out += ALPHABET[b % 62]
      if (out.length === length) break
    }
  }
  return out
}

export function generateToken(): string {
  const body = TOKEN_PREFIX + randomBase62(RANDOM_LENGTH)
  return body + checksum(body)
}

/**
 * `token`: restgate's format with a valid checksum. `damaged`: restgate's prefix but the wrong length,
 * characters or checksum (a truncated copy, a typo): still ours, never passed on. `other`: not restgate's
 * at all (a password, a Jira personal access token).
 */
export type TokenShape = 'token' | 'damaged' | 'other'

export function classifyToken(text: string): TokenShape {
  if (!text.startsWith(TOKEN_PREFIX)) return 'other'
  if (text.length !== TOKEN_LENGTH) return 'damaged'
  const tail = text.slice(TOKEN_PREFIX.length)
  if (!BASE62.test(tail)) return 'damaged'
  const split = TOKEN_LENGTH - CHECK_LENGTH
  return checksum(text.slice(0, split)) === text.slice(split) ? 'token' : 'damaged'
}
