// Replay across instances: MIT's replay cache is a file on one host, so each instance here gets its own
// (as two hosts would). With the Redis store the second use of a token is refused on any instance, because
// the first instance claimed its authenticator there; the embedded-store control shows that without the
// shared claim the other instance would have accepted it. A Redis that cannot answer refuses the
// handshake with 503 JSON, never a pass-through, and recovers by itself.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startKdc } from '../helpers/kdc.js'
import { startStubJira } from '../helpers/stub-jira.js'
import { spawnRestgate, startRestgate, testPolicy, writePolicy, type PolicyInput } from '../helpers/restgate.js'
import { startRedis, uniquePrefix } from '../helpers/redis.js'
import { httpRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'
import { freePort } from '../helpers/ports.js'

const kdc = await startKdc(t)
const stub = await startStubJira(t)
const path = '/rest/api/2/myself'

/** One instance's policy: its own directory and replay cache dir (its own "host"), the given store. */
async function instancePolicy(store: (dir: string) => PolicyInput, hashKeyFile: string): Promise<string> {
  const dir = tempDir(t)
  return writePolicy(
    dir,
    testPolicy(stub.url, {
      server: { port: await freePort() },
      store: store(dir),
      apiTokens: { hashKeyFile },
      kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: join(dir, 'rcache') },
    }),
  )
}

function sharedHashKey(): string {
  const file = join(tempDir(t), 'token-hash.key')
  writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  return file
}

const negotiate = (token: string) => ({ authorization: `Negotiate ${token}` })
const outcomeIs = (outcome: string) => (l: Record<string, unknown>) => (l['kerberos'] as { outcome?: string } | undefined)?.outcome === outcome

t.test('Redis store: a token accepted by instance A is refused by instance B', async (t) => {
  const redis = await startRedis(t)
  const keyPrefix = uniquePrefix('krb-replay')
  const key = sharedHashKey()
  const redisStore = (dir: string) => ({ type: 'redis', path: join(dir, 'unused.db'), redis: { url: redis.url, keyPrefix } })
  const [a, b] = await Promise.all([spawnRestgate(t, await instancePolicy(redisStore, key)), spawnRestgate(t, await instancePolicy(redisStore, key))])

  const token = await kdc.token('alice')
  const first = await httpRequest(`${a.url}${path}`, { headers: negotiate(token) })
  t.equal(first.status, 200, 'A accepts the fresh token')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'alice')

  const seen = stub.requests.length
  const replayed = await httpRequest(`${b.url}${path}`, { headers: negotiate(token) })
  t.equal(replayed.status, 401, 'B refuses the same token: its own replay cache has never seen it')
  t.match(replayed.headers['content-type'], /application\/json/)
  t.equal(replayed.json()['code'], 'RG_ERR_KERBEROS_REPLAY')
  t.equal(stub.requests.length, seen, 'nothing forwarded')
  const line = await b.waitForLine(outcomeIs('replay'))
  t.match(line['kerberos'], { principal: 'alice@RESTGATE.TEST', detail: /shared store/ })

  const fresh = await httpRequest(`${b.url}${path}`, { headers: negotiate(await kdc.token('bob')) })
  t.equal(fresh.status, 200, 'B accepts a fresh token')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'bob')
})

t.test('control: embedded stores (one per host) do not share claims, so B would accept A\'s token', async (t) => {
  const key = sharedHashKey()
  const embedded = (dir: string) => ({ type: 'embedded', path: join(dir, 'data', 'restgate.db') })
  const [a, b] = await Promise.all([spawnRestgate(t, await instancePolicy(embedded, key)), spawnRestgate(t, await instancePolicy(embedded, key))])
  const token = await kdc.token('alice')
  t.equal((await httpRequest(`${a.url}${path}`, { headers: negotiate(token) })).status, 200)
  t.equal((await httpRequest(`${b.url}${path}`, { headers: negotiate(token) })).status, 200, 'separate replay caches: the gap the Redis claim closes')
  t.equal((await httpRequest(`${b.url}${path}`, { headers: negotiate(token) })).status, 401, "B's own replay cache still refuses a second use on B")
})

t.test('Redis down during the replay check: 503 JSON, nothing forwarded; back up: handshakes work again', async (t) => {
  const redis = await startRedis(t)
  const dir = tempDir(t)
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, {
      store: { type: 'redis', path: join(dir, 'data', 'x.db'), redis: { url: redis.url, keyPrefix: uniquePrefix('krb-outage') } },
      kerberos: { enabled: true, keytab: kdc.keytab, servicePrincipal: 'HTTP@localhost', replayCacheDir: join(dir, 'rcache') },
    }),
    { dir },
  )
  t.equal((await httpRequest(`${rg.url}${path}`, { headers: negotiate(await kdc.token('alice')) })).status, 200)

  await redis.stop()
  await rg.logs.waitFor((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('store connection lost'))
  const seen = stub.requests.length
  const down = await httpRequest(`${rg.url}${path}`, { headers: negotiate(await kdc.token('alice')) })
  t.equal(down.status, 503)
  t.match(down.headers['content-type'], /application\/json/)
  t.same(down.json(), { code: 'RG_ERR_STORE_UNAVAILABLE', message: 'The restgate store is unavailable: try again shortly' })
  t.equal(down.headers['www-authenticate'], undefined, 'no mutual-auth token for a refused handshake')
  t.equal(stub.requests.length, seen, 'never passed on')
  await rg.logs.waitFor((l) => l['msg'] === 'Kerberos replay check: the store did not answer; refused')
  const outcomes = (await rg.metrics.kerberosHandshakes.get()).values
  t.equal(outcomes.find((v) => v.labels.outcome === 'store_unavailable')?.value, 1)

  const mark = rg.logs.lines.length
  await redis.start()
  await rg.logs.waitFor((l) => l['msg'] === 'store connection ready' && rg.logs.lines.indexOf(l) >= mark, 5000)
  const back = await httpRequest(`${rg.url}${path}`, { headers: negotiate(await kdc.token('bob')) })
  t.equal(back.status, 200, 'a fresh token works again without a restart')
  t.equal(stub.requests.at(-1)!.headers['x-forwarded-user'], 'bob')
})
