// A token's own `paths` must lie within `apiTokens.paths`: a glob that reaches further would promise access
// the policy never gives (requests outside apiTokens.paths are refused before the token is looked at).
// Decided on the globs themselves, segment by segment, so the check holds for every path, not a sample.
// Pure; conservative: when in doubt a glob counts as outside.

type Segment = { readonly any: true } | { readonly any: false; readonly re: RegExp; readonly text: string }

const REGEX_SPECIAL = /[\\^$.+?()[\]{}|]/g

function segmentsOf(glob: string): Segment[] {
  return glob
    .slice(1)
    .split('/')
    .map((s) =>
      s === '**'
        ? { any: true as const }
        : { any: false as const, text: s, re: new RegExp('^' + s.replace(REGEX_SPECIAL, '\\$&').replace(/\*/g, '[^/]*') + '$') },
    )
}

/** True when every path `inner` matches is also matched by `outer` (both valid globs, see match/glob.ts). */
export function globCovers(outer: string, inner: string): boolean {
  const o = segmentsOf(outer)
  const i = segmentsOf(inner)
  const memo = new Map<number, boolean>()
  const covers = (oi: number, ii: number): boolean => {
    const key = oi * 1024 + ii
    const known = memo.get(key)
    if (known !== undefined) return known
    let result: boolean
    if (oi === o.length) result = ii === i.length
    else {
      const os = o[oi]!
      if (os.any) {
        // `**` takes zero segments, or one more of inner's (whatever it is, `**` included).
        result = covers(oi + 1, ii) || (ii < i.length && covers(oi, ii + 1))
      } else if (ii === i.length) {
        result = false
      } else {
        const is = i[ii]!
        // One outer segment never covers inner's any-depth `**`. A `*` in inner's segment is matched as a
        // literal character, which only an outer `*` can take: so `a*` covers `ab*`, but `ab*` not `a*`.
        result = !is.any && os.re.test(is.text) && covers(oi + 1, ii + 1)
      }
    }
    memo.set(key, result)
    return result
  }
  return covers(0, 0)
}

/** The first of `globs` that is not within any of `allowed`, or undefined when all are. */
export function firstOutside(globs: readonly string[], allowed: readonly string[]): string | undefined {
  return globs.find((g) => !allowed.some((a) => globCovers(a, g)))
}
