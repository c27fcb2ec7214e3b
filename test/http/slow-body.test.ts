// The slow-body rule as a pure function: a pause longer than the timeout, or an average below the rate once
// the first allowance is spent; time restgate did not read is not in `activeMs`, so it never counts.
import t from 'tap'
import { bodyTooSlow, sweepInterval } from '../../src/http/slow-body.js'

const limits = { timeoutMs: 20_000, minRate: 500 }

t.test('idle: a pause longer than bodyTimeout', async (t) => {
  t.equal(bodyTooSlow({ activeMs: 19_000, idleMs: 19_000, received: 0 }, limits), undefined)
  t.equal(bodyTooSlow({ activeMs: 20_001, idleMs: 20_001, received: 0 }, limits), 'idle')
  t.equal(bodyTooSlow({ activeMs: 500_000, idleMs: 20_001, received: 10_000_000 }, limits), 'idle', 'however much came before')
})

t.test('rate: the allowance, then minBodyRate on average', async (t) => {
  // 1 byte a second for 21 s: idle never trips (1 s gaps), the rate does.
  t.equal(bodyTooSlow({ activeMs: 21_000, idleMs: 1000, received: 21 }, limits), 'rate')
  // 500 B/s exactly keeps the deadline 20 s ahead.
  t.equal(bodyTooSlow({ activeMs: 60_000, idleMs: 0, received: 30_000 }, limits), undefined)
  t.equal(bodyTooSlow({ activeMs: 60_000, idleMs: 0, received: 19_999 }, limits), 'rate')
  t.equal(bodyTooSlow({ activeMs: 21_000, idleMs: 1000, received: 21 }, { timeoutMs: 20_000, minRate: 0 }), undefined, 'minBodyRate 0: no rate rule')
  t.equal(bodyTooSlow({ activeMs: 1e9, idleMs: 1e9, received: 0 }, { timeoutMs: 0, minRate: 500 }), undefined, 'bodyTimeout 0: neither rule')
})

t.test('the sweep runs a quarter of bodyTimeout apart, between 50 ms and a second', async (t) => {
  t.equal(sweepInterval(limits), 1000)
  t.equal(sweepInterval({ timeoutMs: 1000, minRate: 0 }), 250)
  t.equal(sweepInterval({ timeoutMs: 100, minRate: 0 }), 50)
})
