// apitokens/2.0 as Kantega SSO 5.7 scripts see it: paths, field names and types, status codes, and every
// bad input answered with a JSON code while the store stays exactly as it was.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import { startStubJira } from '../helpers/stub-jira.js'
import { startRestgate, testPolicy, type PolicyInput, type TestRestgate } from '../helpers/restgate.js'
import { api, basic, bearer, createToken } from '../helpers/tokens.js'
import { localDateTime } from '../../src/time.js'
import { generateToken } from '../../src/tokens/format.js'
import { DAY_MS } from '../../src/tokens/lifetime.js'
import type { StartOptions } from '../../src/main.js'

type T = Parameters<typeof startStubJira>[0]

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0)

async function setup(t: T, extra: PolicyInput = {}, options: Partial<StartOptions> = {}) {
  const stub = await startStubJira(t)
  for (const u of ['alice', 'bob', 'root', 'carol']) stub.users.set(u, { password: `${u}-pw` })
  const rg = await startRestgate(t, testPolicy(stub.url, { directory: { admins: { users: ['root'] } }, ...extra }), options)
  return {
    stub,
    rg,
    alice: basic('alice', 'alice-pw'),
    bob: basic('bob', 'bob-pw'),
    root: basic('root', 'root-pw'),
    carol: basic('carol', 'carol-pw'),
  }
}

/** Everything the store holds about tokens, to prove a refused request changed nothing. */
const tokensOf = async (rg: TestRestgate): Promise<string> => JSON.stringify(await rg.store.listTokens())

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)
const shape = (o: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.keys(o).sort().map((k) => [k, typeOf(o[k])]))

const LOCAL_MINUTES = /^\d{4}-\d\d-\d\dT\d\d:\d\d$/

t.test('create: Kantega 5.7 fields and types; {} gives the defaults', async (t) => {
  const clock = { now: () => T0 }
  const { rg, alice } = await setup(t, {}, { clock })
  const res = await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: {} })
  t.equal(res.status, 201)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.same(shape(body), {
    apiToken: 'string', description: 'string', expiresAt: 'string', expiresAtMillis: 'number', id: 'number',
    paths: 'null', scope: 'string', tokenName: 'string', validForDays: 'string',
  })
  t.match(body['apiToken'], /^rgt_[0-9A-Za-z]{49}$/)
  t.equal(body['validForDays'], '30')
  t.equal(body['expiresAtMillis'], T0 + 30 * DAY_MS)
  t.equal(body['expiresAt'], localDateTime(T0 + 30 * DAY_MS, 'minutes'))
  t.match(body['expiresAt'], LOCAL_MINUTES)
  t.equal(body['tokenName'], `api_token_${localDateTime(T0, 'millis')}`)
  t.match(body['tokenName'], /^api_token_\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/)
  t.equal(body['description'], '')
  t.equal(body['scope'], 'write')

  const named = await api(rg.url, '/user/tokens', {
    method: 'POST',
    auth: alice,
    body: { tokenName: 'Example name', description: "Longer free-text optional description about the token's purpose", validForDays: '180' },
  })
  t.equal(named.status, 201)
  t.match(named.json(), { tokenName: 'Example name', description: "Longer free-text optional description about the token's purpose", validForDays: '180', expiresAtMillis: T0 + 180 * DAY_MS })
  const numeric = await createToken(rg.url, alice, { validForDays: 7 })
  t.equal(numeric['validForDays'], '7')
  const bodiless = await api(rg.url, '/user/tokens', { method: 'POST', auth: alice })
  t.equal(bodiless.status, 201, 'a POST with no body at all is {}')
})

