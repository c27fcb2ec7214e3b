// The page's small helpers: reading and writing the session cookie, comparing CSRF tokens, loading its files.
import t from 'tap'
import { clearedCookie, cookieSecure, cookieValue, sessionCookie } from '../../src/tokenpage/cookies.js'
import { csrfMatches } from '../../src/tokenpage/csrf.js'
import { loadPageAssets } from '../../src/tokenpage/assets.js'

t.test('cookieValue finds the named cookie in one or several Cookie headers', async (t) => {
  t.equal(cookieValue('a=1; RESTGATE_SESSION=xyz; b=2', 'RESTGATE_SESSION'), 'xyz')
  t.equal(cookieValue(['a=1', 'RESTGATE_SESSION=v2'], 'RESTGATE_SESSION'), 'v2')
  t.equal(cookieValue('XRESTGATE_SESSION=no; RESTGATE_SESSIONX=no', 'RESTGATE_SESSION'), undefined)
  t.equal(cookieValue('novalue; RESTGATE_SESSION=', 'RESTGATE_SESSION'), '')
  t.equal(cookieValue(undefined, 'RESTGATE_SESSION'), undefined)
})

t.test('the cookie is HttpOnly and SameSite=Strict; Secure by sessions.secure', async (t) => {
  t.equal(sessionCookie('v', { name: 'S', secure: false }), 'S=v; Path=/; HttpOnly; SameSite=Strict')
  t.equal(sessionCookie('v', { name: 'S', secure: true }), 'S=v; Path=/; HttpOnly; SameSite=Strict; Secure')
  t.match(clearedCookie({ name: 'S', secure: false }), /^S=; .*Max-Age=0/)
  t.equal(cookieSecure('auto', true), true)
  t.equal(cookieSecure('auto', false), false)
  t.equal(cookieSecure('always', false), true)
  t.equal(cookieSecure('never', true), false)
})

t.test('csrfMatches: exact value only, never a missing one', async (t) => {
  t.equal(csrfMatches('abc', 'abc'), true)
  t.equal(csrfMatches('abd', 'abc'), false)
  t.equal(csrfMatches('ab', 'abc'), false)
  t.equal(csrfMatches(undefined, 'abc'), false)
  t.equal(csrfMatches(['abc', 'abc'], 'abc'), false, 'a repeated header is not accepted')
  t.equal(csrfMatches('abc', null), false)
})

t.test('the page files are read at start; a missing one stops restgate with the path and the way out', async (t) => {
  const assets = loadPageAssets('/x/y')
  t.match(assets.html, 'href="/x/y/assets/tokens.css"')
  t.ok(assets.css.length > 0 && assets.js.length > 0)
  t.throws(() => loadPageAssets('/x', '/nonexistent/'), /\/nonexistent\/index\.html cannot be read .*tokenPage\.enabled: false/)
})
