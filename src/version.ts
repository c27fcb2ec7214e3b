import { readFileSync } from 'node:fs'

/** restgate's version, from package.json (two levels above dist/src). */
export function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}
