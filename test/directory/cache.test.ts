// How long a directory answer may be used, and the bound on how many are kept.
import t from 'tap'
import { BoundedCache, freshness } from '../../src/directory/cache.js'

t.test('freshness: fresh for cacheMs, then grace for graceMs, then expired', async (t) => {
  t.equal(freshness(1000, 1000, 300, 600), 'fresh')
  t.equal(freshness(1000, 1299, 300, 600), 'fresh')
  t.equal(freshness(1000, 1300, 300, 600), 'grace', 'the cache time is exclusive')
  t.equal(freshness(1000, 1899, 300, 600), 'grace')
  t.equal(freshness(1000, 1900, 300, 600), 'expired')
  t.equal(freshness(1000, 1000, 0, 600), 'grace', 'cacheSeconds 0: always ask, but an outage may use the last answer')
  t.equal(freshness(1000, 1300, 300, 0), 'expired', 'graceSeconds 0: no grace at all')
  t.equal(freshness(1000, 999, 300, 600), 'expired', 'a clock that went backwards never makes an answer fresh')
})

t.test('BoundedCache keeps the most recently used entries', async (t) => {
  const c = new BoundedCache<number>(2)
  c.set('a', 1)
  c.set('b', 2)
  t.equal(c.get('a'), 1, 'a is now the most recent')
  c.set('c', 3)
  t.equal(c.size, 2)
  t.equal(c.get('b'), undefined, 'b was the least recently used')
  t.equal(c.get('a'), 1)
  t.equal(c.get('c'), 3)
  c.set('a', 10)
  t.equal(c.get('a'), 10, 'set replaces')
  c.delete('a')
  t.equal(c.get('a'), undefined)
  c.clear()
  t.equal(c.size, 0)
})
