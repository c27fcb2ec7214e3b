import t from 'tap'
import { compilePathMatcher, globToRegexSource } from '../../src/match/glob.js'

t.test('** spans any depth, including none', async (t) => {
  const m = compilePathMatcher(['/rest/**'])
  for (const p of ['/rest', '/rest/', '/rest/api/2/issue/X']) t.ok(m.matches(p), p)
  for (const p of ['/restx', '/re', '/secure/rest/x', '/REST/api']) t.notOk(m.matches(p), p)
})

t.test('* is one segment or part of one', async (t) => {
  const m = compilePathMatcher(['/rest/api/*/issue', '/login*.jsp'])
  t.ok(m.matches('/rest/api/2/issue'))
  t.ok(m.matches('/rest/api/latest/issue'))
  t.notOk(m.matches('/rest/api/2/x/issue'))
  t.ok(m.matches('/login.jsp'))
  t.ok(m.matches('/login-sso.jsp'))
  t.notOk(m.matches('/login/x.jsp'))
})

t.test('** in the middle', async (t) => {
  const m = compilePathMatcher(['/a/**/z'])
  t.ok(m.matches('/a/z'))
  t.ok(m.matches('/a/b/c/z'))
  t.notOk(m.matches('/a/b/c/zz'))
})

t.test('regex characters are literal', async (t) => {
  const m = compilePathMatcher(['/a.b/(x)+'])
  t.ok(m.matches('/a.b/(x)+'))
  t.notOk(m.matches('/aXb/xx'))
})

t.test('bad globs are refused with a reason', async (t) => {
  t.throws(() => globToRegexSource('rest/**'), /start with \//)
  t.throws(() => globToRegexSource('/rest/***'), /\*\*\*/)
  t.throws(() => globToRegexSource('/rest/a**'), /whole segment/)
  t.equal(compilePathMatcher([]).matches('/anything'), false)
})
