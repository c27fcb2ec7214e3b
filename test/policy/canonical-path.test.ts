// The bypass wall, read the way Tomcat reads a path: `;params` stripped per segment, dot segments
// resolved, %2F/%5C rejected. Every row is either one canonical path or a refusal, never a guess.
import t from 'tap'
import { canonicalizePath } from '../../src/policy/canonical-path.js'
import { accepted, refused } from '../helpers/bypass-table.js'

t.test('accepted targets have exactly one reading', async (t) => {
  for (const [target, path, query = ''] of accepted) {
    t.same(canonicalizePath(target), { ok: true, path, query, sessionParam: '' }, JSON.stringify(target))
  }
})

t.test('ambiguous targets are refused with a reason', async (t) => {
  for (const [target, reason] of refused) {
    const r = canonicalizePath(target)
    t.equal(r.ok, false, JSON.stringify(target))
    if (!r.ok) t.match(r.reason, reason, JSON.stringify(target))
  }
})

t.test('canonical output is a fixed point', async (t) => {
  for (const [target] of accepted) {
    const once = canonicalizePath(target)
    if (!once.ok) continue
    const twice = canonicalizePath(once.path + once.query)
    t.same(twice, once, `canonical(canonical(${JSON.stringify(target)}))`)
  }
})
