import t from 'tap'
import { compileCidrSet, compileNetworkRule, networkAllows, parseCidr } from '../../src/match/cidr.js'

t.test('parseCidr reads v4, v6, bare addresses and mapped v4', async (t) => {
  t.equal(parseCidr('10.0.0.0/8')[1], 8)
  t.equal(parseCidr('192.0.2.7')[1], 32)
  t.equal(parseCidr('2001:db8::/32')[1], 32)
  t.equal(parseCidr('::1')[1], 128)
  const [mapped, bits] = parseCidr('::ffff:10.0.0.0/104')
  t.equal(mapped.kind(), 'ipv4')
  t.equal(bits, 8)
  for (const bad of ['10.0.0.0/33', 'ten', '012.0.0.0/8', '0x0a.0.0.0/8', '10.1', '10.0.0/8', '2001:db8::/129', '', '1.2.3.4/']) {
    t.throws(() => parseCidr(bad), bad)
  }
})

t.test('a set matches v4, v6 and IPv4-mapped IPv6 clients', async (t) => {
  const set = compileCidrSet(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'])
  t.ok(set.contains('10.1.2.3'))
  t.ok(set.contains('::ffff:10.1.2.3'), 'mapped address is read as IPv4')
  t.ok(set.contains('2001:db8:1::5'))
  t.ok(set.contains('192.0.2.7'))
  t.notOk(set.contains('192.0.2.8'))
  t.notOk(set.contains('11.0.0.1'))
  t.notOk(set.contains('2001:db9::1'))
  t.notOk(set.contains('garbage'), 'an unreadable address matches nothing')
  t.notOk(set.contains('10.1'), 'inet_aton shorthand is not an address')
  t.notOk(compileCidrSet([]).contains('10.0.0.1'))
})

t.test('deny wins over allow; empty allow means everyone', async (t) => {
  const rule = compileNetworkRule({ allow: ['10.0.0.0/8'], deny: ['10.66.0.0/16'] })
  t.ok(networkAllows(rule, '10.1.1.1'))
  t.notOk(networkAllows(rule, '10.66.1.1'), 'denied inside an allowed range')
  t.notOk(networkAllows(rule, '172.16.0.1'), 'outside allow')
  const denyOnly = compileNetworkRule({ allow: [], deny: ['::1'] })
  t.notOk(networkAllows(denyOnly, '::1'))
  t.ok(networkAllows(denyOnly, '127.0.0.1'))
  const open = compileNetworkRule({ allow: [], deny: [] })
  t.ok(networkAllows(open, '203.0.113.9'))
  t.notOk(networkAllows(rule, 'not-an-ip'), 'unreadable client address is refused when rules exist')
})

t.test('answers stay right asked again, about more addresses than a set remembers, and about long text', async (t) => {
  const set = compileCidrSet(['10.0.0.0/8'])
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 5000; i++) {
      const ip = `10.${(i >> 8) & 255}.${i & 255}.1`
      if (!set.contains(ip)) t.fail(`${ip} round ${round}`)
      if (set.contains(`11.${(i >> 8) & 255}.${i & 255}.1`)) t.fail(`11.x round ${round}`)
    }
  }
  t.ok(set.contains('10.0.0.1'))
  t.notOk(set.contains('10.0.0.1'.padEnd(60_000, ' ')), 'a long X-Forwarded-For entry is no address')
  t.notOk(set.contains('10.0.0.1,'), 'nor is an address with text after it')
})
