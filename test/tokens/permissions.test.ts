// Who may hold tokens (creators.groups, admins) and what a token may reach (scope, own paths).
import t from 'tap'
import { mayHoldTokens, tokenAllows } from '../../src/tokens/permissions.js'
import { compilePathMatcher } from '../../src/policy/glob.js'

t.test('mayHoldTokens', async (t) => {
  t.equal(mayHoldTokens([], [], false), true, 'no creators.groups: everyone')
  t.equal(mayHoldTokens(['api-users'], ['jira-users'], false), false)
  t.equal(mayHoldTokens(['api-users'], ['jira-users', 'api-users'], false), true)
  t.equal(mayHoldTokens(['api-users'], [], true), true, 'admins always')
})

t.test('tokenAllows', async (t) => {
  t.equal(tokenAllows('write', null, 'POST', '/rest/api/2/issue'), true)
  t.equal(tokenAllows('read', null, 'GET', '/rest/api/2/issue/X'), true)
  t.equal(tokenAllows('read', null, 'HEAD', '/rest/api/2/issue/X'), true)
  t.equal(tokenAllows('read', null, 'POST', '/rest/api/2/issue'), false)
  t.equal(tokenAllows('read', null, 'DELETE', '/rest/api/2/issue/X'), false)
  const paths = compilePathMatcher(['/rest/api/2/search'])
  t.equal(tokenAllows('write', paths, 'GET', '/rest/api/2/search'), true)
  t.equal(tokenAllows('write', paths, 'GET', '/rest/api/2/issue/X'), false)
})
