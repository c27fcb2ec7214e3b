// The page's three files, read once at start from `public/tokenpage` next to `dist/` (the repository, the
// npm package and the Docker image all have that layout). The HTML gets the configured path filled in.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface PageAssets {
  readonly html: string
  readonly css: string
  readonly js: string
}

/** dist/src/tokenpage/assets.js → <root>/public/tokenpage/ */
export const ASSET_DIR = fileURLToPath(new URL('../../../public/tokenpage/', import.meta.url))

export function loadPageAssets(basePath: string, dir: string = ASSET_DIR): PageAssets {
  const read = (name: string): string => {
    try {
      return readFileSync(dir + name, 'utf8')
    } catch (err) {
      throw new Error(`the token page file ${dir + name} cannot be read (${(err as Error).message}); install public/tokenpage beside dist/, or set tokenPage.enabled: false`)
    }
  }
  // tokenPage.path is validated to [A-Za-z0-9._~-] segments: nothing in it needs HTML escaping.
  return { html: read('index.html').replaceAll('{{base}}', basePath), css: read('tokens.css'), js: read('tokens.js') }
}