t.test('isValidForever: "Forever" / "Never" where allowed, 400 with the limit where not', async (t) => {
  const { rg, alice } = await setup(t, { apiTokens: { allowNonExpiring: true } })
  const body = await createToken(rg.url, alice, { tokenName: 'forever', isValidForever: true })
  t.same(shape(body), { apiToken: 'string', description: 'string', expiresAt: 'string', id: 'number', paths: 'null', scope: 'string', tokenName: 'string', validForDays: 'string' })
  t.equal(body['validForDays'], 'Forever')
  t.equal(body['expiresAt'], 'Never')

  const strict = await setup(t, { apiTokens: { maxLifetimeDays: 90 } })
  const before = await tokensOf(strict.rg)
  const res = await api(strict.rg.url, '/user/tokens', { method: 'POST', auth: strict.alice, body: { isValidForever: true } })
  t.equal(res.status, 400)
  t.equal(res.json()['code'], 'RG_ERR_TOKEN_LIFETIME')
  t.match(res.json()['message'], /90 days/)
  t.equal(await tokensOf(strict.rg), before)
})

t.test('list: the caller\'s own tokens, newest first, never a secret or hash', async (t) => {
  const clock = { now: () => T0 }
  const { rg, alice, bob } = await setup(t, {}, { clock })
  const first = await createToken(rg.url, alice, { tokenName: 'first' })
  const second = await createToken(rg.url, alice, { tokenName: 'second', description: 'd' })
  await createToken(rg.url, bob, { tokenName: 'bobs' })
  for (const version of ['2.0', 'latest']) {
    const res = await api(rg.url, `/rest/ksso/api/apitokens/${version}/user/tokens`, { auth: alice })
    t.equal(res.status, 200, version)
    t.same(Object.keys(res.json()), ['allApiTokens'], `${version}: in Kantega's wrapper`)
    const list = res.json<{ allApiTokens: Array<Record<string, unknown>> }>().allApiTokens
    t.same(list.map((x) => x['tokenName']), ['second', 'first'], `${version}: newest first, only alice's`)
    t.same(shape(list[0]!), {
      active: 'boolean', createdAt: 'string', createdAtMillis: 'number', description: 'string', expired: 'boolean',
      expiresAt: 'string', expiresAtMillis: 'number', id: 'number', lastUsedAtMillis: 'null', lastUsedIp: 'null',
      paths: 'null', scope: 'string', timeUntilExpiryDays: 'string', timeUntilExpiryMillis: 'number', tokenName: 'string',
      username: 'string', validForDays: 'string',
    })
    t.match(list[0], { id: second.id, username: 'alice', createdAtMillis: T0, createdAt: localDateTime(T0, 'seconds'), timeUntilExpiryDays: '30', timeUntilExpiryMillis: 30 * DAY_MS, active: true, expired: false })
    const text = res.body.toString()
    t.notMatch(text, first.apiToken)
    t.notMatch(text, second.apiToken)
    t.notMatch(text, /apiToken|hash|rgt_/, 'no secret or hash field')
  }
})

t.test('expiry status: Kantega fields; another user\'s id reads like an unknown one', async (t) => {
  let now = T0
  const { rg, alice, bob } = await setup(t, {}, { clock: { now: () => now } })
  const tok = await createToken(rg.url, alice, { description: 'nightly', validForDays: 10 })
  now += 2.5 * DAY_MS
  const res = await api(rg.url, `/user/expiry/status?id=${tok.id}`, { auth: alice })
  t.equal(res.status, 200)
  t.same(res.json(), {
    expiresAt: localDateTime(T0 + 10 * DAY_MS, 'minutes'),
    apiTokenDescription: 'nightly',
    id: tok.id,
    timeUntilExpiryMillis: 7.5 * DAY_MS,
    timeUntilExpiryDays: '7',
  })
  const other = await api(rg.url, `/user/expiry/status?id=${tok.id}`, { auth: bob })
  t.equal(other.status, 404)
  t.equal(other.json()['code'], 'RG_ERR_UNKNOWN_ID')
  const unknown = await api(rg.url, '/user/expiry/status?id=99999', { auth: bob })
  t.same(unknown.json()['code'], other.json()['code'])
})

