// Principal → username: realm acceptance, principalMap, stripRealm, lowercase, unusable results.
import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { compilePrincipalRules, mapPrincipal, splitPrincipal } from '../../src/kerberos/principal.js'

function rules(yaml: string, keytabRealms = ['EXAMPLE.COM']) {
  const r = parseConfig(`upstream: { url: "http://jira:8080" }\nkerberos:\n${yaml}`, { checkFiles: false })
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return compilePrincipalRules(r.config.kerberos, keytabRealms)
}

t.test('defaults: the keytab realms only, realm stripped', async (t) => {
  const r = rules('  stripRealm: true\n')
  t.same(mapPrincipal(r, 'alice@EXAMPLE.COM'), { ok: true, user: 'alice', realm: 'EXAMPLE.COM' })
  const other = mapPrincipal(r, 'alice@EVIL.EXAMPLE')
  t.same(other, { ok: false, reason: 'realm', realm: 'EVIL.EXAMPLE', detail: 'realm "EVIL.EXAMPLE" is not in kerberos.realms' })
  t.equal(mapPrincipal(r, 'alice@example.com').ok, false, 'realms compare exactly')
  t.equal(mapPrincipal(r, 'alice').ok, false, 'no realm at all')
})

t.test('listed realms replace the keytab realms; stripRealm off keeps the principal', async (t) => {
  const r = rules('  realms: [EXAMPLE.COM, OTHER.TEST]\n  stripRealm: false\n')
  t.same(mapPrincipal(r, 'carol@OTHER.TEST'), { ok: true, user: 'carol@OTHER.TEST', realm: 'OTHER.TEST' })
  const onlyOther = rules('  realms: [OTHER.TEST]\n')
  t.equal(mapPrincipal(onlyOther, 'alice@EXAMPLE.COM').ok, false)
})

t.test('principalMap: first whole-principal match wins, then stripRealm, then lowercase', async (t) => {
  const r = rules(
    [
      '  realms: [EXAMPLE.COM, OLD.EXAMPLE.COM]',
      '  principalMap:',
      '    - { match: "svc-(.+)@EXAMPLE\\\\.COM", replace: "service-$1" }',
      '    - { match: "(?<name>[^@]+)@OLD\\\\.EXAMPLE\\\\.COM", replace: "old_$<name>" }',
      '    - { match: "svc-x@EXAMPLE\\\\.COM", replace: "never" }',
      '    - { match: "EXAMPLE", replace: "prefix match must not apply" }',
      '  lowercase: true',
      '',
    ].join('\n'),
    [],
  )
  t.same(mapPrincipal(r, 'svc-X@EXAMPLE.COM'), { ok: true, user: 'service-x', realm: 'EXAMPLE.COM' })
  t.same(mapPrincipal(r, 'Bob@OLD.EXAMPLE.COM'), { ok: true, user: 'old_bob', realm: 'OLD.EXAMPLE.COM' })
  t.same(mapPrincipal(r, 'Alice@EXAMPLE.COM'), { ok: true, user: 'alice', realm: 'EXAMPLE.COM' }, 'no rule: stripRealm')
})

t.test('replacement templates: $&, $$, unknown groups stay literal', async (t) => {
  const r = rules('  principalMap:\n    - { match: "(a)(l)ice@EXAMPLE\\\\.COM", replace: "$$$2$1-$&-$9" }\n')
  t.same(mapPrincipal(r, 'alice@EXAMPLE.COM'), { ok: true, user: '$la-alice@EXAMPLE.COM-$9', realm: 'EXAMPLE.COM' })
})

t.test('enterprise principals and escapes', async (t) => {
  t.same(splitPrincipal('alice\\@corp.example@EXAMPLE.COM'), { name: 'alice\\@corp.example', realm: 'EXAMPLE.COM' })
  t.same(splitPrincipal('odd\\\\@EXAMPLE.COM'), { name: 'odd\\\\', realm: 'EXAMPLE.COM' })
  t.same(splitPrincipal('nobody'), { name: 'nobody', realm: '' })
  const r = rules('  stripRealm: true\n')
  t.same(mapPrincipal(r, 'alice\\@corp.example@EXAMPLE.COM'), { ok: true, user: 'alice@corp.example', realm: 'EXAMPLE.COM' })
})

t.test('a map that yields an empty or unsafe username is refused', async (t) => {
  const r = rules('  principalMap:\n    - { match: "(.*)@EXAMPLE\\\\.COM", replace: "" }\n    - { match: "x@EVIL\\\\.COM", replace: "a,b" }\n', ['EXAMPLE.COM', 'EVIL.COM'])
  const empty = mapPrincipal(r, 'alice@EXAMPLE.COM')
  t.equal(empty.ok === false && empty.reason, 'unusable')
  const comma = mapPrincipal(r, 'x@EVIL.COM')
  t.equal(comma.ok === false && comma.reason, 'unusable')
  const ctl = mapPrincipal(rules('  lowercase: false\n'), 'a\u0001b@EXAMPLE.COM')
  t.equal(ctl.ok === false && ctl.reason, 'unusable')
})
