// Decisions for requests no authenticator claimed, as pure functions of policy and request.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { repoPath } from '../helpers/paths.js'
import { DEFAULT_EXCLUDED_USER_AGENTS } from '../../src/config/schema.js'
import { parseConfig } from '../../src/config/load.js'
import { compilePolicy, type Policy } from '../../src/policy/compile.js'
import { browserSafeChallenge, challenges, decideUnclaimed, isProtected, kerberosApplies, kerberosChallenges } from '../../src/policy/decide.js'

function policy(yaml: string): Policy {
  const r = parseConfig(`upstream: { url: "http://jira:8080" }\n${yaml}`, { checkFiles: false })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return compilePolicy(r.config)
}

const kerberos = `kerberos:
  enabled: true
  keytab: /nonexistent
  paths: ["/rest/**", "/login.jsp"]
  excludePaths: ["/rest/api/2/serverInfo"]
  networks: { allow: ["10.0.0.0/8", "::1"], deny: ["10.66.0.0/16"] }
`

t.test('kerberos applies by path, excluded path and network', async (t) => {
  const p = policy(kerberos)
  t.ok(kerberosApplies(p, '/rest/api/2/issue/X', '10.1.1.1'))
  t.ok(kerberosApplies(p, '/login.jsp', '::1'), 'IPv6 loopback allowed')
  t.notOk(kerberosApplies(p, '/rest/api/2/serverInfo', '10.1.1.1'), 'excluded path')
  t.notOk(kerberosApplies(p, '/rest/api/2/issue/X', '10.66.1.1'), 'denied network')
  t.notOk(kerberosApplies(p, '/rest/api/2/issue/X', '192.0.2.1'), 'outside allowed networks')
  t.notOk(kerberosApplies(p, '/secure/Dashboard.jspa', '10.1.1.1'), 'outside kerberos paths')
})

t.test('no credential: challenge with Negotiate and Basic where both apply', async (t) => {
  const p = policy(kerberos)
  const d = decideUnclaimed(p, { path: '/rest/api/2/issue/X', ip: '10.1.1.1', userAgent: 'curl/8', authScheme: undefined })
  t.equal(d.action, 'deny')
  if (d.action === 'deny') {
    t.equal(d.error.statusCode, 401)
    t.same(d.error.headers['www-authenticate'], ['Negotiate', 'Basic realm="restgate"'])
  }
})

t.test('an excluded user agent is not challenged, and passes only where anonymous may', async (t) => {
  const p = policy(kerberos)
  t.notOk(kerberosChallenges(p, '/rest/api/2/issue/X', '10.1.1.1', 'Apache-HttpClient/4.5'))
  const pass = decideUnclaimed(p, { path: '/rest/api/2/issue/X', ip: '10.1.1.1', userAgent: 'Java/17', authScheme: undefined })
  t.equal(pass.action, 'pass', 'anonymous: passthrough')
})

t.test('fix-GHSA-5hvv-m4w4-gf6v: a user-agent match never skips auth that anonymous: deny requires', async (t) => {
  const p = policy(kerberos + 'anonymous: deny\n')
  const d = decideUnclaimed(p, { path: '/rest/api/2/issue/X', ip: '10.1.1.1', userAgent: 'Java/17', authScheme: undefined })
  t.equal(d.action, 'deny')
  if (d.action === 'deny') {
    t.equal(d.error.code, 'RG_ERR_UNAUTHENTICATED')
    t.notOk((d.error.headers['www-authenticate'] as string[]).includes('Negotiate'), 'no Negotiate challenge for it')
  }
})

t.test('anonymous: deny applies on protected paths only', async (t) => {
  const p = policy('anonymous: deny\n')
  t.ok(isProtected(p, '/rest/api/2/issue/X'))
  t.notOk(isProtected(p, '/secure/Dashboard.jspa'))
  t.equal(decideUnclaimed(p, { path: '/secure/Dashboard.jspa', ip: '1.2.3.4', userAgent: undefined, authScheme: undefined }).action, 'pass')
  const d = decideUnclaimed(p, { path: '/rest/api/2/myself', ip: '1.2.3.4', userAgent: undefined, authScheme: undefined })
  t.equal(d.action, 'deny')
  if (d.action === 'deny') t.same(d.error.headers['www-authenticate'], ['Basic realm="restgate"'])
})

t.test('unclaimed credentials: passwords pass or are refused by policy; other schemes pass', async (t) => {
  const open = policy('')
  t.equal(decideUnclaimed(open, { path: '/rest/api/2/x', ip: '1.2.3.4', userAgent: undefined, authScheme: 'basic' }).action, 'pass')
  const closed = policy('passwords: deny\n')
  const d = decideUnclaimed(closed, { path: '/rest/api/2/x', ip: '1.2.3.4', userAgent: undefined, authScheme: 'basic' })
  t.equal(d.action === 'deny' && d.error.code, 'RG_ERR_PASSWORDS_DISABLED')
  t.equal(decideUnclaimed(closed, { path: '/secure/x', ip: '1.2.3.4', userAgent: undefined, authScheme: 'basic' }).action, 'pass', 'outside protected paths')
  t.equal(decideUnclaimed(closed, { path: '/rest/api/2/x', ip: '1.2.3.4', userAgent: undefined, authScheme: 'bearer' }).action, 'pass', 'Jira PAT')
})