t.test('refresh: extends by the original lifetime from now, same secret, with {apiToken} or the token itself', async (t) => {
  let now = T0
  const { rg, alice, bob } = await setup(t, {}, { clock: { now: () => now } })
  const tok = await createToken(rg.url, alice, { validForDays: 10 })
  now += 4 * DAY_MS
  const viaBody = await api(rg.url, '/user/refresh', { method: 'PUT', auth: alice, body: { apiToken: tok.apiToken } })
  t.equal(viaBody.status, 200)
  t.match(viaBody.json(), { id: tok.id, expiresAtMillis: now + 10 * DAY_MS, validForDays: '10' })
  now += DAY_MS
  const viaAuth = await api(rg.url, '/rest/ksso/api/apitokens/latest/user/refresh', { method: 'PUT', auth: bearer(tok.apiToken) })
  t.equal(viaAuth.status, 200)
  t.equal(viaAuth.json()['expiresAtMillis'], now + 10 * DAY_MS)
  const use = await api(rg.url, '/rest/api/2/myself', { auth: basic('alice', tok.apiToken) })
  t.equal(use.status, 200, 'the same secret still works')

  const before = await tokensOf(rg)
  const notOwner = await api(rg.url, '/user/refresh', { method: 'PUT', auth: bob, body: { apiToken: tok.apiToken } })
  t.equal(notOwner.status, 404, 'another user\'s token, even with its secret')
  t.equal(notOwner.json()['code'], 'RG_ERR_UNKNOWN_ID')
  now += 11 * DAY_MS
  const expired = await api(rg.url, '/user/refresh', { method: 'PUT', auth: alice, body: { apiToken: tok.apiToken } })
  t.equal(expired.status, 401)
  t.equal(expired.json()['code'], 'RG_ERR_TOKEN_EXPIRED')
  t.equal(await tokensOf(rg), before, 'refused refreshes changed nothing')
})

t.test('refresh with Content-Type: application/json and no body refreshes the token in Authorization, as Kantega does', async (t) => {
  let now = T0
  const { rg, alice } = await setup(t, {}, { clock: { now: () => now } })
  const tok = await createToken(rg.url, alice, { validForDays: 10 })
  now += 3 * DAY_MS
  // curl -X PUT -H 'Content-Type: application/json' -H 'Authorization: Bearer ...' .../user/refresh
  const res = await api(rg.url, '/user/refresh', { method: 'PUT', auth: bearer(tok.apiToken), headers: { 'content-type': 'application/json' } })
  t.equal(res.status, 200)
  t.equal(res.json()['expiresAtMillis'], now + 10 * DAY_MS)
  now += DAY_MS
  const zeroBytes = await api(rg.url, '/user/refresh', { method: 'PUT', auth: bearer(tok.apiToken), body: '' })
  t.equal(zeroBytes.status, 200, 'a zero-length JSON body is no body too')
  t.equal(zeroBytes.json()['expiresAtMillis'], now + 10 * DAY_MS)
  const created = await api(rg.url, '/user/tokens', { method: 'POST', auth: alice, body: '' })
  t.equal(created.status, 201, 'POST user/tokens with zero bytes of JSON gives the defaults, like {}')
  t.equal(created.json()['validForDays'], '30')
  const before = await tokensOf(rg)
  const spaces = await api(rg.url, '/user/refresh', { method: 'PUT', auth: bearer(tok.apiToken), body: '  ' })
  t.equal(spaces.status, 400, 'a body that is there but not JSON is still refused')
  t.equal(spaces.json()['code'], 'RG_ERR_BAD_REQUEST')
  const poisoned = await api(rg.url, '/user/refresh', { method: 'PUT', auth: bearer(tok.apiToken), body: '{"__proto__":{"id":1}}' })
  t.equal(poisoned.status, 400, "Fastify's prototype-poisoning check still runs")
  t.equal(await tokensOf(rg), before)
})

