// Redis secrets kept in files, and Sentinel's own password, against a real redis-server with requirepass
// and a real Sentinel with requirepass: the files are read (less their final newline), a wrong or missing
// password fails closed (the store answers nothing, restgate 503s), and the policy check names the key.
import t from 'tap'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/schema.js'
import { createStore } from '../../src/store/create.js'
import { StoreUnavailableError, type Store } from '../../src/store/types.js'
import { startRedis, startSentinel, uniquePrefix } from '../helpers/redis.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { api, basic, bearer, createToken } from '../helpers/tokens.js'
import { tempDir } from '../helpers/tmp.js'

const MASTER_PASSWORD = 'master-secret-7f3a'
const SENTINEL_PASSWORD = 'sentinel-secret-91c2'
const MIN = 'upstream: { url: "http://jira:8080" }\n'

const master = await startRedis(t, { requirepass: MASTER_PASSWORD })
const sentinel = await startSentinel(t, master.port, { requirepass: SENTINEL_PASSWORD, masterPassword: MASTER_PASSWORD })
const dir = tempDir(t)

function secretFile(name: string, text: string): string {
  const file = join(dir, name)
  writeFileSync(file, text, { mode: 0o600 })
  return file
}

function problemsOf(redis: Record<string, unknown>): string[] {
  const r = parseConfig(MIN + `store: ${JSON.stringify({ type: 'redis', redis })}\n`)
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`)
}

function storeConfig(redis: Record<string, unknown>): Config['store'] {
  const r = parseConfig(MIN + `store: ${JSON.stringify({ type: 'redis', redis: { keyPrefix: uniquePrefix('auth'), ...redis } })}\n`)
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.config.store
}

async function open(config: Config['store']): Promise<Store> {
  const store = await createStore(config)
  t.teardown(() => store.close())
  return store
}

/** A write and a read through the store: it reaches the master with the right password. */
async function roundTrip(store: Store): Promise<string | null> {
  await store.setMeta('auth-test', 'written')
  return store.getMeta('auth-test')
}

const url = `redis://127.0.0.1:${master.port}`
const sentinels = [{ host: '127.0.0.1', port: sentinel.port }]
// A lone master: with Sentinel a confirmed write waits for one replica by default, and this one has none.
const noReplica = { minReplicas: 0 }

t.test('store.redis.passwordFile: the password comes from the file, less its final newline', async (t) => {
  const store = await open(storeConfig({ url, passwordFile: secretFile('redis-password', `${MASTER_PASSWORD}\n`) }))
  t.equal(await roundTrip(store), 'written')
  const crlf = await open(storeConfig({ url, passwordFile: secretFile('redis-password-crlf', `${MASTER_PASSWORD}\r\n`) }))
  t.equal(await roundTrip(crlf), 'written', 'a file written on Windows works too')
})

t.test('a wrong or missing Redis password fails closed: the store answers nothing', async (t) => {
  for (const [what, redis] of [
    ['a wrong password file', { url, passwordFile: secretFile('wrong', 'not-the-password\n') }],
    ['no password at all', { url }],
  ] as const) {
    const store = await open(storeConfig(redis))
    await t.rejects(store.ping(), StoreUnavailableError, what)
    await t.rejects(store.getMeta('auth-test'), StoreUnavailableError, what)
  }
})

t.test('Sentinel with requirepass: sentinelPasswordFile (or sentinelPassword) and the master password from its file', async (t) => {
  const viaFiles = await open(
    storeConfig({
      sentinels,
      name: sentinel.masterName,
      sentinelPasswordFile: secretFile('sentinel-password', `${SENTINEL_PASSWORD}\n`),
      passwordFile: secretFile('master-password', `${MASTER_PASSWORD}\n`),
      ...noReplica,
    }),
  )
  t.equal(await roundTrip(viaFiles), 'written')
  const inline = await open(storeConfig({ sentinels, name: sentinel.masterName, sentinelPassword: SENTINEL_PASSWORD, password: MASTER_PASSWORD, ...noReplica }))
  t.equal(await roundTrip(inline), 'written')
})

t.test("without the Sentinels' password the master is never found: fail closed", async (t) => {
  for (const [what, redis] of [
    ['no Sentinel password', { sentinels, name: sentinel.masterName, password: MASTER_PASSWORD }],
    ['a wrong Sentinel password', { sentinels, name: sentinel.masterName, sentinelPassword: 'wrong', password: MASTER_PASSWORD }],
    ['the right Sentinel password, a wrong master password', { sentinels, name: sentinel.masterName, sentinelPassword: SENTINEL_PASSWORD, password: 'wrong' }],
  ] as const) {
    const store = await open(storeConfig(redis))
    await t.rejects(store.ping(), StoreUnavailableError, what)
  }
})

t.test('the policy check: each password given once, secret files readable and not empty, Sentinel keys only with sentinels', async (t) => {
  const file = secretFile('ok', 'secret\n')
  const unreadable = join(dir, 'missing-password')
  t.same(problemsOf({ url, passwordFile: file }), [])
  t.same(problemsOf({ url, password: 'x', passwordFile: file }), ['store.redis.passwordFile: and store.redis.password both give the password: keep one'])
  t.same(problemsOf({ url: `redis://:inline@127.0.0.1:${master.port}`, passwordFile: file }), [
    'store.redis.passwordFile: and the password in store.redis.url both give the password: keep one',
  ])
  t.same(problemsOf({ url, passwordFile: unreadable }), [`store.redis.passwordFile: cannot read ${unreadable} (ENOENT)`])
  t.same(problemsOf({ url, passwordFile: secretFile('empty', '\n') }), [`store.redis.passwordFile: ${join(dir, 'empty')} is empty`])
  t.same(problemsOf({ url, sentinelPassword: 'x' }), ['store.redis.sentinelPassword: is only for store.redis.sentinels'])
  t.same(problemsOf({ url, sentinelPasswordFile: file, sentinelUsername: 'u' }), [
    'store.redis.sentinelPasswordFile: is only for store.redis.sentinels',
    'store.redis.sentinelUsername: is only for store.redis.sentinels',
  ])
  t.same(problemsOf({ sentinels, name: 'm', sentinelPassword: 'x', sentinelPasswordFile: file }), [
    "store.redis.sentinelPasswordFile: and store.redis.sentinelPassword both give the Sentinels' password: keep one",
  ])
  if (process.getuid?.() !== 0) {
    const locked = secretFile('locked', 'secret\n')
    chmodSync(locked, 0o000)
    t.same(problemsOf({ url, passwordFile: locked }), [`store.redis.passwordFile: cannot read ${locked} (EACCES)`])
  }
})

t.test('restgate on a password-protected Sentinel setup: tokens work end to end, the secrets stay out of the policy text', async (t) => {
  const stub = await startStubJira(t)
  stub.users.set('alice', { password: 'alice-pw' })
  const sentinelFile = secretFile('rg-sentinel-password', `${SENTINEL_PASSWORD}\n`)
  const masterFile = secretFile('rg-master-password', `${MASTER_PASSWORD}\n`)
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, {
      store: {
        type: 'redis',
        path: join(tempDir(t), 'data', 'restgate.db'),
        redis: { sentinels, name: sentinel.masterName, sentinelPasswordFile: sentinelFile, passwordFile: masterFile, keyPrefix: uniquePrefix('rg'), ...noReplica },
      },
    }),
  )
  t.equal(await rg.checks['store']!(), 'ok', '/readyz: the store answers')
  const tok = await createToken(rg.url, basic('alice', 'alice-pw'), { tokenName: 'through-sentinel' })
  const used = await api(rg.url, '/rest/api/2/myself', { auth: bearer(tok.apiToken) })
  t.equal(used.status, 200)
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')
  t.notMatch(rg.runtime.current.text, MASTER_PASSWORD, 'the policy text (and so every snapshot) holds no password')
  t.notMatch(rg.runtime.current.text, SENTINEL_PASSWORD)
  t.notMatch(rg.logs.text(), new RegExp(`${MASTER_PASSWORD}|${SENTINEL_PASSWORD}`), 'no log line holds either password')
})
