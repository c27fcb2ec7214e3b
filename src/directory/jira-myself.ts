// Reads Jira's answer to GET /rest/api/2/myself?expand=groups:
//   { "name": "alice", "key": "alice", "groups": { "size": 2, "items": [{ "name": "jira-users" }, ...] } }
// An answer about someone else (a Jira that ignored the identity header and answered for a default
// user) or of another shape is refused: the directory never guesses.

export type MyselfResult = { ok: true; groups: string[]; partial: boolean } | { ok: false; reason: string }

export function parseMyself(body: unknown, user: string): MyselfResult {
  if (body === null || typeof body !== 'object') return { ok: false, reason: 'not a JSON object' }
  const b = body as { name?: unknown; groups?: unknown }
  // Jira user names are case-insensitive (stored lower-case).
  if (typeof b.name !== 'string' || b.name.toLowerCase() !== user.toLowerCase()) {
    return { ok: false, reason: 'the answer is about another user' }
  }
  const g = b.groups as { size?: unknown; items?: unknown } | undefined
  if (g === null || typeof g !== 'object' || !Array.isArray(g.items)) return { ok: false, reason: 'no groups in the answer' }
  const groups: string[] = []
  for (const item of g.items as unknown[]) {
    const name = (item as { name?: unknown } | null)?.name
    if (typeof name !== 'string' || name.length === 0) return { ok: false, reason: 'a group without a name' }
    groups.push(name)
  }
  const partial = typeof g.size === 'number' && g.size > groups.length
  return { ok: true, groups, partial }
}
