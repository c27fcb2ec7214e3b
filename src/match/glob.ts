// Path globs over the canonical path, case-sensitive like Tomcat: `*` is one segment (or part of one),
// `**` is any depth including none, so `/rest/**` covers `/rest`, `/rest/` and `/rest/api/2/issue/X`.

export interface PathMatcher {
  readonly empty: boolean
  matches(path: string): boolean
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/g

/** Throws with a reason when the glob is not usable. */
export function globToRegexSource(glob: string): string {
  if (!glob.startsWith('/')) throw new Error(`"${glob}" must start with /`)
  if (glob.includes('***')) throw new Error(`"${glob}" has *** (use ** for any depth)`)
  let src = ''
  let i = 0
  while (i < glob.length) {
    if (glob.startsWith('/**', i) && (i + 3 === glob.length || glob[i + 3] === '/')) {
      // '/**' as a whole segment: zero or more segments
      src += '(?:/.*)?'
      i += 3
      continue
    }
    if (glob.startsWith('**', i)) throw new Error(`"${glob}" uses ** inside a segment; ** must be a whole segment`)
    const ch = glob[i]!
    if (ch === '*') src += '[^/]*'
    else src += ch.replace(REGEX_SPECIAL, '\\$&')
    i++
  }
  return src
}

export function compilePathMatcher(globs: readonly string[]): PathMatcher {
  if (globs.length === 0) return { empty: true, matches: () => false }
  const re = new RegExp('^(?:' + globs.map(globToRegexSource).join('|') + ')$')
  return { empty: false, matches: (path: string) => re.test(path) }
}
