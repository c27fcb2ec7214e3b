// Reading Jira's /rest/api/2/myself?expand=groups: only a well-formed answer about the asked user counts.
import t from 'tap'
import { parseMyself } from '../../src/directory/jira-myself.js'

const answer = (name: unknown, items: unknown, size?: number) => ({ name, key: name, groups: { size: size ?? (Array.isArray(items) ? items.length : 0), items } })

t.test('groups of the asked user', async (t) => {
  t.same(parseMyself(answer('alice', [{ name: 'jira-users' }, { name: 'jira-administrators', self: 'x' }]), 'alice'), {
    ok: true,
    groups: ['jira-users', 'jira-administrators'],
    partial: false,
  })
  t.same(parseMyself(answer('Alice', []), 'alice'), { ok: true, groups: [], partial: false }, 'user names compare case-insensitively, like Jira')
  t.same(parseMyself(answer('alice', [{ name: 'a' }], 3), 'alice'), { ok: true, groups: ['a'], partial: true }, 'fewer items than size')
})

t.test('anything else is refused, never guessed', async (t) => {
  const refuse = (body: unknown, reason: RegExp) => {
    const r = parseMyself(body, 'alice')
    t.equal(r.ok, false)
    if (!r.ok) t.match(r.reason, reason)
  }
  refuse(answer('mallory', [{ name: 'jira-administrators' }]), /another user/)
  refuse({ groups: { items: [] } }, /another user/)
  refuse(answer('alice', undefined), /no groups/)
  refuse({ name: 'alice' }, /no groups/)
  refuse(answer('alice', [{ name: '' }]), /without a name/)
  refuse(answer('alice', [{}]), /without a name/)
  refuse(answer('alice', [null]), /without a name/)
  refuse([], /another user/)
  refuse('alice', /not a JSON object/)
  refuse(null, /not a JSON object/)
})
