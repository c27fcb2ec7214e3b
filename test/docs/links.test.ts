// Every relative link in README.md, BENCHMARKS.md and docs/ points at a file that exists, and every
// #anchor at a heading of that file (GitHub's anchors), so moving a section cannot leave a dead link.
import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { ROOT, repoPath } from '../helpers/paths.js'
import { anchorsOf, linksOf } from './markdown.js'

const pages = ['README.md', 'BENCHMARKS.md', ...readdirSync(repoPath('docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]

t.test('every relative link and anchor resolves', async (t) => {
  let checked = 0
  for (const page of pages) {
    const file = repoPath(page)
    const text = readFileSync(file, 'utf8')
    for (const link of linksOf(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) continue // https:, mailto:
      const [path, anchor] = link.target.split('#', 2) as [string, string | undefined]
      const target = path === '' ? file : join(dirname(file), decodeURIComponent(path))
      const where = `${page}:${link.line} → ${link.target}`
      checked++
      if (!existsSync(target)) {
        t.fail(`${where}: no file ${relative(ROOT, target)}`)
        continue
      }
      if (anchor !== undefined && anchor !== '') {
        t.ok(target.endsWith('.md') && anchorsOf(readFileSync(target, 'utf8')).has(anchor), `${where}: anchor exists`)
      }
    }
  }
  t.ok(checked > 20, `${checked} links checked`)
})

t.test('anchors and links are read the way GitHub reads them', async (t) => {
  const anchors = anchorsOf('# The policy file\n## `server.workers` (restart)\n```\n# not a heading\n```\n## Hot reload\n## Hot reload\n')
  t.same([...anchors], ['the-policy-file', 'serverworkers-restart', 'hot-reload', 'hot-reload-1'])
  const links = linksOf('See [a](a.md#x) and ![img](p.png).\n```\n[not](b.md)\n```\n`[code](c.md)` [d](<d e.md>)\n')
  t.same(links.map((l) => l.target), ['a.md#x', 'p.png', 'd e.md'])
})
