// restgate's version and the Node.js it needs, both from package.json. Nothing here may load more than
// node:fs: cli.ts runs the Node.js check before anything else is imported.
import { readFileSync } from 'node:fs'

interface PackageJson {
  readonly version: string
  readonly engines?: { readonly node?: string }
}

/** package.json, two levels above dist/src. */
function packageJson(): PackageJson {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson
}

export function readVersion(): string {
  return packageJson().version
}

/** The minimum of `engines.node` (">=24.11.0" gives "24.11.0"). */
export function minimumNodeVersion(): string {
  const range = packageJson().engines?.node ?? ''
  const m = /^>=\s*(\d+\.\d+\.\d+)$/.exec(range.trim())
  if (m === null) throw new Error(`package.json engines.node must read ">=x.y.z", not "${range}"`)
  return m[1]!
}

/** Whether version `have` (x.y.z, a leading "v" allowed) is at least `want`. */
export function atLeast(have: string, want: string): boolean {
  const a = have.replace(/^v/, '').split('.').map(Number)
  const b = want.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

/** What to tell someone who started restgate with too old a Node.js, or undefined when it is new enough. */
export function nodeVersionProblem(running = process.versions.node, execPath = process.execPath): string | undefined {
  const minimum = minimumNodeVersion()
  if (atLeast(running, minimum)) return undefined
  return (
    `restgate needs Node.js ${minimum} or newer, and this is Node.js ${running} (${execPath}).\n` +
    `In a checkout, run it as: bash scripts/node.sh dist/src/cli.js ... (it uses a new enough node, or fetches one);\n` +
    `elsewhere, install Node.js 24 LTS. An older Node.js cannot load restgate's native modules (better-sqlite3 crashes it).`
  )
}
