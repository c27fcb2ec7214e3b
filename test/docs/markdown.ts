// Just enough Markdown for the link test: headings and inline links outside code, and GitHub's anchors.

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = []
  let fence: string | undefined
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(```+|~~~+)/.exec(line)
    if (m !== null) {
      if (fence === undefined) fence = m[1]![0]
      else if (m[1]![0] === fence) fence = undefined
      return
    }
    if (fence === undefined) out.push({ line: i + 1, text: line })
  })
  return out
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const { text: line } of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (m === null) continue
    const slug = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    out.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return out
}

export interface Link {
  readonly line: number
  readonly target: string
}

/** Inline links and images, `[text](target)` or `[text](<target>)`, outside code. */
export function linksOf(text: string): Link[] {
  const out: Link[] = []
  for (const { line, text: raw } of proseLines(text)) {
    const prose = raw.replace(/`[^`]*`/g, '')
    for (const m of prose.matchAll(/\]\((?:<([^>]+)>|([^)\s]+))(?:\s+"[^"]*")?\)/g)) out.push({ line, target: (m[1] ?? m[2])! })
  }
  return out
}
