// Token lifetimes: defaults, limits, non-expiring tokens, refresh.
import t from 'tap'
import { DAY_MS, decideLifetime, expiryFor, isExpired, refreshedExpiry } from '../../src/tokens/lifetime.js'

const policy = { defaultLifetimeDays: 30, maxLifetimeDays: 90, allowNonExpiring: false }

t.test('decideLifetime', async (t) => {
  t.same(decideLifetime(policy, {}), { ok: true, days: 30 })
  t.same(decideLifetime(policy, { validForDays: 1 }), { ok: true, days: 1 })
  t.same(decideLifetime(policy, { validForDays: 90 }), { ok: true, days: 90 })
  const over = decideLifetime(policy, { validForDays: 91 })
  t.equal(over.ok, false)
  if (!over.ok) {
    t.equal(over.error.code, 'RG_ERR_TOKEN_LIFETIME')
    t.match(over.error.message, /91 days .* limit of 90 days/)
  }
  const huge = decideLifetime(policy, { validForDays: 1e20 })
  t.equal(!huge.ok && huge.error.code, 'RG_ERR_TOKEN_LIFETIME')
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    const r = decideLifetime(policy, { validForDays: bad })
    t.equal(!r.ok && r.error.code, 'RG_ERR_BAD_REQUEST', String(bad))
  }
  const forever = decideLifetime(policy, { isValidForever: true, validForDays: 5 })
  t.equal(!forever.ok && forever.error.code, 'RG_ERR_TOKEN_LIFETIME')
  t.match(!forever.ok && forever.error.message, /never expire are not allowed.*90 days/)
  t.same(decideLifetime({ ...policy, allowNonExpiring: true }, { isValidForever: true }), { ok: true, days: null })
  t.same(decideLifetime(policy, { isValidForever: false, validForDays: 7 }), { ok: true, days: 7 })
})

t.test('expiry, refresh and the expired boundary', async (t) => {
  const now = 1_000_000
  t.equal(expiryFor(30, now), now + 30 * DAY_MS)
  t.equal(expiryFor(null, now), null)
  t.equal(refreshedExpiry(policy, 30, now), now + 30 * DAY_MS, 'by the original lifetime from now')
  t.equal(refreshedExpiry({ ...policy, maxLifetimeDays: 10 }, 30, now), now + 10 * DAY_MS, 'capped by today\'s maximum')
  t.equal(refreshedExpiry(policy, null, now), null)
  t.equal(isExpired(now, now - 1), false)
  t.equal(isExpired(now, now), true, 'expired at the instant of expiry')
  t.equal(isExpired(null, Number.MAX_SAFE_INTEGER), false)
})
