// The embedded store on a real full file system and on a read-only file: every write is committed or
// refused with StoreUnavailableError, never answered as done. What was refused is not there once space is
// back, what was there before is untouched, reads go on, and ping (what /readyz asks) says why writes fail.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import pino from 'pino'
import Database from 'better-sqlite3'
import { openEmbeddedStore } from '../../src/store/embedded.js'
import { StoreUnavailableError, type NewToken, type SessionRecord, type SnapshotRecord, type Store } from '../../src/store/types.js'
import { createMetrics } from '../../src/observability/metrics.js'
import { IS_ROOT, NEEDS_ROOT, makeReadOnly, mountSmallDisk } from '../helpers/disk.js'
import { createLogSink } from '../helpers/log-sink.js'
import { counterValue, gaugeValue } from '../helpers/metrics.js'
import { tempDir } from '../helpers/tmp.js'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0)

const token = (hash: string): NewToken => ({
  user: 'alice', name: hash, description: '', hash, createdAt: T0, expiresAt: T0 + 30 * DAY, lifetimeDays: 30, scope: 'write', paths: null,
})
const session = (key: string): SessionRecord => ({
  key, user: 'alice', method: 'token', createdAt: T0, lastSeenAt: T0, absoluteExpiresAt: T0 + DAY, csrf: 'c',
})
const snapshot = (id: string): SnapshotRecord => ({ id, timeMillis: T0, description: id, automatic: false, version: '1', text: 'x'.repeat(20_000) })

/** Everything restgate writes, each against records made before the fault. */
function writes(store: Store, ids: { kept: number; refreshed: number }): Array<[string, () => Promise<unknown>]> {
  return [
    ['createToken', () => store.createToken(token('lost-1'))],
    ['createToken again', () => store.createToken(token('lost-2'))],
    ['setTokenExpiry (refresh)', () => store.setTokenExpiry(ids.refreshed, T0 + 99 * DAY)],
    ['deleteToken (user and admin delete)', () => store.deleteToken(ids.kept)],
    ['createSession (login)', () => store.createSession(session('s-lost'))],
    ['deleteSession (logout)', () => store.deleteSession('s-kept')],
    ['saveSnapshot', () => store.saveSnapshot(snapshot('snap-lost'))],
    ['deleteSnapshot', () => store.deleteSnapshot('snap-kept')],
    ['setMeta (stored config version)', () => store.setMeta('version', '2')],
    ['resetCounter (lockout clear)', () => store.resetCounter('counter-kept')],
    ['hit (failed login)', () => store.hit('counter-new', 60_000, T0)],
    ['claimOnce (Kerberos replay)', () => store.claimOnce('claim-new', 60_000)],
    ['recordTokenUse', () => store.recordTokenUse([{ id: ids.kept, at: T0 + 5, ip: '192.0.2.1' }])],
    ['publish', () => store.publish({ kind: 'all' })],
  ]
}

async function seed(store: Store): Promise<{ kept: number; refreshed: number }> {
  const kept = await store.createToken(token('kept'))
  const refreshed = await store.createToken(token('refreshed'))
  await store.createSession(session('s-kept'))
  await store.saveSnapshot(snapshot('snap-kept'))
  await store.setMeta('version', '1')
  await store.hit('counter-kept', 60_000, T0)
  return { kept: kept.id, refreshed: refreshed.id }
}

/** After the fault: exactly what was there before, nothing of what was refused. */
async function unchanged(t: Test, store: Store, ids: { kept: number; refreshed: number }): Promise<void> {
  t.equal(await store.findTokenByHash('lost-1'), null, 'the refused creates left nothing')
  t.equal(await store.findTokenByHash('lost-2'), null)
  t.equal((await store.getToken(ids.kept))?.hash, 'kept', 'the refused delete left the token, as its 503 said')
  t.equal((await store.getToken(ids.kept))?.lastUsedAt, null)
  t.equal((await store.getToken(ids.refreshed))?.expiresAt, T0 + 30 * DAY, 'the refused refresh left the expiry')
  t.equal(await store.getSession('s-lost'), null)
  t.ok(await store.getSession('s-kept'), 'the refused logout left the session')
  t.equal(await store.getSnapshot('snap-lost'), null)
  t.ok(await store.getSnapshot('snap-kept'))
  t.equal(await store.getMeta('version'), '1')
  t.same(await store.getCounter('counter-kept', T0 + 1), { count: 1, resetAt: T0 + 60_000 })
  t.equal(await store.getCounter('counter-new', T0 + 1), null)
}

