// Reads Confluence's answers for the directory (Confluence Data Center 8/9 REST):
//   GET /rest/api/user/current  → { "type": "known", "username": "alice", "userKey": "…", … }
//     (an anonymous caller gets 200 with "type": "anonymous": never a confirmation of anyone)
//   GET /rest/api/user/memberof?username=alice&start=0&limit=200
//     → { "results": [{ "type": "group", "name": "confluence-users" }, …], "start": 0, "limit": 200, "size": 1 }
// As for Jira, an answer about someone else or of another shape is refused: the directory never guesses.

export type CurrentUser = { ok: true; username: string } | { ok: false; reason: string }

export function parseCurrentUser(body: unknown): CurrentUser {
  if (body === null || typeof body !== 'object') return { ok: false, reason: 'not a JSON object' }
  const b = body as { type?: unknown; username?: unknown }
  if (b.type !== 'known') return { ok: false, reason: 'Confluence answered for an anonymous user' }
  if (typeof b.username !== 'string' || b.username.length === 0) return { ok: false, reason: 'the answer names no user' }
  return { ok: true, username: b.username }
}

export type MemberOfPage = { ok: true; groups: string[]; more: boolean } | { ok: false; reason: string }

/** One page of memberof; `more` when the page was full (Confluence pages by `limit`). */
export function parseMemberOf(body: unknown, limit: number): MemberOfPage {
  if (body === null || typeof body !== 'object') return { ok: false, reason: 'not a JSON object' }
  const results = (body as { results?: unknown }).results
  if (!Array.isArray(results)) return { ok: false, reason: 'no results in the answer' }
  const groups: string[] = []
  for (const item of results as unknown[]) {
    const name = (item as { name?: unknown } | null)?.name
    if (typeof name !== 'string' || name.length === 0) return { ok: false, reason: 'a group without a name' }
    groups.push(name)
  }
  return { ok: true, groups, more: results.length >= limit }
}
