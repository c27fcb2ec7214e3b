// docs/policy-reference.md is generated from the policy schema (npm run docs). A schema change that is not
// regenerated fails here, and so does a key without a description: the page is the operators' reference.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { ConfigSchema } from '../../src/config/schema.js'
import { restartKeyPaths } from '../../src/config/restart-keys.js'
import { policySections, renderPolicyReference } from '../../scripts/policy-reference.js'
import { repoPath } from '../helpers/paths.js'

t.test('docs/policy-reference.md is what npm run docs writes from the schema', async (t) => {
  const onDisk = readFileSync(repoPath('docs', 'policy-reference.md'), 'utf8')
  t.ok(onDisk === renderPolicyReference(ConfigSchema), 'docs/policy-reference.md is stale: run npm run docs and commit it')
})

t.test('every key in the reference has a type and a description', async (t) => {
  const rows = policySections(ConfigSchema).flatMap((s) => s.rows)
  t.ok(rows.length > 50, `${rows.length} keys`)
  for (const r of rows) {
    t.ok(r.description.length > 0, `${r.key} has a description`)
    t.not(r.type, 'value', `${r.key} has a known type`)
  }
})

t.test('the reload column says restart exactly for the restart-only keys and what lies below them', async (t) => {
  const restart = restartKeyPaths(ConfigSchema).map((p) => p.join('.'))
  const rows = policySections(ConfigSchema).flatMap((s) => s.rows)
  for (const r of rows) {
    const key = r.key.slice(1, -1).replace(/\[\]/g, '')
    const below = restart.some((k) => key === k || key.startsWith(k + '.'))
    if (r.reload !== '') t.equal(r.reload, below ? 'restart' : 'live', r.key)
  }
  const listed = new Set(rows.map((r) => r.key.slice(1, -1)))
  for (const k of restart) t.ok(listed.has(k), `${k} is listed`)
})

t.test('defaults and required keys read as in the schema', async (t) => {
  const byKey = new Map(policySections(ConfigSchema).flatMap((s) => s.rows).map((r) => [r.key.slice(1, -1), r]))
  t.equal(byKey.get('server.port')?.default, '`8080`')
  t.equal(byKey.get('upstream.url')?.default, 'required in `upstream`', 'upstream itself is one of two forms (or products)')
  t.equal(byKey.get('server.tls.cert')?.default, 'required in `server.tls`')
  t.equal(byKey.get('identity.groupsHeader')?.default, 'none')
  t.equal(byKey.get('kerberos.paths')?.default, '`["/rest/**"]`')
  t.equal(byKey.get('kerberos.servicePrincipal')?.default, '`""`')
  t.equal(byKey.get('sessions.secure')?.type, '`auto` \\| `always` \\| `never`')
  t.equal(byKey.get('server.drainTimeout')?.type, 'duration')
  t.equal(byKey.get('store.redis.sentinels[].port')?.default, '`6379`')
})
