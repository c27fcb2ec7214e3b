// Locations in the repository, whether a test runs from dist/test or elsewhere.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url))
    dir = up
  }
  return dir
}

export const ROOT = findRoot()
export const repoPath = (...segments: string[]): string => join(ROOT, ...segments)
export const CLI = repoPath('dist', 'src', 'cli.js')
