// From the principal the acceptor authenticated (`alice@EXAMPLE.COM`) to the Jira username restgate
// sends upstream. Pure; compiled once per policy.
//
// Order: realm acceptance first (a realm that is not accepted is refused whatever the map says), then the
// first principalMap rule whose regex matches the whole principal, else stripRealm, then lowercase.
// With no `realms` listed, only the realms of the keytab's own keys are accepted: a cross-realm trust
// (an Active Directory forest trust) must not make bob@OTHER.REALM into the local user "bob" unasked.
import type { Config } from '../config/schema.js'

export interface PrincipalRule {
  readonly match: RegExp
  readonly replace: string
}

export interface PrincipalRules {
  readonly realms: ReadonlySet<string>
  readonly stripRealm: boolean
  readonly map: readonly PrincipalRule[]
  readonly lowercase: boolean
}

export type MappedPrincipal =
  | { readonly ok: true; readonly user: string; readonly realm: string }
  | { readonly ok: false; readonly reason: 'realm' | 'unusable'; readonly realm: string; readonly detail: string }

export function compilePrincipalRules(k: Config['kerberos'], keytabRealms: Iterable<string>): PrincipalRules {
  return {
    realms: new Set(k.realms.length > 0 ? k.realms : keytabRealms),
    stripRealm: k.stripRealm,
    // A rule applies when its regex matches the whole principal, so `(.*)@OLD\.REALM` cannot match a prefix.
    map: k.principalMap.map((r) => ({ match: new RegExp(`^(?:${r.match})$`), replace: r.replace })),
    lowercase: k.lowercase,
  }
}

/** Splits at the last unescaped `@` (an enterprise principal is displayed `alice\@corp.com@CORP.COM`). */
export function splitPrincipal(principal: string): { name: string; realm: string } {
  for (let i = principal.length - 1; i >= 0; i--) {
    if (principal[i] !== '@') continue
    let slashes = 0
    for (let j = i - 1; j >= 0 && principal[j] === '\\'; j--) slashes++
    if (slashes % 2 === 0) return { name: principal.slice(0, i), realm: principal.slice(i + 1) }
  }
  return { name: principal, realm: '' }
}

/** Undoes the display escaping of a principal name component (`\@`, `\/`, `\\`). */
function unescapeName(name: string): string {
  return name.replace(/\\([@/\\])/g, '$1')
}

/** `$1`..`$99`, `$<name>`, `$&` and `$$`, as in String.prototype.replace, filled from one match. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|&|\d{1,2}|<([^>]*)>)/g, (whole, what: string, named: string | undefined) => {
    if (what === '$') return '$'
    if (what === '&') return m[0]
    if (named !== undefined) return m.groups?.[named] ?? ''
    const n = Number(what)
    return n < m.length ? (m[n] ?? '') : whole
  })
}

// Control characters and characters that would change the meaning of a header value or a Jira username.
const UNUSABLE = /[\u0000-\u001f\u007f,;]/

export function mapPrincipal(rules: PrincipalRules, principal: string): MappedPrincipal {
  const { name, realm } = splitPrincipal(principal)
  if (realm.length === 0 || !rules.realms.has(realm)) {
    return { ok: false, reason: 'realm', realm, detail: `realm "${realm}" is not in kerberos.realms` }
  }
  let user: string | undefined
  for (const rule of rules.map) {
    const m = rule.match.exec(principal)
    if (m !== null) {
      user = expand(rule.replace, m)
      break
    }
  }
  user ??= rules.stripRealm ? unescapeName(name) : principal
  if (rules.lowercase) user = user.toLowerCase()
  if (user.length === 0 || UNUSABLE.test(user)) {
    return { ok: false, reason: 'unusable', realm, detail: `principal maps to an unusable username ${JSON.stringify(user)}` }
  }
  return { ok: true, user, realm }
}
