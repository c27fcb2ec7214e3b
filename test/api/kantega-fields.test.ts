// Scripts written from Kantega SSO's documentation must run unchanged: every field Kantega documents, in
// every resource restgate answers in Kantega's shape, has the documented name, JSON type and format
// (kantega-fields.ts). Extra fields are restgate's own and named; docs/management-api.md shows the same table.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy } from '../helpers/restgate.js'
import { api, basic, createToken } from '../helpers/tokens.js'
import { repoPath } from '../helpers/paths.js'
import { DAY_MS } from '../../src/tokens/lifetime.js'
import { CREATED, DEFAULT_TOKEN_NAME, EXPIRY_STATUS, LISTED, PING, RESOURCES, SNAPSHOT, type DocumentedResource } from './kantega-fields.js'

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

/** Each documented field: there (unless it belongs only to expiring tokens), of its type, in its format. */
function holdsTo(t: Test, resource: DocumentedResource, body: Record<string, unknown>, what: string, expiring: boolean): void {
  for (const f of resource.fields) {
    const label = `${what}: ${f.field}`
    if (f.expiringOnly === true && !expiring) {
      t.notOk(f.field in body, `${label} is left out for a token that never expires, as in Kantega's example`)
      continue
    }
    t.ok(f.field in body, `${label} is there`)
    t.equal(typeOf(body[f.field]), f.type, `${label} is a JSON ${f.type}`)
    t.match(String(body[f.field]), f.restgate?.format ?? f.format, `${label} has the documented format`)
  }
  const known = new Set([...resource.fields.map((f) => f.field), ...resource.additions])
  t.same(Object.keys(body).filter((k) => !known.has(k)), [], `${what}: no field that is neither Kantega's nor a documented addition`)
}

t.test("the table itself: each of Kantega's example values has its documented type and format", async (t) => {
  for (const resource of RESOURCES) {
    for (const f of resource.fields) {
      t.equal(typeof f.example, f.type, `${resource.name} ${f.field}`)
      t.match(String(f.example), f.format, `${resource.name} ${f.field}: ${String(f.example)}`)
      if (f.restgate !== undefined) t.notMatch(String(f.example), f.restgate.format, `${resource.name} ${f.field}: a deviation really deviates`)
    }
  }
  t.match('api_token_2022-01-04T17:29:02.042', DEFAULT_TOKEN_NAME, "Kantega's default token name")
})

t.test("restgate's answers: every documented field, type and format", async (t) => {
  const T0 = Date.UTC(2026, 10, 23, 9, 40, 7, 250)
  let now = T0
  const stub = await startStubJira(t)
  for (const u of ['alice', 'root']) stub.users.set(u, { password: `${u}-pw` })
  const rg = await startRestgate(
    t,
    testPolicy(stub.url, { directory: { admins: { users: ['root'] } }, apiTokens: { allowNonExpiring: true } }),
    { clock: { now: () => now } },
  )
  const alice = basic('alice', 'alice-pw')
  const root = basic('root', 'root-pw')

  const ping = await api(rg.url, '/rest/ksso/api/info/1.0/ping')
  holdsTo(t, PING, ping.json(), 'ping', true)

  const saved = await api(rg.url, '/rest/ksso/api/snapshot/1.0/config/snapshot/?description=test', { method: 'POST', auth: root })
  holdsTo(t, SNAPSHOT, saved.json(), 'saved snapshot', true)
  const snapshots = await api(rg.url, '/rest/ksso/api/snapshot/1.0/config/snapshot/', { auth: root })
  t.equal(typeOf(snapshots.json()), 'array', 'the snapshot list is a JSON array, as in the example')
  holdsTo(t, SNAPSHOT, snapshots.json<Array<Record<string, unknown>>>()[0]!, 'listed snapshot', true)

  const defaults = await createToken(rg.url, alice, {})
  holdsTo(t, CREATED, defaults, 'created with {}', true)
  t.match(defaults['tokenName'], DEFAULT_TOKEN_NAME)
  t.equal(defaults['validForDays'], '30')
  const forever = await createToken(rg.url, alice, { tokenName: 'non-expiring', isValidForever: true })
  holdsTo(t, CREATED, forever, 'created never expiring', false)
  t.match(forever, { validForDays: 'Forever', expiresAt: 'Never' })
  now += DAY_MS + 1000

  const mine = await api(rg.url, '/user/tokens', { auth: alice })
  t.same(Object.keys(mine.json()), ['allApiTokens'], 'user/tokens: { "allApiTokens": [...] }, as in the example')
  const listed = mine.json<{ allApiTokens: Array<Record<string, unknown>> }>().allApiTokens
  holdsTo(t, LISTED, listed.find((x) => x['id'] === defaults.id)!, 'user list, expiring', true)
  holdsTo(t, LISTED, listed.find((x) => x['id'] === forever.id)!, 'user list, never expiring', false)
  t.equal(listed.find((x) => x['id'] === defaults.id)!['timeUntilExpiryDays'], '28', '30 days less one day and a second: "28", whole days as text')

  const everyone = await api(rg.url, '/admin/tokens', { auth: root })
  t.same(Object.keys(everyone.json()), ['allApiTokens'])
  for (const entry of everyone.json<{ allApiTokens: Array<Record<string, unknown>> }>().allApiTokens) {
    holdsTo(t, LISTED, entry, `admin list, ${String(entry['tokenName'])}`, entry['expiresAt'] !== 'Never')
  }

  const status = await api(rg.url, `/user/expiry/status?id=${defaults.id}`, { auth: alice })
  holdsTo(t, EXPIRY_STATUS, status.json(), 'expiry status, expiring', true)
  const statusForever = await api(rg.url, `/user/expiry/status?id=${forever.id}`, { auth: alice })
  holdsTo(t, EXPIRY_STATUS, statusForever.json(), 'expiry status, never expiring', false)
})

t.test("docs/management-api.md lists the same fields, types and examples", async (t) => {
  const doc = readFileSync(repoPath('docs', 'management-api.md'), 'utf8')
  const rows = new Set(
    doc
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').slice(1, 5).map((c) => c.trim()).join(' | ')),
  )
  for (const resource of RESOURCES) {
    for (const f of resource.fields) {
      const example = f.type === 'string' ? `\`"${String(f.example)}"\`` : `\`${String(f.example)}\``
      const row = [`\`${resource.name}\``, `\`${f.field}\``, f.type, example].join(' | ')
      t.ok(rows.has(row), `docs table row: ${row}`)
    }
  }
})
