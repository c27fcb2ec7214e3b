// scripts/check-layers.mjs on small fixture trees: it passes a tree that keeps the layer order written in
// its docs/architecture.md, and names the import that goes up a layer, the folders and the files that
// import each other round a loop, and a file in no layer.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { repoPath } from '../helpers/paths.js'
import { tempDir } from '../helpers/tmp.js'

const run = promisify(execFile)
const SCRIPT = repoPath('scripts', 'check-layers.mjs')

const DOC = `# Architecture

\`\`\`layers
src/main.ts              # top
src/feature/ src/other/  # peers
src/words/               # ground
\`\`\`
`

/** A fixture repository: docs/architecture.md and the given files. */
function tree(t: Parameters<typeof tempDir>[0], files: Record<string, string>, doc = DOC): string {
  const root = tempDir(t, 'restgate-layers-')
  for (const [path, text] of Object.entries({ 'docs/architecture.md': doc, ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

async function check(root: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, '--root', root])
    return { code: 0, out: stdout + stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout + e.stderr }
  }
}

const GOOD = {
  'src/main.ts': "import { feature } from './feature/a.js'\nimport type { Word } from './words/word.js'\n",
  'src/feature/a.ts': "import type { Word } from '../words/word.js'\nimport { b } from './b.js'\nexport const feature = b\n",
  'src/feature/b.ts': "import {\n  other,\n} from '../other/o.js'\nexport const b = other\n",
  'src/other/o.ts': "export const other = await import('../words/word.js')\n",
  'src/words/word.ts': 'export type Word = string\n',
}

t.test('a tree that keeps the order passes', async (t) => {
  const { code, out } = await check(tree(t, GOOD))
  t.equal(code, 0, out)
  t.match(out, /5 files in 4 rooms on 3 layers: no upward import, no circle/)
})

t.test('an import that goes up a layer fails, type imports included', async (t) => {
  const root = tree(t, { ...GOOD, 'src/words/word.ts': "import type { feature } from '../feature/a.js'\nexport type Word = typeof feature\n" })
  const { code, out } = await check(root)
  t.equal(code, 1)
  t.match(out, 'upward import: src/words/word.ts imports src/feature/a.ts (src/words/ may not import src/feature/, a higher layer)')
})

t.test('files that import each other round a loop fail, inside one folder too', async (t) => {
  const root = tree(t, { ...GOOD, 'src/other/o.ts': "export { x } from './p.js'\nexport const other = 1\n", 'src/other/p.ts': "import { other } from './o.js'\nexport const x = other\n" })
  const { code, out } = await check(root)
  t.equal(code, 1)
  t.match(out, 'circle of files: src/other/o.ts ↔ src/other/p.ts')
})

t.test('peers that import each other both ways are a circle of folders', async (t) => {
  const root = tree(t, { ...GOOD, 'src/other/o.ts': "import '../feature/c.js'\nexport const other = 1\n", 'src/feature/c.ts': 'export const c = 1\n' })
  const { code, out } = await check(root)
  t.equal(code, 1)
  t.match(out, 'circle of rooms: src/feature/ ↔ src/other/')
  t.notMatch(out, 'circle of files', 'no file loop: feature/b → other/o → feature/c')
})

t.test('a file in no layer fails until its folder is placed', async (t) => {
  const { code, out } = await check(tree(t, { ...GOOD, 'src/extra/x.ts': 'export const x = 1\n' }))
  t.equal(code, 1)
  t.match(out, 'src/extra/x.ts is in no layer')
})

t.test('a doc without a layers block is a usage error, not a pass', async (t) => {
  const { code, out } = await check(tree(t, GOOD, '# Architecture\n'))
  t.equal(code, 2)
  t.match(out, 'no ```layers block')
})
