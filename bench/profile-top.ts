// Top self-time entries of a V8 .cpuprofile (what `node --cpu-prof` writes), grouped by function and file:
//   node dist/bench/profile-top.js FILE.cpuprofile [N=25]
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

const [file, n = '25'] = process.argv.slice(2)
if (file === undefined) {
  process.stderr.write('usage: profile-top.js FILE.cpuprofile [N]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] }
const byId = new Map(profile.nodes.map((x) => [x.id, x]))
function keyOf(node: Node): string {
  const f = node.callFrame
  const where = f.url === '' ? '' : ` ${f.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`
  return `${f.functionName || '(anonymous)'}${where}`
}
const counts = new Map<string, number>()
const hits = new Map<number, number>()
for (const id of profile.samples) {
  const key = keyOf(byId.get(id)!)
  counts.set(key, (counts.get(key) ?? 0) + 1)
  hits.set(id, (hits.get(id) ?? 0) + 1)
}
// Inclusive time: a function's own samples plus everything it called, each sample counted once per function.
const parent = new Map<number, number>()
for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id)
const inclusive = new Map<string, number>()
for (const [id, h] of hits) {
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const key = keyOf(byId.get(cur)!)
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + h)
  }
}
const total = profile.samples.length
const busy = total - (counts.get('(idle)') ?? 0)
const showInclusive = process.env['INCLUSIVE'] === '1'
const table = showInclusive ? inclusive : counts
process.stdout.write(`${total} samples, ${busy} not idle; ${showInclusive ? 'inclusive' : 'self'} time as % of not idle:\n`)
for (const [key, c] of [...table].filter(([k]) => k !== '(idle)' && k !== '(root)').sort((a, b) => b[1] - a[1]).slice(0, Number(n))) {
  process.stdout.write(`${((c / busy) * 100).toFixed(1).padStart(5)}%  ${key}\n`)
}
