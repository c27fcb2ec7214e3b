// The embedded store: the contract on a temp SQLite file, plus what only a file has: permissions, the
// schema version, durability across reopen, and a writer in another process (the CLI) being heard.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openEmbeddedStore } from '../../src/store/embedded.js'
import { SCHEMA_VERSION } from '../../src/store/embedded-schema.js'
import { tempDir } from '../helpers/tmp.js'
import { storeContract } from './contract.js'

storeContract(t, async (t) => {
  const file = join(tempDir(t), 'data', 'restgate.db')
  return async () => openEmbeddedStore({ path: file })
})

t.test('the file and its directory are private; WAL mode; schema versioned', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'nested', 'restgate.db')
  const store = openEmbeddedStore({ path: file })
  t.teardown(() => store.close())
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.equal(statSync(join(dir, 'nested')).mode & 0o777, 0o700)
  await store.close()
  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
})

t.test('data survives a reopen; the schema is not re-applied', async (t) => {
  const file = join(tempDir(t), 'restgate.db')
  const first = openEmbeddedStore({ path: file })
  t.teardown(() => first.close())
  const tok = await first.createToken({
    user: 'alice', name: 'n', description: '', hash: 'h1', createdAt: 1, expiresAt: null, lifetimeDays: null, scope: 'write', paths: null,
  })
  await first.setMeta('k', 'v')
  await first.close()
  const second = openEmbeddedStore({ path: file })
  t.teardown(() => second.close())
  t.same(await second.getToken(tok.id), tok)
  t.equal(await second.getMeta('k'), 'v')
})

t.test('a file from a newer restgate is refused, not guessed at', async (t) => {
  const file = join(tempDir(t), 'restgate.db')
  const db = new Database(file)
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
  db.close()
  t.throws(() => openEmbeddedStore({ path: file }), /schema version \d+, newer than this restgate knows/)
})

t.test('an event published by another process reaches a subscriber within a second', async (t) => {
  const file = join(tempDir(t), 'restgate.db')
  const store = openEmbeddedStore({ path: file })
  t.teardown(() => store.close())
  const heard = new Promise<unknown>((resolve) => {
    const off = store.subscribe((e) => {
      off()
      resolve(e)
    })
  })
  const script = `
    import { openEmbeddedStore } from ${JSON.stringify(new URL('../../src/store/embedded.js', import.meta.url).href)}
    const s = openEmbeddedStore({ path: ${JSON.stringify(file)} })
    await s.publish({ kind: 'token', id: 3, hash: 'x' })
    await s.close()
  `
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script])
  // Measured from the publish (the child has exited), not from spawning it: a loaded machine can take
  // more than a second just to start Node and open SQLite.
  const started = Date.now()
  // The poller's timer does not hold the process open (a server has its listener for that); this does.
  const timeout = setTimeout(() => undefined, 2000)
  t.teardown(() => clearTimeout(timeout))
  t.same(await heard, { kind: 'token', id: 3, hash: 'x' })
  t.ok(Date.now() - started < 1500, 'heard promptly')
})

t.test('sessions past their absolute expiry are pruned as new ones are created; live ones stay', async (t) => {
  const store = openEmbeddedStore({ path: join(tempDir(t), 'restgate.db') })
  t.teardown(() => store.close())
  const session = (key: string, createdAt: number, absoluteExpiresAt: number) =>
    ({ key, user: 'alice', method: 'token' as const, createdAt, lastSeenAt: createdAt, absoluteExpiresAt, csrf: 'c' })
  await store.createSession(session('dead', 0, 1000))
  await store.createSession(session('live', 0, 10_000_000))
  for (let i = 0; i < 253; i++) await store.createSession(session(`n${i}`, 5000, 10_000_000))
  t.ok(await store.getSession('dead'), 'not yet: pruning runs every 256 creations')
  await store.createSession(session('n-last', 5000, 10_000_000))
  t.equal(await store.getSession('dead'), null, 'pruned')
  t.ok(await store.getSession('live'))
  t.ok(await store.getSession('n-last'))
})
