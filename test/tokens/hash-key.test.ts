// The token hash key: from apiTokens.hashKeyFile, or generated once (0600) beside the store; a store made
// with another key is noticed.
import t from 'tap'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GENERATED_KEY_NAME, HashKeyMismatchError, checkHashKey, loadHashKey } from '../../src/tokens/hash-key.js'
import { createTokenHasher } from '../../src/tokens/hash.js'
import { openEmbeddedStore } from '../../src/store/embedded.js'
import { tempDir } from '../helpers/tmp.js'

t.test('generated once into the store directory with 0600, then reused', async (t) => {
  const dir = tempDir(t)
  const storePath = join(dir, 'data', 'restgate.db')
  const first = loadHashKey({ hashKeyFile: undefined, storePath })
  const file = join(dir, 'data', GENERATED_KEY_NAME)
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.ok(first.length >= 32)
  t.same(loadHashKey({ hashKeyFile: undefined, storePath }), first, 'the same key on the next start')
  t.same(readFileSync(file), first)
})

t.test('hashKeyFile: used as given; too short is refused', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'key')
  writeFileSync(file, 'x'.repeat(40))
  t.same(loadHashKey({ hashKeyFile: file, storePath: join(dir, 'db') }), Buffer.from('x'.repeat(40)))
  writeFileSync(file, 'short')
  t.throws(() => loadHashKey({ hashKeyFile: file, storePath: join(dir, 'db') }), /at least 32 bytes/)
})

t.test('hashes: keyed, hex, compared in constant time', async (t) => {
  const a = createTokenHasher(Buffer.alloc(32, 1))
  const b = createTokenHasher(Buffer.alloc(32, 2))
  t.match(a.hash('secret'), /^[0-9a-f]{64}$/)
  t.equal(a.hash('secret'), a.hash('secret'))
  t.not(a.hash('secret'), b.hash('secret'), 'another key, another hash')
  t.ok(a.same(a.hash('x'), a.hash('x')))
  t.notOk(a.same(a.hash('x'), a.hash('y')))
  t.notOk(a.same('abc', 'abcd'), 'different lengths')
  t.not(a.keyId, b.keyId)
  t.throws(() => createTokenHasher(Buffer.alloc(31)), /at least 32 bytes/)
})

t.test('a store remembers the key it was made with', async (t) => {
  const store = openEmbeddedStore({ path: join(tempDir(t), 'rg.db') })
  t.teardown(() => store.close())
  const a = createTokenHasher(Buffer.alloc(32, 1))
  await checkHashKey(store, a)
  await checkHashKey(store, a)
  const err = await checkHashKey(store, createTokenHasher(Buffer.alloc(32, 2))).catch((e: unknown) => e)
  t.type(err, HashKeyMismatchError)
  t.match((err as Error).message, /same apiTokens\.hashKeyFile/)
})
