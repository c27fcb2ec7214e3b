// The cookie on the wire and the id's shape: pure functions, every odd input.
import t from 'tap'
import { clearedCookie, cookieIsSecure, readCookie, sessionCookie } from '../../src/sessions/cookie.js'
import { generateSessionId, isSessionId, sessionKeyOf } from '../../src/sessions/id.js'
import { cacheTtlMs, sessionState, touchIntervalMs } from '../../src/sessions/expiry.js'
import { createTokenHasher } from '../../src/tokens/hash.js'

t.test('readCookie finds the named cookie and nothing that merely looks like it', async (t) => {
  t.equal(readCookie(undefined, 'S'), undefined)
  t.equal(readCookie('', 'S'), undefined)
  t.equal(readCookie('S=v', 'S'), 'v')
  t.equal(readCookie('a=1; S=v; b=2', 'S'), 'v')
  t.equal(readCookie('a=1;S=v;b=2', 'S'), 'v')
  t.equal(readCookie('XS=w; S=v', 'S'), 'v', 'a longer name ending in the name is another cookie')
  t.equal(readCookie('S_X=w', 'S'), undefined)
  t.equal(readCookie('a=S; b=S=1', 'S'), undefined, 'the name inside a value does not count')
  t.equal(readCookie('S="v"', 'S'), 'v', 'DQUOTE-wrapped value')
  t.equal(readCookie('S=first; S=second', 'S'), 'first')
  t.equal(readCookie('S', 'S'), undefined, 'no = sign')
  t.equal(readCookie('S=', 'S'), '')
})

t.test('Set-Cookie values carry HttpOnly, SameSite=Lax, Path=/ and Secure exactly when asked', async (t) => {
  t.equal(sessionCookie('S', 'v', 8 * 3600_000, false), 'S=v; Max-Age=28800; Path=/; HttpOnly; SameSite=Lax')
  t.equal(sessionCookie('S', 'v', 1500, true), 'S=v; Max-Age=1; Path=/; HttpOnly; SameSite=Lax; Secure')
  t.equal(clearedCookie('S', true), 'S=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax; Secure')
  t.equal(cookieIsSecure('auto', true), true)
  t.equal(cookieIsSecure('auto', false), false)
  t.equal(cookieIsSecure('always', false), true)
  t.equal(cookieIsSecure('never', true), false)
})

t.test('session ids: 256 random bits in one exact shape; the store key is a keyed hash', async (t) => {
  const a = generateSessionId()
  const b = generateSessionId()
  t.not(a, b)
  t.match(a, /^rgs_[A-Za-z0-9_-]{43}$/)
  t.equal(Buffer.from(a.slice(4), 'base64url').length, 32)
  t.ok(isSessionId(a))
  for (const bad of ['', 'rgs_', a.slice(0, -1), a + 'A', 'rgt_' + a.slice(4), a.replace(/.$/, '='), a.slice(0, -1) + '.', ' ' + a.slice(1)]) {
    t.notOk(isSessionId(bad), JSON.stringify(bad))
  }
  const h1 = createTokenHasher(Buffer.alloc(32, 1))
  const h2 = createTokenHasher(Buffer.alloc(32, 2))
  t.match(sessionKeyOf(h1, a), /^[0-9a-f]{64}$/)
  t.not(sessionKeyOf(h1, a), sessionKeyOf(h2, a), 'another key, another store key')
  t.not(sessionKeyOf(h1, a), h1.hash(a), 'domain-separated from token hashes')
})

t.test('timing: idle slides, absolute does not; touches a quarter of the idle timeout apart', async (t) => {
  const idle = 30 * 60_000
  t.equal(sessionState(10_000, 0, 9_999, idle), 'valid')
  t.equal(sessionState(10_000, 0, 10_000, idle), 'absolute')
  t.equal(sessionState(10 * idle, 0, idle - 1, idle), 'valid')
  t.equal(sessionState(10 * idle, 0, idle, idle), 'idle')
  t.equal(sessionState(idle, 0, idle, idle), 'absolute', 'absolute wins when both are due')
  t.equal(touchIntervalMs(idle), idle / 4)
  t.equal(touchIntervalMs(1000), 1000, 'at least a second')
  t.equal(cacheTtlMs(idle), 60_000)
  t.equal(cacheTtlMs(20_000), 5_000)
})