t.test('decimal ids only: 0x10, 1e1, +1, " 1", 01 never name another token', async (t) => {
  const { rg, alice, root } = await setup(t)
  const policy = rg.runtime.current.policy
  for (let i = 1; i <= 16; i++) await rg.tokens.service.create('alice', { name: `t${i}` }, policy)
  t.same((await rg.store.listTokens('alice')).map((r) => r.id).sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i + 1))
  const before = await tokensOf(rg)
  for (const id of ['0x10', '1e1', '+1', '%201', '1%20', '01', '1.0', '-0', '0b1', '0o1', '1_0', 'Infinity', '%EF%BC%91']) {
    for (const [method, path] of [['DELETE', `/user/delete/${id}`], ['DELETE', `/admin/delete/${id}`], ['GET', `/user/expiry/status?id=${id}`]] as const) {
      const res = await api(rg.url, path, { method, auth: path.startsWith('/admin') ? root : alice })
      t.equal(res.status, 400, `${method} ${path}`)
      t.equal(res.json()['code'], 'RG_ERR_BAD_REQUEST', `${method} ${path}`)
      t.match(res.json()['message'], /id must be a token id in decimal digits/, `${method} ${path}`)
    }
  }
  t.equal(await tokensOf(rg), before, 'no token was deleted by a look-alike id')
  const status = await api(rg.url, '/user/expiry/status?id=16', { auth: alice })
  t.equal(status.status, 200)
  t.equal(status.json()['id'], 16, 'the decimal id still answers')
  const deleted = await api(rg.url, '/user/delete/16', { method: 'DELETE', auth: alice })
  t.equal(deleted.status, 200)
  t.equal(await rg.store.getToken(16), null)
})

t.test('delete: own tokens only (plain-text confirmation), 404 for others and unknown ids', async (t) => {
  const { rg, alice, bob } = await setup(t)
  const mine = await createToken(rg.url, alice, { tokenName: 'mine' })
  const bobs = await createToken(rg.url, bob, { tokenName: 'bobs' })
  const before = await tokensOf(rg)
  const theirs = await api(rg.url, `/user/delete/${bobs.id}`, { method: 'DELETE', auth: alice })
  t.equal(theirs.status, 404)
  t.equal(theirs.json()['code'], 'RG_ERR_UNKNOWN_ID')
  t.equal(await tokensOf(rg), before, 'bob\'s token is untouched')
  const res = await api(rg.url, `/user/delete/${mine.id}`, { method: 'DELETE', auth: alice })
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^text\/plain/)
  t.match(res.body.toString(), new RegExp(`API token ${mine.id} .*deleted`))
  const again = await api(rg.url, `/user/delete/${mine.id}`, { method: 'DELETE', auth: alice })
  t.equal(again.status, 404)
  t.equal((await api(rg.url, '/rest/api/2/x', { auth: bearer(mine.apiToken) })).status, 401, 'the deleted token stops working')
  t.equal((await api(rg.url, '/rest/api/2/x', { auth: bearer(bobs.apiToken) })).status, 200)
})

