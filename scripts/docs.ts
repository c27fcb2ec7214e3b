// `npm run docs`: writes the generated pages under docs/. With --check, writes nothing and exits 1 when a
// page is not what the schema gives (CI runs the same comparison as a test).
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigSchema } from '../src/config/schema.js'
import { renderPolicyReference } from './policy-reference.js'

// dist/scripts/docs.js → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const pages: Record<string, string> = { 'docs/policy-reference.md': renderPolicyReference(ConfigSchema) }

const check = process.argv.includes('--check')
let stale = 0
for (const [page, text] of Object.entries(pages)) {
  const file = join(root, page)
  let have: string | undefined
  try {
    have = readFileSync(file, 'utf8')
  } catch {
    have = undefined
  }
  if (have === text) continue
  if (check) {
    console.error(`${page} is stale: run npm run docs`)
    stale++
  } else {
    writeFileSync(file, text)
    console.log(`wrote ${page}`)
  }
}
process.exitCode = stale === 0 ? 0 : 1
