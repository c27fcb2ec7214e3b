// Error codes are an API: unique, well-formed, and each one documented in docs/errors.md.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { ERRORS, RgError } from '../src/errors.js'
import { repoPath } from './helpers/paths.js'

t.test('codes are well formed with HTTP error statuses', async (t) => {
  const codes = Object.keys(ERRORS)
  t.equal(new Set(codes).size, codes.length)
  for (const [code, def] of Object.entries(ERRORS)) {
    t.match(code, /^RG_ERR_[A-Z_]+$/, code)
    t.ok(def.status >= 400 && def.status <= 599, `${code} status ${def.status}`)
    t.ok(def.message.length > 10, `${code} has a message`)
  }
})

t.test('docs/errors.md lists exactly the codes in src/errors.ts, with their statuses', async (t) => {
  const doc = readFileSync(repoPath('docs', 'errors.md'), 'utf8')
  const documented = new Map<string, number>()
  for (const m of doc.matchAll(/^\| `(RG_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)) documented.set(m[1]!, Number(m[2]))
  for (const [code, def] of Object.entries(ERRORS)) t.equal(documented.get(code), def.status, `${code} documented`)
  t.same([...documented.keys()].filter((c) => !(c in ERRORS)), [], 'no stale codes in the doc')
})

t.test('RgError serializes to the public shape only', async (t) => {
  const e = new RgError('RG_ERR_TOKEN_EXPIRED', undefined, { 'retry-after': '5' })
  t.same(JSON.parse(JSON.stringify(e)), { code: 'RG_ERR_TOKEN_EXPIRED', message: ERRORS.RG_ERR_TOKEN_EXPIRED.message })
  t.equal(e.statusCode, 401)
  t.same(e.headers, { 'retry-after': '5' })
})
