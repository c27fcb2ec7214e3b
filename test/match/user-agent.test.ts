import t from 'tap'
import { compileUserAgentMatcher, userAgentRuleSource } from '../../src/match/user-agent.js'
import { DEFAULT_EXCLUDED_USER_AGENTS } from '../../src/config/schema.js'

t.test('substrings match case-insensitively, regexes too', async (t) => {
  const m = compileUserAgentMatcher(['HttpClient', '/^JIRA-\\d+/', 'a.b'])
  t.ok(m.matches('Apache-HttpClient/4.5.13 (Java/11)'))
  t.ok(m.matches('httpclient'))
  t.ok(m.matches('jira-9 something'))
  t.notOk(m.matches('xJIRA-9'))
  t.ok(m.matches('a.b'))
  t.notOk(m.matches('axb'), 'a substring dot is literal')
  t.notOk(m.matches(undefined), 'no User-Agent header matches no rule')
})

t.test('the default list covers Atlassian tools and mobile apps, not browsers or curl', async (t) => {
  const m = compileUserAgentMatcher(DEFAULT_EXCLUDED_USER_AGENTS)
  t.ok(m.matches('AtlassianMobileApp/1.0'))
  t.ok(m.matches('Java/17.0.2'))
  t.ok(m.matches('Confluence/8.5'))
  t.notOk(m.matches('curl/7.88.1'))
  t.notOk(m.matches('Mozilla/5.0 (X11; Linux x86_64) Chrome/120'))
  t.notOk(m.matches('python-requests/2.28.1'))
})

t.test('invalid rules are refused', async (t) => {
  t.throws(() => userAgentRuleSource(''))
  t.throws(() => userAgentRuleSource('/[/'))
  t.equal(compileUserAgentMatcher([]).matches('anything'), false)
})
