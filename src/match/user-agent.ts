// User-agent rules decide only whether to send a Negotiate challenge. They are never a security control:
// a header match must not skip authentication that another rule requires (oauth2-proxy GHSA-5hvv-m4w4-gf6v).

export interface UserAgentMatcher {
  readonly empty: boolean
  matches(userAgent: string | undefined): boolean
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/g

/** A rule is `/regex/` (matched case-insensitively) or a case-insensitive substring. Throws when invalid. */
export function userAgentRuleSource(rule: string): string {
  if (rule.length === 0) throw new Error('an empty rule would match every user agent')
  if (rule.length >= 2 && rule.startsWith('/') && rule.endsWith('/')) {
    const body = rule.slice(1, -1)
    new RegExp(body, 'i') // throws SyntaxError with the reason
    return '(?:' + body + ')'
  }
  return rule.replace(REGEX_SPECIAL, '\\$&')
}

export function compileUserAgentMatcher(rules: readonly string[]): UserAgentMatcher {
  if (rules.length === 0) return { empty: true, matches: () => false }
  const re = new RegExp(rules.map(userAgentRuleSource).join('|'), 'i')
  return { empty: false, matches: (ua) => ua !== undefined && re.test(ua) }
}
