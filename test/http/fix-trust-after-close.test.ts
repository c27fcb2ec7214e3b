// Guards against a client of a trusted front proxy stopping restgate: the trust check is asked about a
// socket whose address is gone (undefined) when an access line is written after the connection closed.
// It threw there, out of the response's close event, and the process exited. The suite's nginx tests met
// it on a connection nginx closed while restgate was answering.
import t from 'tap'
import { compileCidrSet } from '../../src/match/cidr.js'
import { proxyTrust } from '../../src/http/trust.js'

t.test('a socket without an address is trusted by no one, and asking does not throw', async (t) => {
  const trust = proxyTrust(compileCidrSet(['127.0.0.1/32', '10.0.0.0/8']))
  if (trust === false) throw new Error('expected a trust function')
  t.equal(trust(undefined), false)
  t.equal(trust(''), false)
  t.equal(trust('127.0.0.1'), true)
  t.equal(trust('::ffff:10.1.2.3'), true, 'IPv4-mapped IPv6 as IPv4')
  t.equal(trust('192.0.2.1'), false)
})

t.test('no trusted proxies: Fastify is told not to trust any', async (t) => {
  t.equal(proxyTrust(compileCidrSet([])), false)
})
