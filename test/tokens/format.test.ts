// The token text: recognisable without a store lookup, 256 bits of randomness, damage detected.
import t from 'tap'
import { TOKEN_LENGTH, TOKEN_PREFIX, classifyToken, generateToken } from '../../src/tokens/format.js'

t.test('generated tokens: prefix, length, URL- and header-safe characters, valid checksum', async (t) => {
  const seen = new Set<string>()
  const chars = new Set<string>()
  for (let i = 0; i < 500; i++) {
    const tok = generateToken()
    t.equal(tok.length, TOKEN_LENGTH)
    if (!tok.startsWith(TOKEN_PREFIX) || !/^rgt_[0-9A-Za-z]{49}$/.test(tok)) t.fail(`bad shape: ${tok}`)
    if (classifyToken(tok) !== 'token') t.fail(`checksum of ${tok}`)
    t.equal(encodeURIComponent(tok), tok)
    seen.add(tok)
    for (const c of tok.slice(4, 47)) chars.add(c)
  }
  t.equal(seen.size, 500, 'no repeats')
  t.equal(chars.size, 62, 'every base62 character occurs in the random part')
  t.ok(43 * Math.log2(62) >= 256, 'the random part carries at least 256 bits')
})

t.test('classify: other, damaged, token', async (t) => {
  const tok = generateToken()
  t.equal(classifyToken('hunter2'), 'other', 'a password')
  t.equal(classifyToken(''), 'other')
  t.equal(classifyToken('NjA4MTIzNDU2Nzg5OkFCQ0RFRkdISUpLTE1O'), 'other', 'a Jira personal access token')
  t.equal(classifyToken('RGT_' + tok.slice(4)), 'other', 'the prefix is case-sensitive')
  t.equal(classifyToken(tok.slice(0, -1)), 'damaged', 'truncated')
  t.equal(classifyToken(tok + 'x'), 'damaged', 'one character too many')
  const i = 10
  const flipped = tok.slice(0, i) + (tok[i] === 'a' ? 'b' : 'a') + tok.slice(i + 1)
  t.equal(classifyToken(flipped), 'damaged', 'one character changed')
  t.equal(classifyToken(tok.slice(0, 20) + '-' + tok.slice(21)), 'damaged', 'a character outside base62')
  t.equal(classifyToken(TOKEN_PREFIX + 'A'.repeat(10 * 1024)), 'damaged', '10 KB behind the prefix')
})
