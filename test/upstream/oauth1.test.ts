// OAuth 1.0a signing, pure: RFC 5849's own example base string, its encoding and URI rules, the user added to
// the query, client-sent OAuth parameters caught, and an RSA-SHA1 signature a verifier accepts.
import t from 'tap'
import { generateKeyPairSync, verify } from 'node:crypto'
import {
  authorizationHeader,
  baseStringUri,
  formDecode,
  normalizeParameters,
  parseForm,
  percentEncode,
  prepareImpersonated,
  rsaSha1,
  signatureBaseString,
  withRequestor,
} from '../../src/upstream/oauth1.js'

t.test('RFC 5849 §3.4.1.1: the example request gives the example base string', async (t) => {
  // POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b, body c2&a3=2+q, and the example's OAuth parameters.
  const pairs = [
    ...parseForm('b5=%3D%253D&a3=a&c%40=&a2=r%20b'),
    ...parseForm('c2&a3=2+q'),
    ['oauth_consumer_key', '9djdj82h48djs9d2'],
    ['oauth_token', 'kkk9d7dh3k39sjv7'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', '137131201'],
    ['oauth_nonce', '7d8f3e4a'],
  ] as const
  t.equal(
    signatureBaseString('post', baseStringUri('http://example.com', '/request'), pairs),
    'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
  )
})

t.test('§3.4.1.2: scheme and host lower case, default ports dropped, the path as sent', async (t) => {
  t.equal(baseStringUri('HTTP://EXAMPLE.COM:80', '/r%20v/X'), 'http://example.com/r%20v/X')
  t.equal(baseStringUri('https://www.example.net:8080', '/'), 'https://www.example.net:8080/')
  t.equal(baseStringUri('https://jira.example.com:443', ''), 'https://jira.example.com/')
  t.equal(baseStringUri('http://[::1]:8080', '/jira/rest'), 'http://[::1]:8080/jira/rest')
})

t.test('§3.6 encoding: unreserved characters only, UTF-8, upper-case hex', async (t) => {
  t.equal(percentEncode("Ab9-._~ !*'()"), "Ab9-._~%20%21%2A%27%28%29")
  t.equal(percentEncode('jöe/é'), 'j%C3%B6e%2F%C3%A9')
  t.equal(formDecode('a+b%20c%2'), 'a b c%2', 'a "%" without two hex digits stays')
  t.equal(formDecode('%FF'), '\ufffd', 'bad UTF-8 reads as U+FFFD')
  t.equal(formDecode('\u00c3\u00a9'), 'é', 'raw bytes (Latin-1 characters) are UTF-8')
  t.same(parseForm('a=1&&b&c=&=d'), [['a', '1'], ['b', ''], ['c', ''], ['', 'd']])
})

t.test('§3.4.1.3.2: sorted by encoded name, then value', async (t) => {
  t.equal(normalizeParameters([['b', '2'], ['a', 'z'], ['a', '1'], ['A', 'x']]), 'A=x&a=1&a=z&b=2')
})

t.test('the user goes in the query, and is signed there', async (t) => {
  t.equal(withRequestor('/rest/api/2/myself', "jöe o'neil"), '/rest/api/2/myself?xoauth_requestor_id=j%C3%B6e%20o%27neil')
  t.equal(withRequestor('/x?a=1', 'bob'), '/x?a=1&xoauth_requestor_id=bob')
  t.equal(withRequestor('/x?', 'bob'), '/x?xoauth_requestor_id=bob')
  const p = prepareImpersonated({ method: 'GET', origin: 'http://jira:8080', target: '/x?a=1' }, 'bob', 'restgate', { timestamp: 5, nonce: 'n1' })
  if (!p.ok) return t.fail('prepared')
  t.equal(p.target, '/x?a=1&xoauth_requestor_id=bob')
  t.equal(
    p.base,
    'GET&http%3A%2F%2Fjira%3A8080%2Fx&a%3D1%26oauth_consumer_key%3Drestgate%26oauth_nonce%3Dn1%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D5%26oauth_version%3D1.0%26xoauth_requestor_id%3Dbob',
  )
  const form = prepareImpersonated({ method: 'POST', origin: 'http://jira:8080', target: '/x', formPairs: [['f', 'v w']] }, 'bob', 'k', { timestamp: 5, nonce: 'n' })
  t.match(form.ok && form.base, /&f%3Dv%2520w%26oauth_consumer_key/, 'form body parameters are signed')
})

t.test('a client-sent xoauth_requestor_id or oauth_* parameter is never signed over', async (t) => {
  const fresh = { timestamp: 1, nonce: 'n' }
  const origin = 'http://jira'
  t.same(prepareImpersonated({ method: 'GET', origin, target: '/x?xoauth_requestor_id=admin' }, 'bob', 'k', fresh), { ok: false, parameter: 'xoauth_requestor_id' })
  t.same(prepareImpersonated({ method: 'GET', origin, target: '/x?a=1&oauth_token=t' }, 'bob', 'k', fresh), { ok: false, parameter: 'oauth_token' })
  t.same(prepareImpersonated({ method: 'GET', origin, target: '/x?xoauth%5Frequestor%5Fid=admin' }, 'bob', 'k', fresh), { ok: false, parameter: 'xoauth_requestor_id' }, 'also encoded')
  t.same(prepareImpersonated({ method: 'POST', origin, target: '/x', formPairs: [['oauth_consumer_key', 'x']] }, 'bob', 'k', fresh), { ok: false, parameter: 'oauth_consumer_key' })
  t.equal(prepareImpersonated({ method: 'GET', origin, target: '/x?myoauth_x=1' }, 'bob', 'k', fresh).ok, true, 'other names are fine')
})

t.test('RSA-SHA1 over the base string, and the Authorization header', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const sig = rsaSha1('GET&x&y', privateKey)
  t.ok(verify('sha1', Buffer.from('GET&x&y'), publicKey, Buffer.from(sig, 'base64')))
  t.equal(
    authorizationHeader([['oauth_consumer_key', 'rest gate'], ['oauth_nonce', 'n']], 'a+b/c='),
    'OAuth oauth_consumer_key="rest%20gate", oauth_nonce="n", oauth_signature="a%2Bb%2Fc%3D"',
  )
})
