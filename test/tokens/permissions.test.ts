// Who may hold tokens (creators.groups, admins) and what a token may reach (scope, own paths).
import t from 'tap'
import { mayCreateWrite, mayHoldTokens, scopeRefusal, tokenAllows } from '../../src/tokens/permissions.js'
import { compilePathMatcher } from '../../src/match/glob.js'

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

t.test('scopeRefusal names what refuses: the method for a read token, then the token\'s own paths', async (t) => {
  const paths = compilePathMatcher(['/rest/api/2/search'])
  t.equal(scopeRefusal('read', null, 'OPTIONS', '/rest/api/2/issue'), undefined)
  for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'get']) t.equal(scopeRefusal('read', null, m, '/x'), 'method', m)
  t.equal(scopeRefusal('read', paths, 'POST', '/rest/api/2/search'), 'method')
  t.equal(scopeRefusal('read', paths, 'GET', '/rest/api/2/issue/X'), 'path')
  t.equal(scopeRefusal('write', paths, 'DELETE', '/rest/api/2/search'), undefined)
})

t.test('mayCreateWrite: empty allowWrite is everyone; otherwise members and admins', async (t) => {
  t.equal(mayCreateWrite([], [], false), true)
  t.equal(mayCreateWrite(['writers'], ['readers'], false), false)
  t.equal(mayCreateWrite(['writers'], ['writers'], false), true)
  t.equal(mayCreateWrite(['writers'], [], true), true)
})
