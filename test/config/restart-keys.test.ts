// Which keys need a restart comes from the schema alone (`restart: true`), and a reload that changes them
// applies everything else while these keep their running values.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { parseConfig } from '../../src/config/load.js'
import { ConfigSchema, type Config } from '../../src/config/schema.js'
import { changedRestartKeys, deepEqual, keepRestartKeys, restartKeyPaths } from '../../src/config/restart-keys.js'
import { changedPaths } from '../../src/config/diff.js'
import { formatPath } from '../../src/config/problems.js'

function config(text: string): Config {
  const r = parseConfig(text, { env: {}, checkFiles: false })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.config
}

const BASE = 'upstream: { url: "http://jira:8080" }\n'

t.test('the restart-only keys, derived from the schema', async (t) => {
  t.same(restartKeyPaths(ConfigSchema).map(formatPath), [
    'server.host',
    'server.port',
    'server.tls',
    'server.trustedProxies',
    'server.maxHeaderBytes',
    'server.maxHeaders',
    'server.workers',
    'server.admin.enabled',
    'server.admin.host',
    'server.admin.port',
    'upstream.type',
    'upstream.url',
    'upstream.connectTimeout',
    'upstream.connections',
    'upstream.tls',
    'products',
    'store.type',
    'store.path',
    'store.redis',
    'kerberos.replayCacheDir',
    'apiTokens.hashKeyFile',
    'tokenPage.enabled',
    'tokenPage.path',
    'forwardAuth.enabled',
  ])
})

t.test('the walk: a marked object covers its subtree; optional keys and unions are followed', async (t) => {
  const schema = Type.Object({
    a: Type.Object({ b: Type.String({ restart: true }), c: Type.String() }),
    d: Type.Optional(Type.Object({ e: Type.String() }, { restart: true })),
    f: Type.Union([Type.Object({ g: Type.Integer({ restart: true }) }), Type.Object({ g: Type.Integer({ restart: true }) })]),
    h: Type.Array(Type.Object({ i: Type.String({ restart: true }) })),
  })
  t.same(restartKeyPaths(schema), [['a', 'b'], ['d'], ['f', 'g']], 'union branches listed once; list items are rules, not walked')
})

t.test('changedRestartKeys names exactly the restart keys that differ', async (t) => {
  const running = config(BASE + 'server: { port: 8000 }\nanonymous: passthrough\n')
  const next = config(
    'upstream: { url: "http://jira2:8080", connections: 16 }\nserver: { port: 8001, tls: { cert: /c, key: /k } }\nanonymous: deny\nstore: { type: embedded }\n',
  )
  t.same(changedRestartKeys(running, next, restartKeyPaths(ConfigSchema)), ['server.port', 'server.tls', 'upstream.url', 'upstream.connections'])
  t.same(changedRestartKeys(running, running, restartKeyPaths(ConfigSchema)), [])
})

t.test('keepRestartKeys: the new policy with the running values of restart keys, frozen', async (t) => {
  const paths = restartKeyPaths(ConfigSchema)
  const running = config(BASE + 'server: { port: 8000 }\n')
  const next = config(
    'upstream: { url: "http://jira2:8080", timeout: 10s }\nserver: { port: 8001, realm: other, tls: { cert: /c, key: /k } }\nanonymous: deny\n',
  )
  const merged = keepRestartKeys(next, running, paths)
  t.equal(merged.server.port, 8000, 'listener stays')
  t.equal(merged.server.tls, undefined, 'TLS added in the file is not in force: the listener is plain HTTP')
  t.notOk('tls' in merged.server, 'and the key is absent, not undefined')
  t.equal(merged.upstream!.url, 'http://jira:8080')
  t.equal(merged.server.realm, 'other', 'live keys in the same section apply')
  t.equal(merged.upstream!.timeout, '10s')
  t.equal(merged.anonymous, 'deny')
  t.same(changedRestartKeys(running, merged, paths), [], 'nothing restart-only differs from the running policy')
  t.ok(Object.isFrozen(merged) && Object.isFrozen(merged.server) && Object.isFrozen(merged.upstream), 'deeply frozen')
  t.equal(next.server.port, 8001, 'the input is not modified')
  t.equal(keepRestartKeys(running, running, paths), running, 'nothing to keep: the same object')
  // The other direction: TLS removed from the file while it is in force stays in force.
  const withTls = config(BASE + 'server: { tls: { cert: /c, key: /k } }\n')
  t.same(keepRestartKeys(config(BASE), withTls, paths).server.tls, { cert: '/c', key: '/k' })
})

t.test('changedPaths lists leaves, lists as a whole, never values', async (t) => {
  const a = config(BASE + 'kerberos: { paths: ["/rest/**"] }\ndirectory: { admins: { users: [alice] } }\n')
  const b = config(BASE + 'kerberos: { paths: ["/rest/api/**"] }\ndirectory: { admins: { users: [alice, bob] } }\nanonymous: deny\n')
  t.same(changedPaths(a, b), ['anonymous', 'directory.admins.users', 'kerberos.paths'])
  t.same(changedPaths(a, a), [])
  t.same(changedPaths({ x: { y: 1 } }, { x: {} }), ['x.y'], 'a removed key')
  const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]))
  const out = changedPaths({}, many, 50)
  t.equal(out.length, 51)
  t.equal(out.at(-1), '…')
})

t.test('deepEqual', async (t) => {
  t.ok(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }))
  t.notOk(deepEqual({ a: [1, 2] }, { a: [2, 1] }))
  t.notOk(deepEqual([], {}))
  t.ok(deepEqual({ a: undefined }, {}), 'an undefined key is an absent key')
  t.notOk(deepEqual({ a: null }, {}))
  t.notOk(deepEqual(1, '1'))
})
