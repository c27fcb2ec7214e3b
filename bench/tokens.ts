// API tokens for the benchmark's token cases, written straight into the store before restgate starts (the
// token API or CLI would take minutes for 100,000: each embedded commit is fsynced). The hash key is a file
// the bench writes and the policy names, so restgate hashes presented secrets exactly as they were seeded.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { migrate } from '../src/store/embedded-schema.js'
import { createRedisStore } from '../src/store/redis.js'
import { generateToken } from '../src/tokens/format.js'
import { createTokenHasher } from '../src/tokens/hash.js'
import type { NewToken } from '../src/store/types.js'

export const BENCH_USER = 'bench'

export type SeedTarget = { readonly type: 'embedded'; readonly path: string } | { readonly type: 'redis'; readonly url: string; readonly keyPrefix: string }

export interface Seeded {
  /** The hash key file to name in apiTokens.hashKeyFile. */
  readonly hashKeyFile: string
  /** The secrets of the first `keep` tokens (all owned by BENCH_USER). */
  readonly secrets: readonly string[]
}

function record(hash: string, now: number, i: number, scope: NewToken['scope']): NewToken {
  return {
    user: BENCH_USER,
    name: `bench-${i}`,
    description: '',
    hash,
    createdAt: now,
    expiresAt: now + 365 * 86_400_000,
    lifetimeDays: 365,
    scope,
    paths: null,
  }
}

/** One SQLite transaction, not fsynced per row: about a second for 100,000. */
function seedEmbedded(path: string, tokens: readonly NewToken[]): void {
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    migrate(db, path)
    const insert = db.prepare(
      `INSERT INTO tokens (user, name, description, hash, created_at, expires_at, lifetime_days, scope, paths)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
    )
    db.transaction(() => {
      for (const t of tokens) insert.run(t.user, t.name, t.description, t.hash, t.createdAt, t.expiresAt, t.lifetimeDays, t.scope)
    })()
  } finally {
    db.close()
  }
}

/** Through the store contract, many in flight (the Redis cases need few tokens). */
async function seedRedis(url: string, keyPrefix: string, tokens: readonly NewToken[]): Promise<void> {
  const store = createRedisStore({ config: { url, keyPrefix } })
  try {
    if (!(await store.connected)) throw new Error(`Redis at ${url} is not reachable`)
    for (let i = 0; i < tokens.length; i += 500) await Promise.all(tokens.slice(i, i + 500).map((t) => store.createToken(t)))
  } finally {
    await store.close()
  }
}

/** `scope` 'write' for tokens that may open a session (a session carries no scope). */
export async function seedTokens(target: SeedTarget, hashKeyFile: string, count: number, keep: number, scope: NewToken['scope'] = 'read'): Promise<Seeded> {
  const key = randomBytes(32)
  writeFileSync(hashKeyFile, key.toString('hex'), { mode: 0o600 })
  const hasher = createTokenHasher(Buffer.from(key.toString('hex')))
  const now = Date.now()
  const secrets: string[] = []
  const tokens: NewToken[] = []
  for (let i = 0; i < count; i++) {
    const secret = generateToken()
    if (i < keep) secrets.push(secret)
    tokens.push(record(hasher.hash(secret), now, i, scope))
  }
  if (target.type === 'embedded') seedEmbedded(target.path, tokens)
  else await seedRedis(target.url, target.keyPrefix, tokens)
  return { hashKeyFile, secrets }
}

/** `Authorization: Basic base64(user:TOKEN)`, as curl -u sends it. */
export function basicToken(secret: string): string {
  return 'Basic ' + Buffer.from(`${BENCH_USER}:${secret}`).toString('base64')
}