t.test('admin: every user\'s tokens with username; delete any; 403 for everyone else', async (t) => {
  const { rg, alice, bob, root } = await setup(t)
  const a = await createToken(rg.url, alice, { tokenName: 'a' })
  const b = await createToken(rg.url, bob, { tokenName: 'b' })
  const before = await tokensOf(rg)
  for (const [method, path] of [['GET', '/admin/tokens'], ['DELETE', `/admin/delete/${a.id}`], ['GET', '/rest/ksso/api/apitokens/latest/admin/tokens']] as const) {
    const res = await api(rg.url, path, { method, auth: alice })
    t.equal(res.status, 403, `${method} ${path}`)
    t.equal(res.json()['code'], 'RG_ERR_FORBIDDEN')
  }
  t.equal(await tokensOf(rg), before, 'a non-admin changed nothing')

  const list = await api(rg.url, '/admin/tokens', { auth: root })
  t.equal(list.status, 200)
  const all = list.json<{ allApiTokens: Array<Record<string, unknown>> }>()
  t.same(Object.keys(all), ['allApiTokens'])
  t.same(all.allApiTokens.map((x) => [x['id'], x['username']]), [[b.id, 'bob'], [a.id, 'alice']])
  t.notMatch(list.body.toString(), /rgt_/)
  const del = await api(rg.url, `/admin/delete/${b.id}`, { method: 'DELETE', auth: root })
  t.equal(del.status, 200)
  t.match(del.headers['content-type'], /^text\/plain/)
  const unknown = await api(rg.url, `/admin/delete/${b.id}`, { method: 'DELETE', auth: root })
  t.equal(unknown.status, 404)
  t.equal(unknown.json()['code'], 'RG_ERR_UNKNOWN_ID')
  t.same((await rg.store.listTokens()).map((r) => r.id), [a.id])
})

t.test('creators.groups: only members and admins create; a user who left keeps inactive tokens', async (t) => {
  const groups = (members: string[]): PolicyInput => ({ apiTokens: { creators: { groups: ['api-users'] } }, directory: { admins: { users: ['root'] }, groups: { 'api-users': members } } })
  const { rg, alice, bob, root } = await setup(t, groups(['alice']))
  const tok = await createToken(rg.url, alice)
  await createToken(rg.url, root)
  const before = await tokensOf(rg)
  const refused = await api(rg.url, '/user/tokens', { method: 'POST', auth: bob, body: {} })
  t.equal(refused.status, 403)
  t.equal(refused.json()['code'], 'RG_ERR_TOKEN_NOT_ALLOWED')
  t.equal(await tokensOf(rg), before)

  const policy = parse(readFileSync(rg.configPath, 'utf8')) as PolicyInput
  writeFileSync(rg.configPath, stringify({ ...policy, ...groups([]) }))
  t.equal((await rg.reload('test')).applied, true)
  const list = await api(rg.url, '/user/tokens', { auth: alice })
  t.same(list.json<{ allApiTokens: Array<{ active: boolean }> }>().allApiTokens.map((x) => x.active), [false], '"active": false in the list')
  const used = await api(rg.url, '/rest/api/2/x', { auth: basic('alice', tok.apiToken) })
  t.equal(used.status, 401)
  t.equal(used.json()['code'], 'RG_ERR_TOKEN_INACTIVE')
  const admin = await api(rg.url, '/admin/tokens', { auth: root })
  t.same(admin.json<{ allApiTokens: Array<{ username: string; active: boolean }> }>().allApiTokens.map((x) => [x.username, x.active]), [['root', true], ['alice', false]])
})

