#!/usr/bin/env node
// Fails when an import goes up a layer or closes a circle. The layer order is written once, in the
// ```layers block of docs/architecture.md (top layer first, one layer a line, rooms by their path from the
// repository root: a folder ends in /, a file is named whole); this script only reads it. A file belongs to
// the room with the longest matching path, and every file under a named root (src/, bench/) must have one,
// so a new folder is placed in the order before it can be used.
//
// A file may import files of its own room, and of rooms in its own layer or below. Not allowed: an import of
// a room in a higher layer, two rooms that import each other (directly or round a loop), and files that
// import each other round a loop. Imports are read as text: every `import ... from`, `export ... from`,
// bare `import '...'` and `import('...')` with a relative path; `import type` counts, since a type ties the
// two rooms as much as a value does.
//
//   node scripts/check-layers.mjs [--root DIR]     DIR defaults to the repository this script is in
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const SOURCE = /\.(?:ts|mts|cts|js|mjs)$/

/** Layers, top first: each a list of rooms ('src/proxy/', 'src/main.ts'). */
export function parseLayers(markdown) {
  const block = /^```layers[ \t]*\r?\n([\s\S]*?)^```/m.exec(markdown)
  if (block === null) throw new Error('no ```layers block')
  const layers = []
  for (const line of block[1].split(/\r?\n/)) {
    const rooms = line.replace(/#.*/, '').trim().split(/\s+/).filter((r) => r.length > 0)
    if (rooms.length > 0) layers.push(rooms)
  }
  return layers
}

/** Relative specifiers a source file imports, as written. */
export function importsOf(text) {
  const out = []
  const patterns = [
    /^[ \t]*import[ \t]*(['"])([^'"]+)\1/gm,
    /^[ \t]*import[ \t]+[^;'"]*?[ \t\n}]from[ \t]*(['"])([^'"]+)\1/gm,
    /^[ \t]*export[ \t]+(?:type[ \t]+)?(?:\*|\*[ \t]+as[ \t]+\w+|\{[^}]*\})[ \t]*from[ \t]*(['"])([^'"]+)\1/gm,
    /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g,
  ]
  for (const re of patterns) for (const m of text.matchAll(re)) if (m[2].startsWith('.')) out.push(m[2])
  return out
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
}

/** The file an import names: TypeScript's `./x.js` means `./x.ts`. */
function resolveImport(root, from, spec) {
  const base = resolve(dirname(from), spec)
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base + '.ts', join(base, 'index.ts')]
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return relative(root, c).split(sep).join('/')
  return undefined
}

/** Strongly connected groups of more than one node (or a node that reaches itself): Tarjan's algorithm. */
function circles(nodes, edges) {
  let index = 0
  const idx = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const found = []
  function visit(v) {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
    }
    if (low.get(v) === idx.get(v)) {
      const group = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        group.push(w)
      } while (w !== v)
      if (group.length > 1 || (edges.get(v) ?? new Set()).has(v)) found.push(group.sort())
    }
  }
  for (const v of [...nodes].sort()) if (!idx.has(v)) visit(v)
  return found
}

/** Every problem of the tree at `root`, as lines; an empty list when the layering holds. */
export function checkLayers(root, docPath = join(root, 'docs', 'architecture.md')) {
  const problems = []
  const layers = parseLayers(readFileSync(docPath, 'utf8'))
  const layerOf = new Map()
  layers.forEach((rooms, i) => {
    for (const room of rooms) {
      if (layerOf.has(room)) problems.push(`${room} is named twice in the layers of ${relative(root, docPath)}`)
      layerOf.set(room, i)
    }
  })
  const roots = [...new Set([...layerOf.keys()].map((r) => r.split('/')[0] + (r.includes('/') ? '/' : '')))]
  const files = []
  for (const r of roots) {
    const path = join(root, r)
    if (!existsSync(path)) continue
    if (statSync(path).isDirectory()) walk(path, files)
    else files.push(path)
  }
  const byLength = [...layerOf.keys()].sort((a, b) => b.length - a.length)
  const roomOf = (file) => byLength.find((room) => (room.endsWith('/') ? file.startsWith(room) : file === room))

  const fileEdges = new Map()
  const roomEdges = new Map()
  const rel = files.map((f) => relative(root, f).split(sep).join('/')).sort()
  for (const file of rel) {
    const room = roomOf(file)
    if (room === undefined) {
      problems.push(`${file} is in no layer: name its folder in the layers of ${relative(root, docPath)}`)
      continue
    }
    const targets = new Set()
    for (const spec of importsOf(readFileSync(join(root, file), 'utf8'))) {
      const target = resolveImport(root, join(root, file), spec)
      if (target === undefined || !rel.includes(target)) continue
      targets.add(target)
      const targetRoom = roomOf(target)
      if (targetRoom === undefined || targetRoom === room) continue
      if (layerOf.get(targetRoom) < layerOf.get(room)) {
        problems.push(`upward import: ${file} imports ${target} (${room} may not import ${targetRoom}, a higher layer)`)
      } else {
        if (!roomEdges.has(room)) roomEdges.set(room, new Set())
        roomEdges.get(room).add(targetRoom)
      }
    }
    fileEdges.set(file, targets)
  }
  for (const group of circles(new Set(roomEdges.keys()), roomEdges)) problems.push(`circle of rooms: ${group.join(' ↔ ')}`)
  for (const group of circles(new Set(fileEdges.keys()), fileEdges)) problems.push(`circle of files: ${group.join(' ↔ ')}`)
  return { problems, layers: layers.length, rooms: layerOf.size, files: fileEdges.size }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--root')
  const root = at === -1 ? resolve(dirname(fileURLToPath(import.meta.url)), '..') : resolve(args[at + 1] ?? '.')
  let result
  try {
    result = checkLayers(root)
  } catch (err) {
    console.error(`check-layers: ${err.message}`)
    process.exit(2)
  }
  for (const p of result.problems) console.error(`check-layers: ${p}`)
  if (result.problems.length > 0) {
    console.error(`check-layers: ${result.problems.length} problem(s); the layer order is in docs/architecture.md`)
    process.exit(1)
  }
  console.log(`check-layers: ${result.files} files in ${result.rooms} rooms on ${result.layers} layers: no upward import, no circle`)
}
