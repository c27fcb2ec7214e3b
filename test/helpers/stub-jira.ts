// A small stand-in for Jira on loopback: it records every request it receives (headers exactly as they
// arrived, body size and hash) and answers a few test routes. It is the outside world, nothing more.
import { createHash } from 'node:crypto'
import { EventEmitter, once } from 'node:events'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly rawHeaders: string[]
  bytes: number
  sha256: string
  /** The body's first 64 KiB as text (logins, small JSON). */
  text: string
  /** The connection closed before the stub answered (the proxy gave up on it). */
  aborted: boolean
}

export interface StubUser {
  readonly password: string
  readonly displayName?: string
  readonly groups?: readonly string[]
}

export interface StubJira {
  readonly url: string
  readonly port: number
  readonly requests: Recorded[]
  readonly events: EventEmitter
  /** Jira accounts for /rest/api/2/myself and /rest/auth/1/session. */
  users: Map<string, StubUser>
  /** Answer a request yourself: return true when handled. */
  handle: ((req: IncomingMessage, res: ServerResponse, rec: Recorded) => boolean) | undefined
  /** Header whose value the stub trusts as the logged-in user (restgate's identity header). */
  identityHeader: string
  waitForRequest(match: (r: Recorded) => boolean, timeoutMs?: number): Promise<Recorded>
  close(): Promise<void>
}

/** Deterministic bytes, so a streamed body can be checked by hash on the other side. */
export function patternChunk(size: number, offset = 0): Buffer {
  const b = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) b[i] = (offset + i) % 251
  return b
}

export function patternSha256(total: number, chunk = 64 * 1024): string {
  const h = createHash('sha256')
  for (let off = 0; off < total; off += chunk) h.update(patternChunk(Math.min(chunk, total - off), off))
  return h.digest('hex')
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

function basicUser(req: IncomingMessage): { user: string; password: string } | undefined {
  const h = req.headers.authorization
  if (h === undefined || !h.startsWith('Basic ')) return undefined
  const text = Buffer.from(h.slice(6), 'base64').toString('utf8')
  const i = text.indexOf(':')
  return i === -1 ? undefined : { user: text.slice(0, i), password: text.slice(i + 1) }
}

export async function startStubJira(t: { teardown(fn: () => unknown): void }): Promise<StubJira> {
  const requests: Recorded[] = []
  const events = new EventEmitter()
  const stub = {
    requests,
    events,
    users: new Map<string, StubUser>(),
    handle: undefined as StubJira['handle'],
    identityHeader: 'x-forwarded-user',
  } as StubJira & { url: string; port: number }

  function myself(req: IncomingMessage, res: ServerResponse): void {
    const basic = basicUser(req)
    let name: string | undefined
    if (basic !== undefined) {
      const u = stub.users.get(basic.user)
      if (u !== undefined && u.password === basic.password) name = basic.user
      else return json(res, 401, { errorMessages: ['Login failed'] }, { 'x-seraph-loginreason': 'AUTHENTICATED_FAILED' })
    } else {
      const header = req.headers[stub.identityHeader]
      if (typeof header === 'string') name = header
    }
    if (name === undefined) return json(res, 401, { errorMessages: ['You are not authenticated.'] })
    const u = stub.users.get(name)
    const groups = u?.groups ?? []
    json(res, 200, {
      self: `${stub.url}/rest/api/2/user?username=${name}`,
      name,
      key: name,
      displayName: u?.displayName ?? name,
      active: true,
      groups: { size: groups.length, items: groups.map((g) => ({ name: g })) },
    })
  }

  function answer(req: IncomingMessage, res: ServerResponse, rec: Recorded): void {
    const url = new URL(req.url ?? '/', 'http://stub')
    const path = url.pathname
    if (stub.handle?.(req, res, rec)) return
    if (path === '/stub/hang') {
      events.emit('hang', rec)
      return
    }
    if (path === '/stub/slow') {
      const timer = setTimeout(() => json(res, 200, { slow: true }), Number(url.searchParams.get('ms') ?? '1000'))
      res.on('close', () => clearTimeout(timer))
      return
    }
    if (path === '/stub/big') {
      const total = Number(url.searchParams.get('bytes') ?? '0')
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      let off = 0
      const pump = (): void => {
        while (off < total) {
          const chunk = patternChunk(Math.min(64 * 1024, total - off), off)
          off += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
      return
    }
    if (path.startsWith('/stub/status/')) {
      json(res, Number(path.slice('/stub/status/'.length)), { status: true })
      return
    }
    if (path === '/stub/response-headers') {
      res.writeHead(200, [
        ['Content-Type', 'application/json'],
        ['Connection', 'keep-alive, X-Upstream-Private'],
        ['X-Upstream-Private', 'hop'],
        ['Keep-Alive', 'timeout=5'],
        ['Set-Cookie', 'JSESSIONID=abc; Path=/; HttpOnly'],
        ['Set-Cookie', 'atlassian.xsrf.token=xyz; Path=/'],
        ['X-Kept', 'yes'],
      ] as unknown as http.OutgoingHttpHeaders)
      res.end('{}')
      return
    }
    if (path === '/rest/api/2/myself') return myself(req, res)
    json(res, 200, { method: req.method, url: req.url, bytes: rec.bytes, sha256: rec.sha256 })
  }

  // Jira behind restgate needs Tomcat's maxHttpHeaderSize raised the same way for passthrough tickets.
  const server = http.createServer({ maxHeaderSize: 128 * 1024 }, (req, res) => {
    const rec: Recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      bytes: 0,
      sha256: '',
      text: '',
      aborted: false,
    }
    requests.push(rec)
    events.emit('request', rec)
    res.on('close', () => {
      if (!res.writableFinished) {
        rec.aborted = true
        events.emit('aborted', rec)
      }
    })
    const hash = createHash('sha256')
    req.on('data', (c: Buffer) => {
      if (rec.bytes < 64 * 1024) rec.text += c.subarray(0, 64 * 1024 - rec.bytes).toString('utf8')
      rec.bytes += c.length
      hash.update(c)
    })
    req.on('end', () => {
      rec.sha256 = hash.digest('hex')
      events.emit('body', rec)
      answer(req, res, rec)
    })
  })
  server.keepAliveTimeout = 30_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  stub.url = `http://127.0.0.1:${port}`
  stub.port = port
  stub.waitForRequest = (match, timeoutMs = 5000) => {
    const found = requests.find(match)
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        events.off('request', listener)
        reject(new Error('stub: request not seen in time'))
      }, timeoutMs)
      const listener = (r: Recorded): void => {
        if (!match(r)) return
        clearTimeout(timer)
        events.off('request', listener)
        resolve(r)
      }
      events.on('request', listener)
    })
  }
  stub.close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.teardown(() => stub.close())
  return stub
}