t.test('where anonymous is denied, a scheme Jira would ignore counts as no credential', async (t) => {
  const p = policy(kerberos + 'anonymous: deny\n')
  // 10.66.0.0/16 is outside Kerberos: restgate does not claim a Negotiate header from there.
  for (const scheme of ['negotiate', 'foo']) {
    const d = decideUnclaimed(p, { path: '/rest/api/2/issue/X', ip: '10.66.1.1', userAgent: undefined, authScheme: scheme })
    t.equal(d.action === 'deny' && d.error.code, 'RG_ERR_UNAUTHENTICATED', scheme)
  }
  for (const scheme of ['basic', 'bearer']) {
    t.equal(decideUnclaimed(p, { path: '/rest/api/2/issue/X', ip: '10.66.1.1', userAgent: undefined, authScheme: scheme }).action, 'pass', `${scheme}: Jira checks it`)
  }
  const open = policy(kerberos)
  t.equal(decideUnclaimed(open, { path: '/rest/api/2/issue/X', ip: '10.66.1.1', userAgent: undefined, authScheme: 'negotiate' }).action, 'pass', 'anonymous: passthrough')
})

t.test('every 401 has a challenge: Negotiate where it applies, Basic when offered, else Bearer', async (t) => {
  const p = policy(kerberos)
  const here = { path: '/rest/api/2/issue/X', ip: '10.1.1.1', userAgent: 'curl/8' }
  t.same(challenges(p, here, true), ['Negotiate', 'Basic realm="restgate"'])
  t.same(challenges(p, here, false), ['Negotiate'])
  const java = { ...here, userAgent: 'Java/17.0.15' }
  t.same(challenges(p, java, false), ['Bearer realm="restgate"'], 'an excluded user agent is not offered Negotiate first')
  t.same(challenges(p, { ...java, refusedScheme: 'negotiate' }, false), ['Negotiate'], 'but is after it sent a Negotiate token')
  t.same(challenges(p, { ...here, ip: '192.0.2.1', refusedScheme: 'negotiate' }, false), ['Bearer realm="restgate"'], 'not where Kerberos does not apply')
  t.equal(browserSafeChallenge(policy('server: { realm: "Jira tools" }\n')), 'Bearer realm="Jira tools"')
  const none = policy('anonymous: deny\npasswords: deny\napiTokens: { basic: false }\n')
  const d = decideUnclaimed(none, { path: '/rest/api/2/x', ip: '192.0.2.1', userAgent: undefined, authScheme: undefined })
  t.equal(d.action, 'deny')
  if (d.action === 'deny') t.same(d.error.headers['www-authenticate'], ['Bearer realm="restgate"'], 'never an empty header')
  const pw = decideUnclaimed(policy('passwords: deny\n'), { path: '/rest/api/2/x', ip: '192.0.2.1', userAgent: undefined, authScheme: 'basic' })
  if (pw.action === 'deny') t.same(pw.error.headers['www-authenticate'], ['Basic realm="restgate"'], 'passwords: deny offers Basic for a token')
  t.equal(pw.action, 'deny')
})

t.test("docs/clients.md's Java note holds: Java's default User-Agent is never challenged, and both documented fixes are", async (t) => {
  const ip = '10.1.1.1'
  const path = '/rest/api/2/myself'
  const defaults = policy(kerberos)
  t.notOk(kerberosChallenges(defaults, path, ip, 'Java/17.0.15'), "HttpURLConnection's default User-Agent matches the default Java/ rule")
  t.notOk(kerberosChallenges(defaults, path, ip, 'acme-reports/1.0 Java/17.0.15'), '-Dhttp.agent does not help: Java appends Java/<version>')
  t.ok(kerberosChallenges(defaults, path, ip, 'acme-reports/1.0'), 'fix 1: the connection sets its own User-Agent')

  // Fix 2: the policy block the page shows, read from the page itself.
  const page = readFileSync(repoPath('docs', 'clients.md'), 'utf8')
  const block = /^( *)```yaml\n((?:\1.*\n)*?)\1```/m.exec(page.slice(page.indexOf("Java's default User-Agent")))
  t.ok(block, 'docs/clients.md shows the excludeUserAgents block')
  const yaml = block![2]!.split('\n').map((l) => l.slice(block![1]!.length)).join('\n')
  const rules = (parseYaml(yaml) as { kerberos: { excludeUserAgents: string[] } }).kerberos.excludeUserAgents
  t.same([...rules].sort(), DEFAULT_EXCLUDED_USER_AGENTS.filter((r) => r !== 'Java/').sort(), 'the defaults without Java/, nothing else changed')
  const withoutJava = policy(`${kerberos}  excludeUserAgents: ${JSON.stringify(rules)}\n`)
  t.ok(kerberosChallenges(withoutJava, path, ip, 'Java/17.0.15'), 'fix 2: Java is challenged')
  t.notOk(kerberosChallenges(withoutJava, path, ip, 'Apache-HttpClient/4.5.14 (Java/17.0.15)'), 'Apache HttpClient stays excluded by HttpClient')
  t.notOk(kerberosChallenges(withoutJava, path, ip, 'JIRA/9.12.0'), 'the other default rules still apply')
})
