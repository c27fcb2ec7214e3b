// A token's own paths must lie within apiTokens.paths: containment decided on the globs themselves.
import t from 'tap'
import { firstOutside, globCovers } from '../../src/tokens/path-scope.js'
import { checkTokenPaths } from '../../src/tokens/service.js'
import { RgError } from '../../src/errors.js'

t.test('globCovers: every path the inner glob matches, the outer one matches too', async (t) => {
  const yes: Array<[string, string]> = [
    ['/rest/**', '/rest/api/2/search'],
    ['/rest/**', '/rest/api/2/**'],
    ['/rest/**', '/rest'],
    ['/rest/**', '/rest/**'],
    ['/**', '/anything/**'],
    ['/rest/api/*/issue', '/rest/api/2/issue'],
    ['/rest/api/*/issue', '/rest/api/*/issue'],
    ['/rest/api/2/*', '/rest/api/2/issue*'],
    ['/rest/a*', '/rest/ab*'],
    ['/rest/**/x', '/rest/a/b/x'],
  ]
  const no: Array<[string, string]> = [
    ['/rest/api/**', '/rest/**'],
    ['/rest/api/2/search', '/rest/api/2/*'],
    ['/rest/*/x', '/rest/**/x'],
    ['/rest/*/*/x', '/rest/**/x'],
    ['/rest/ab*', '/rest/a*'],
    ['/rest/**', '/secure/Dashboard.jspa'],
    ['/rest/api', '/rest/api/'],
    ['/rest/**', '/restricted'],
  ]
  for (const [o, i] of yes) t.equal(globCovers(o, i), true, `${o} covers ${i}`)
  for (const [o, i] of no) t.equal(globCovers(o, i), false, `${o} does not cover ${i}`)
})

t.test('firstOutside names the first glob no allowed glob covers', async (t) => {
  t.equal(firstOutside(['/rest/api/2/search', '/secure/x'], ['/rest/**']), '/secure/x')
  t.equal(firstOutside(['/rest/api/2/search', '/secure/x'], ['/rest/**', '/secure/**']), undefined)
})

t.test('checkTokenPaths: bad globs and globs beyond apiTokens.paths are a 400 that names them', async (t) => {
  t.equal(checkTokenPaths(null, ['/rest/**']), null)
  t.same(checkTokenPaths(['/rest/a', '/rest/a'], ['/rest/**']), ['/rest/a'], 'duplicates dropped')
  const cases: Array<[string[], RegExp]> = [
    [['rest/a'], /paths: "rest\/a" must start with \//],
    [['/rest/a**'], /\*\* must be a whole segment/],
    [['/secure/**'], /"\/secure\/\*\*" reaches beyond .*apiTokens\.paths: \/rest\/\*\*/],
  ]
  for (const [paths, message] of cases) {
    const err = (() => {
      try {
        checkTokenPaths(paths, ['/rest/**'])
      } catch (e) {
        return e
      }
      return undefined
    })()
    t.type(err, RgError)
    t.equal((err as RgError).code, 'RG_ERR_BAD_REQUEST')
    t.match((err as RgError).message, message)
  }
})
