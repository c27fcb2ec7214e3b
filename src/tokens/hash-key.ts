// The server key for token hashes: `apiTokens.hashKeyFile`, or one generated once (32 random bytes, hex)
// into the store's directory with 0600 permissions. Instances sharing a Redis store must share the key:
// its fingerprint is kept in the store, and a mismatch stops start-up instead of refusing every token.
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Logger } from 'pino'
import type { Store } from '../store/types.js'
import type { TokenHasher } from './hash.js'

export const GENERATED_KEY_NAME = 'token-hash.key'
export const KEY_ID_META = 'tokens.hashKeyId'

export interface HashKeySource {
  readonly hashKeyFile: string | undefined
  /** store.path: a generated key goes next to it. */
  readonly storePath: string
}

export function loadHashKey(source: HashKeySource, logger?: Logger): Buffer {
  if (source.hashKeyFile !== undefined) {
    const key = readFileSync(source.hashKeyFile)
    if (key.length < 32) throw new Error(`apiTokens.hashKeyFile ${source.hashKeyFile} must hold at least 32 bytes`)
    return key
  }
  const dir = dirname(resolve(source.storePath))
  const file = join(dir, GENERATED_KEY_NAME)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  try {
    // 'wx': create only if absent, so two processes starting together cannot both write a key.
    const fd = openSync(file, 'wx', 0o600)
    try {
      writeSync(fd, randomBytes(32).toString('hex'))
    } finally {
      closeSync(fd)
    }
    logger?.info({ file }, 'generated the API token hash key')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const mode = statSync(file).mode & 0o777
  if ((mode & 0o077) !== 0) logger?.warn({ file, mode: mode.toString(8) }, 'the API token hash key is readable by other users: chmod 600 it')
  const key = readFileSync(file)
  if (key.length < 32) throw new Error(`${file} must hold at least 32 bytes: delete it to generate a new key (every token then stops working)`)
  return key
}

export class HashKeyMismatchError extends Error {
  constructor() {
    super(
      'the API token hash key differs from the one this store\'s tokens were made with: give every instance the same apiTokens.hashKeyFile',
    )
    this.name = 'HashKeyMismatchError'
  }
}

/** Records the key's fingerprint on first use; throws HashKeyMismatchError when the store knows another. */
export async function checkHashKey(store: Pick<Store, 'getMeta' | 'setMeta'>, hasher: TokenHasher): Promise<void> {
  const known = await store.getMeta(KEY_ID_META)
  if (known === null) {
    await store.setMeta(KEY_ID_META, hasher.keyId)
    return
  }
  if (known !== hasher.keyId) throw new HashKeyMismatchError()
}
