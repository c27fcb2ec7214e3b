// A client workload for failure tests: on each restgate instance, a loop that creates API tokens, logs in
// with them (a session each) and deletes older ones, remembering exactly what was confirmed (201/200) and
// what was refused (503). Afterwards `verify` asks a restgate with empty caches whether every confirmed
// token and session is still there and every confirmed deletion still holds.
import { httpRequest } from './http.js'
import { api } from './tokens.js'
import { SESSION_PATH, cookiePair, postLogin } from './sessions.js'

export interface Outcome {
  readonly op: 'create' | 'login' | 'delete'
  readonly instance: number
  readonly start: number
  readonly end: number
  readonly status: number
}

interface Made {
  readonly id: number
  readonly secret: string
}

export interface LoopRecord {
  readonly outcomes: Outcome[]
  /** Tokens answered 201, by id. */
  readonly created: Map<number, Made>
  /** Ids whose deletion was answered 200. */
  readonly deleted: Set<number>
  /** Ids whose deletion was answered something else: they may or may not be gone. */
  readonly uncertain: Set<number>
  /** Cookies of logins answered 200. */
  readonly sessions: string[]
}

export interface WriteLoop {
  /** Stops every loop and resolves once each has finished its current request. */
  stop(): Promise<LoopRecord>
  readonly record: LoopRecord
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One loop per instance URL, all as `user` authenticated by `auth` (a Jira password). */
export function startWriteLoop(urls: readonly string[], user: string, auth: string, pauseMs = 20): WriteLoop {
  const record: LoopRecord = { outcomes: [], created: new Map(), deleted: new Set(), uncertain: new Set(), sessions: [] }
  let stopped = false
  let n = 0

  async function timed(op: Outcome['op'], instance: number, call: () => Promise<{ status: number }>) {
    const start = Date.now()
    const res = await call().catch(() => ({ status: 0 }))
    record.outcomes.push({ op, instance, start, end: Date.now(), status: res.status })
    return res
  }

  async function loop(url: string, instance: number): Promise<void> {
    const live: Made[] = []
    while (!stopped) {
      const name = `loop-${instance}-${++n}`
      const made = await timed('create', instance, () => api(url, '/user/tokens', { method: 'POST', auth, body: { tokenName: name } }))
      if (made.status === 201) {
        const body = (made as Awaited<ReturnType<typeof api>>).json<{ id: number; apiToken: string }>()
        const m = { id: body.id, secret: body.apiToken }
        record.created.set(m.id, m)
        live.push(m)
      }
      const newest = live[live.length - 1]
      if (newest !== undefined) {
        const login = await timed('login', instance, () => postLogin(url, { username: user, password: newest.secret }))
        if (login.status === 200) record.sessions.push(cookiePair(login as Awaited<ReturnType<typeof postLogin>>)!)
      }
      if (live.length > 3) {
        const old = live.shift()!
        const del = await timed('delete', instance, () => api(url, `/user/delete/${old.id}`, { method: 'DELETE', auth }))
        if (del.status === 200) record.deleted.add(old.id)
        else record.uncertain.add(old.id)
      }
      await sleep(pauseMs)
    }
  }

  const running = urls.map((u, i) => loop(u, i))
  return {
    record,
    async stop() {
      stopped = true
      await Promise.all(running)
      return record
    },
  }
}

export interface Disruption {
  /** Requests answered with neither their success status nor 503 (a 401 for a confirmed token, a 404 for its deletion, a 500). */
  readonly unexpected: Outcome[]
  readonly refused: number
  /** From the fault until a write sent after the first refusal (or the fault) succeeded: held writes count too. */
  readonly recoveryMs: number
}

const okStatus = (o: Outcome): boolean => (o.op === 'create' ? o.status === 201 : o.status === 200)

/** What the clients saw from `from` (the fault) until `to`, counting the given kinds of write. */
export function disruption(record: LoopRecord, from: number, to = Infinity, ops: ReadonlyArray<Outcome['op']> = ['create', 'login', 'delete']): Disruption {
  const window = record.outcomes.filter((o) => o.start >= from && o.start < to && ops.includes(o.op))
  const failed = window.filter((o) => !okStatus(o))
  const unexpected = window.filter((o) => !okStatus(o) && o.status !== 503)
  const after = failed.length === 0 ? from : Math.min(...failed.map((o) => o.start))
  const firstOk = window.filter((o) => okStatus(o) && o.start > after).map((o) => o.end)
  return { unexpected, refused: failed.length, recoveryMs: firstOk.length === 0 ? Infinity : Math.min(...firstOk) - from }
}

export interface Verdict {
  readonly confirmedTokens: number
  readonly confirmedDeletions: number
  readonly confirmedSessions: number
  /** Confirmed tokens (not deleted since) that no longer authenticate. */
  readonly lostTokens: number[]
  /** Confirmed deletions whose token authenticates again. */
  readonly resurrected: number[]
  readonly lostSessions: number
}

/** Runs `fn` over `items`, `width` at a time. */
async function each<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

/** Asks the restgate at `url` (fresh caches) about every confirmed write. Its policy must not lock the
 *  user out: every revoked token is presented. */
export async function verify(url: string, record: LoopRecord): Promise<Verdict> {
  const status = async (headers: Record<string, string>, path = '/rest/api/2/myself'): Promise<number> =>
    (await httpRequest(`${url}${path}`, { headers })).status
  const lostTokens: number[] = []
  const resurrected: number[] = []
  await each([...record.created.values()], 16, async ({ id, secret }) => {
    if (record.uncertain.has(id)) return
    const s = await status({ authorization: `Bearer ${secret}` })
    if (record.deleted.has(id) && s !== 401) resurrected.push(id)
    if (!record.deleted.has(id) && s !== 200) lostTokens.push(id)
  })
  let lostSessions = 0
  await each(record.sessions, 16, async (cookie) => {
    if ((await status({ cookie }, SESSION_PATH)) !== 200) lostSessions++
  })
  return {
    confirmedTokens: record.created.size,
    confirmedDeletions: record.deleted.size,
    confirmedSessions: record.sessions.length,
    lostTokens,
    resurrected,
    lostSessions,
  }
}