t.test('bad input: a clear 4xx with a JSON code, and nothing in the store changes', async (t) => {
  const { rg, alice } = await setup(t)
  const tok = await createToken(rg.url, alice, { tokenName: 'kept' })
  const before = await tokensOf(rg)
  const cases: Array<[string, string, string | undefined, Record<string, unknown> | string | undefined, number, string, RegExp]> = [
    // [what, method path, content type, body, status, code, message]
    ['garbage JSON', 'POST /user/tokens', undefined, '{"tokenName":', 400, 'RG_ERR_BAD_REQUEST', /JSON/],
    ['an array', 'POST /user/tokens', undefined, '[]', 400, 'RG_ERR_BAD_REQUEST', /must be a JSON object/],
    ['null', 'POST /user/tokens', undefined, 'null', 400, 'RG_ERR_BAD_REQUEST', /must be a JSON object/],
    ['a string', 'POST /user/tokens', undefined, '"x"', 400, 'RG_ERR_BAD_REQUEST', /must be a JSON object/],
    ['a JSON body of white space', 'POST /user/tokens', undefined, ' ', 400, 'RG_ERR_BAD_REQUEST', /not valid JSON/],
    ['form encoding', 'POST /user/tokens', 'application/x-www-form-urlencoded', 'tokenName=x', 415, 'RG_ERR_UNSUPPORTED_MEDIA_TYPE', /content type/i],
    ['tokenName a number', 'POST /user/tokens', undefined, { tokenName: 5 }, 400, 'RG_ERR_BAD_REQUEST', /body\.tokenName must be text/],
    ['tokenName too long', 'POST /user/tokens', undefined, { tokenName: 'x'.repeat(201) }, 400, 'RG_ERR_BAD_REQUEST', /body\.tokenName/],
    ['description a list', 'POST /user/tokens', undefined, { description: [] }, 400, 'RG_ERR_BAD_REQUEST', /body\.description/],
    ['validForDays true', 'POST /user/tokens', undefined, { validForDays: true }, 400, 'RG_ERR_BAD_REQUEST', /body\.validForDays must be a whole number/],
    ['validForDays text', 'POST /user/tokens', undefined, { validForDays: 'thirty' }, 400, 'RG_ERR_BAD_REQUEST', /body\.validForDays/],
    ['validForDays 1.5', 'POST /user/tokens', undefined, { validForDays: 1.5 }, 400, 'RG_ERR_BAD_REQUEST', /body\.validForDays/],
    ['validForDays -1', 'POST /user/tokens', undefined, { validForDays: -1 }, 400, 'RG_ERR_BAD_REQUEST', /body\.validForDays/],
    ['validForDays "-1"', 'POST /user/tokens', undefined, { validForDays: '-1' }, 400, 'RG_ERR_BAD_REQUEST', /body\.validForDays/],
    ['validForDays 0', 'POST /user/tokens', undefined, { validForDays: 0 }, 400, 'RG_ERR_BAD_REQUEST', /body\.validForDays/],
    ['validForDays huge', 'POST /user/tokens', undefined, { validForDays: 1e15 }, 400, 'RG_ERR_TOKEN_LIFETIME', /limit of 365 days/],
    ['validForDays "huge"', 'POST /user/tokens', undefined, { validForDays: '99999999999999' }, 400, 'RG_ERR_TOKEN_LIFETIME', /limit of 365 days/],
    ['validForDays 366', 'POST /user/tokens', undefined, { validForDays: 366 }, 400, 'RG_ERR_TOKEN_LIFETIME', /366 days .* limit of 365 days/],
    ['isValidForever "yes"', 'POST /user/tokens', undefined, { isValidForever: 'yes' }, 400, 'RG_ERR_BAD_REQUEST', /body\.isValidForever must be true or false/],
    ['an unknown field', 'POST /user/tokens', undefined, { validForDay: 5 }, 400, 'RG_ERR_BAD_REQUEST', /body\.validForDay is not a known field/],
    ['id not a number', 'DELETE /user/delete/abc', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /path parameter id must be a token id/],
    ['id 0', 'DELETE /user/delete/0', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /path parameter id/],
    ['id negative', 'DELETE /user/delete/-3', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /path parameter id/],
    ['id huge', 'DELETE /user/delete/99999999999999999999', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /path parameter id/],
    ['id 1.0', 'DELETE /user/delete/1.0', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /path parameter id must be a token id in decimal digits/],
    ['unknown id', 'DELETE /user/delete/424242', undefined, undefined, 404, 'RG_ERR_UNKNOWN_ID', /no API token with id 424242/],
    ['status without id', 'GET /user/expiry/status', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /query parameter id is required/],
    ['status with a bad id', 'GET /user/expiry/status?id=1x', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /query parameter id/],
    ['status with two ids', `GET /user/expiry/status?id=${tok.id}&id=${tok.id}`, undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /query parameter id/],
    ['status of an unknown id', 'GET /user/expiry/status?id=424242', undefined, undefined, 404, 'RG_ERR_UNKNOWN_ID', /424242/],
    ['refresh with nothing to refresh', 'PUT /user/refresh', undefined, undefined, 400, 'RG_ERR_BAD_REQUEST', /apiToken/],
    ['refresh a password', 'PUT /user/refresh', undefined, { apiToken: 'hunter2' }, 400, 'RG_ERR_BAD_REQUEST', /not a restgate API token/],
    ['refresh a damaged token', 'PUT /user/refresh', undefined, { apiToken: tok.apiToken.slice(0, -1) + 'x' }, 400, 'RG_ERR_BAD_REQUEST', /checksum/],
    ['refresh an unknown token', 'PUT /user/refresh', undefined, { apiToken: generateToken() }, 404, 'RG_ERR_UNKNOWN_ID', /no such API token/],
    ['refresh with apiToken a number', 'PUT /user/refresh', undefined, { apiToken: 5 }, 400, 'RG_ERR_BAD_REQUEST', /body\.apiToken/],
    ['refresh with an unknown field', 'PUT /user/refresh', undefined, { token: tok.apiToken }, 400, 'RG_ERR_BAD_REQUEST', /body\.token is not a known field/],
  ]
  for (const [what, route, type, body, status, code, message] of cases) {
    const [method, path] = route.split(' ') as [string, string]
    const res = await api(rg.url, path, { method, auth: alice, body, headers: type === undefined ? {} : { 'content-type': type } })
    t.equal(res.status, status, `${what}: status`)
    t.match(res.headers['content-type'], /application\/json/, `${what}: JSON`)
    t.equal(res.json()['code'], code, `${what}: code`)
    t.match(res.json()['message'], message, `${what}: message`)
  }
  t.equal(await tokensOf(rg), before, 'no refused request changed a token')
})