t.test('disk full: every write is refused, none half done, reads go on, and it all works once there is space', { skip: IS_ROOT ? false : NEEDS_ROOT }, async (t) => {
  const disk = mountSmallDisk(t)
  const file = join(disk.dir, 'restgate.db')
  const logs = createLogSink()
  const metrics = createMetrics({ defaultMetrics: false })
  const store = openEmbeddedStore({ path: file, logger: pino(logs.stream), metrics })
  t.teardown(() => store.close())
  const ids = await seed(store)
  await t.resolves(store.ping())

  disk.fill()
  t.equal(disk.available(), 0, 'not one byte left')
  for (const [what, write] of writes(store, ids)) {
    const err = await write().then(() => 'answered as done', (e: unknown) => e)
    t.type(err, StoreUnavailableError, `${what}: refused`)
    t.match((err as Error).message, /database or disk is full/, `${what}: says why`)
  }
  t.equal((await store.getToken(ids.kept))?.hash, 'kept', 'reads go on')
  await t.rejects(store.ping(), { name: 'StoreUnavailableError', message: /^refuses writes \(disk-full\)/ }, 'ping (readyz) reports the full disk')
  t.equal(await counterValue(metrics.storeErrors, { operation: 'createToken', kind: 'disk-full' }), 2)
  t.equal(await counterValue(metrics.storeErrors, { operation: 'deleteToken', kind: 'disk-full' }), 1)
  t.equal(await gaugeValue(metrics.storeUp), 0)
  const refused = logs.lines.filter((l) => l['audit'] === true && l['event'] === 'store.write-refused')
  t.match(refused.map((l) => l['operation']), ['createToken', 'createToken', 'setTokenExpiry', 'deleteToken', 'createSession'], 'each refused write is on the audit stream')
  t.match(refused[0], { backend: 'embedded', kind: 'disk-full' })
  t.notOk(refused.some((l) => l['operation'] === 'probe'), "readyz's probe is no client's write: counted, not audited")
  t.equal(await counterValue(metrics.storeErrors, { operation: 'probe', kind: 'disk-full' }), 1)

  disk.free()
  // What a restart would find: another connection on the same file.
  const after = openEmbeddedStore({ path: file })
  t.teardown(() => after.close())
  await unchanged(t, after, ids)
  await t.resolves(store.ping(), 'ready again once there is space')
  t.equal(await gaugeValue(metrics.storeUp), 1)
  t.ok(logs.lines.some((l) => l['msg'] === 'store accepts writes again'))
  const made = await store.createToken(token('after'))
  t.same(await after.getToken(made.id), made, 'a write after the fault is committed')
  t.same(await store.deleteToken(ids.kept).then((r) => r?.id), ids.kept)
  t.equal(await after.getToken(ids.kept), null, 'and so is a delete')
})

t.test('a read-only database file: reads work, every write is refused, ping says why', async (t) => {
  const file = join(tempDir(t), 'restgate.db')
  const first = openEmbeddedStore({ path: file })
  const ids = await seed(first)
  await first.close()
  makeReadOnly(t, file)
  const logs = createLogSink()
  const store = openEmbeddedStore({ path: file, logger: pino(logs.stream) })
  t.teardown(() => store.close())
  await logs.waitFor((l) => l['msg'] === 'embedded store opened, but it refuses writes')
  t.equal((await store.getToken(ids.kept))?.hash, 'kept', 'reads work')
  for (const [what, write] of writes(store, ids)) {
    const err = await write().then(() => 'answered as done', (e: unknown) => e)
    t.type(err, StoreUnavailableError, `${what}: refused`)
    t.match((err as Error).message, /readonly database/, `${what}: says why`)
  }
  await t.rejects(store.ping(), { message: /^refuses writes \(read-only\)/ })
  await unchanged(t, store, ids)
})

t.test('lockout counters stay bounded under 50,000 made-up user names', async (t) => {
  // On a tmpfs when possible: 50,000 fsynced commits take a minute on a disk, a few seconds in memory.
  const dir = IS_ROOT ? mountSmallDisk(t, 64).dir : tempDir(t)
  const file = join(dir, 'restgate.db')
  const store = openEmbeddedStore({ path: file })
  t.teardown(() => store.close())
  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  const rows = (): number => db.prepare('SELECT COUNT(*) AS n FROM counters').pluck().get() as number
  const WINDOW = 1000
  const names = IS_ROOT ? 50_000 : 5_000
  let most = 0
  for (let i = 0; i < names; i++) {
    // One name per millisecond, each in its own 1 s window: about 1,000 are live at any time.
    await store.hit(`user:made-up-${i}`, WINDOW, T0 + i)
    if (i >= names - 5) await store.hit('user:steady', WINDOW, T0 + i)
    if (i % 1000 === 999) most = Math.max(most, rows())
  }
  t.ok(most <= WINDOW + 256 + 2, `at most ${most} rows (of ${names} names; live in the window: ${WINDOW})`)
  t.same(await store.getCounter('user:steady', T0 + names), { count: 5, resetAt: T0 + names - 5 + WINDOW }, 'a live counter keeps counting')
  t.ok(await store.getCounter(`user:made-up-${names - 1}`, T0 + names), 'the newest names are still counted')
})
