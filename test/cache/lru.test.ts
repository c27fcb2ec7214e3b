// The bounded cache: least recently used goes first, nothing is served past its TTL, limits read live.
import t from 'tap'
import { LruTtlCache } from '../../src/cache/lru.js'

t.test('evicts the least recently used beyond maxEntries', async (t) => {
  const cache = new LruTtlCache<string, number>(() => ({ maxEntries: 2, ttlMs: 1000 }))
  cache.set('a', 1, 0)
  cache.set('b', 2, 0)
  t.equal(cache.get('a', 1), 1, 'a is now the most recently used')
  cache.set('c', 3, 2)
  t.equal(cache.size, 2)
  t.equal(cache.get('b', 3), undefined, 'b went first')
  t.equal(cache.get('a', 3), 1)
  t.equal(cache.get('c', 3), 3)
})

t.test('the TTL bounds how long an entry is served; limits apply live', async (t) => {
  let ttlMs = 100
  const cache = new LruTtlCache<string, string>(() => ({ maxEntries: 10, ttlMs }))
  cache.set('k', 'v', 1000)
  t.equal(cache.get('k', 1099), 'v')
  t.equal(cache.get('k', 1100), undefined, 'expired at the TTL')
  t.equal(cache.size, 0, 'and dropped')
  cache.set('k', 'v', 2000)
  ttlMs = 10
  t.equal(cache.get('k', 2010), undefined, 'a shorter TTL applies to entries already cached')
  cache.set('clock', 'v', 5000)
  t.equal(cache.get('clock', 4000), undefined, 'a clock that went backwards does not extend an entry')
  ttlMs = 0
  cache.set('off', 'v', 0)
  t.equal(cache.size, 0, 'ttl 0 turns the cache off')
})

t.test('delete, deleteWhere, clear; null is a value', async (t) => {
  const cache = new LruTtlCache<string, { user: string } | null>(() => ({ maxEntries: 10, ttlMs: 1000 }))
  cache.set('a', { user: 'alice' }, 0)
  cache.set('b', { user: 'bob' }, 0)
  cache.set('n', null, 0)
  t.equal(cache.get('n', 1), null, 'a cached "not found"')
  cache.deleteWhere((v) => v?.user === 'alice')
  t.equal(cache.get('a', 1), undefined)
  t.same(cache.get('b', 1), { user: 'bob' })
  cache.delete('b')
  t.equal(cache.get('b', 1), undefined)
  cache.clear()
  t.equal(cache.size, 0)
})
