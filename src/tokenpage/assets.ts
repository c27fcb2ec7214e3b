// The page's three files, read once at start from `public/tokenpage` next to `dist/` (the repository, the
// npm package and the Docker image all have that layout). The HTML gets the page's path filled in, per
// product (the page sits under each product's context path).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface PageAssets {
  readonly html: string
  readonly css: string
  readonly js: string
}

/** dist/src/tokenpage/assets.js → <root>/public/tokenpage/ */
export const ASSET_DIR = fileURLToPath(new URL('../../../public/tokenpage/', import.meta.url))

export function loadPageAssets(dir: string = ASSET_DIR): PageAssets {
  const read = (name: string): string => {
    try {
      return readFileSync(dir + name, 'utf8')
    } catch (err) {
      throw new Error(`the token page file ${dir + name} cannot be read (${(err as Error).message}); install public/tokenpage beside dist/, or set tokenPage.enabled: false`)
    }
  }
  return { html: read('index.html'), css: read('tokens.css'), js: read('tokens.js') }
}

/** The page's HTML for the page at `basePath` (a context path plus tokenPage.path). */
export function pageHtml(assets: PageAssets, basePath: string): string {
  // Context paths and tokenPage.path are validated to [A-Za-z0-9._~-] segments: nothing needs HTML escaping.
  return assets.html.replaceAll('{{base}}', basePath)
}