t.test('identity: none is 401 with a Basic challenge; a wrong Jira password is 401; nothing reaches the proxy', async (t) => {
  const { rg, stub } = await setup(t)
  const none = await api(rg.url, '/user/tokens')
  t.equal(none.status, 401)
  t.equal(none.json()['code'], 'RG_ERR_UNAUTHENTICATED')
  t.match(String(none.headers['www-authenticate']), /Basic realm="restgate"/)
  const wrong = await api(rg.url, '/user/tokens', { method: 'POST', auth: basic('alice', 'nope'), body: {} })
  t.equal(wrong.status, 401)
  t.equal(wrong.json()['code'], 'RG_ERR_LOGIN_FAILED')
  t.same(await rg.store.listTokens(), [])
  t.ok(stub.requests.every((r) => r.url === '/rest/api/2/myself'), 'Jira was only asked who the caller is')
})

t.test('audit: who, what, which token, from where; never the secret', async (t) => {
  const { rg, alice } = await setup(t)
  const tok = await createToken(rg.url, alice, { tokenName: 'audited' })
  await api(rg.url, '/user/refresh', { method: 'PUT', auth: bearer(tok.apiToken) })
  await api(rg.url, `/user/delete/${tok.id}`, { method: 'DELETE', auth: alice })
  const audit = rg.logs.lines.filter((l) => l['audit'] === true)
  t.same(audit.map((l) => l['event']), ['token.create', 'token.refresh', 'token.delete'])
  for (const l of audit) t.match(l, { actor: 'alice', owner: 'alice', tokenId: tok.id, tokenName: 'audited', ip: '127.0.0.1', via: 'api' })
  t.match(audit[0], { auth: 'password' })
  t.match(audit[1], { auth: 'token' })
  const stored = await rg.store.listTokens()
  t.equal(stored.length, 0)
  t.notMatch(rg.logs.text(), tok.apiToken, 'the secret is in no log line')
  t.notMatch(rg.logs.text(), /rgt_/, 'nor any part of it with the prefix')
})
