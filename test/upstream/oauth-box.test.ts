// identity.oauth's key: read and checked when a policy is prepared (start-up, reload, check-config), with the
// YAML path in every problem; in force only once committed; and a digest that changes with the key.
import t from 'tap'
import { generateKeyPairSync, verify } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createOAuthBox } from '../../src/upstream/oauth-box.js'
import { parseForm, percentEncode } from '../../src/upstream/oauth1.js'
import { policyFrom } from '../helpers/policy.js'
import { testPolicy } from '../helpers/restgate.js'
import { tempDir } from '../helpers/tmp.js'

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits })
const pem = (k: ReturnType<typeof rsa>['privateKey']) => k.export({ type: 'pkcs8', format: 'pem' }) as string

function config(privateKeyFile: string, extra: Record<string, unknown> = {}) {
  return policyFrom(testPolicy('http://jira.internal:8080', { identity: { oauth: { consumerKey: 'restgate', privateKeyFile, ...extra } } })).config
}

t.test('a good key is in force once committed, and signs as the user', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'oauth.pem')
  const pair = rsa()
  writeFileSync(file, pem(pair.privateKey))
  const box = createOAuthBox({ now: () => 1_700_000_000_999 }, () => 'nonce-1')
  const prepared = box.prepare(config(file))
  if ('problems' in prepared) return t.fail(JSON.stringify(prepared.problems))
  t.throws(() => box.sign('alice', { method: 'GET', target: '/x' }), /no key is loaded/, 'not before commit')
  prepared.commit()
  const signed = await box.sign('alice', { method: 'GET', target: '/rest/api/2/myself' })
  if ('clash' in signed) return t.fail('clash')
  t.equal(signed.target, '/rest/api/2/myself?xoauth_requestor_id=alice')
  const params = Object.fromEntries(parseForm(signed.authorization.slice(6).replace(/", /g, '&').replace(/="/g, '=').replace(/"$/, '')))
  t.equal(params['oauth_consumer_key'], 'restgate')
  t.equal(params['oauth_timestamp'], '1700000000', 'seconds')
  t.equal(params['oauth_nonce'], 'nonce-1')
  t.equal(params['oauth_signature_method'], 'RSA-SHA1')
  const base = `GET&${percentEncode('http://jira.internal:8080/rest/api/2/myself')}&${percentEncode(
    'oauth_consumer_key=restgate&oauth_nonce=nonce-1&oauth_signature_method=RSA-SHA1&oauth_timestamp=1700000000&oauth_version=1.0&xoauth_requestor_id=alice',
  )}`
  t.ok(verify('sha1', Buffer.from(base), pair.publicKey, Buffer.from(params['oauth_signature']!, 'base64')), 'over upstream.url by default')
})

t.test('baseUrl is what gets signed when set', async (t) => {
  const file = join(tempDir(t), 'oauth.pem')
  const pair = rsa()
  writeFileSync(file, pem(pair.privateKey))
  const box = createOAuthBox({ now: () => 0 }, () => 'n')
  const prepared = box.prepare(config(file, { baseUrl: 'https://Jira.Example.com:443' }))
  if ('problems' in prepared) return t.fail('problems')
  prepared.commit()
  const signed = await box.sign('bob', { method: 'GET', target: '/x' })
  if ('clash' in signed) return t.fail('clash')
  const sig = decodeURIComponent(/oauth_signature="([^"]+)"/.exec(signed.authorization)![1]!)
  const base = `GET&${percentEncode('https://jira.example.com/x')}&${percentEncode('oauth_consumer_key=restgate&oauth_nonce=n&oauth_signature_method=RSA-SHA1&oauth_timestamp=0&oauth_version=1.0&xoauth_requestor_id=bob')}`
  t.ok(verify('sha1', Buffer.from(base), pair.publicKey, Buffer.from(sig, 'base64')))
})

t.test('every bad key is a problem at identity.oauth.privateKeyFile, and nothing is committed', async (t) => {
  const dir = tempDir(t)
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['missing.pem', '', /cannot read .*missing\.pem \(ENOENT\)/],
    ['garbage.pem', 'not a key\n', /is not a PEM private key/],
    ['public.pem', rsa().publicKey.export({ type: 'spki', format: 'pem' }) as string, /is not a PEM private key/],
    ['ec.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /holds an ec key: RSA-SHA1 needs an RSA key/],
    ['short.pem', pem(rsa(1024).privateKey), /holds an RSA key of 1024 bits: at least 2048/],
  ]
  const box = createOAuthBox({ now: () => 0 })
  for (const [name, content, message] of cases) {
    const file = join(dir, name)
    if (name !== 'missing.pem') writeFileSync(file, content)
    const prepared = box.prepare(config(file))
    if (!('problems' in prepared)) {
      t.fail(`${name} accepted`)
      continue
    }
    t.equal(prepared.problems.length, 1, name)
    t.equal(prepared.problems[0]!.path, 'identity.oauth.privateKeyFile', name)
    t.match(prepared.problems[0]!.message, message, name)
  }
  t.throws(() => box.sign('alice', { method: 'GET', target: '/x' }), /no key is loaded/)
})

t.test('the digest follows the key, the consumer key and the signed origin, never showing the key', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'oauth.pem')
  const first = pem(rsa().privateKey)
  writeFileSync(file, first)
  const box = createOAuthBox({ now: () => 0 })
  const fp = (c: ReturnType<typeof config>) => {
    const p = box.prepare(c)
    return 'problems' in p ? 'problems' : p.fingerprint
  }
  const a = fp(config(file))
  t.equal(fp(config(file)), a, 'same file, same digest')
  t.not(fp(config(file, { baseUrl: 'https://jira.example.com' })), a)
  t.not(fp(policyFrom(testPolicy('http://jira.internal:8080', { identity: { oauth: { consumerKey: 'other', privateKeyFile: file } } })).config), a)
  writeFileSync(file, pem(rsa().privateKey))
  t.not(fp(config(file)), a, 'a new key in the same file')
  t.notOk(a.includes(first.slice(40, 80)))
  t.equal(fp(policyFrom(testPolicy('http://jira:8080')).config), 'none', 'no identity.oauth')
})
