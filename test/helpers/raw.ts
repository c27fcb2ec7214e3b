// A raw TCP client for what no HTTP client sends: a thousand header lines, a request dribbled out a byte at a
// time. Reads one response (status, headers, body by Content-Length) and notes when the server closed.
import net from 'node:net'

interface T {
  teardown(fn: () => unknown): void
}

export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
  json<J = Record<string, unknown>>(): J
}

export interface RawConnection {
  readonly socket: net.Socket
  /** The first response on the connection, or an error when it closed without one. */
  readonly response: Promise<RawResponse>
  /** Resolves when the server has closed the connection (ms since it was opened). */
  readonly closed: Promise<number>
  write(data: string | Buffer): void
}

function parse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'] ?? 0)
  const body = text.slice(end + 4)
  if (Buffer.byteLength(body) < length) return undefined
  return { status: Number(statusLine!.split(' ')[1]), headers, body, json: () => JSON.parse(body) }
}

/** Opens a connection to the host and port of `url`; destroyed in teardown. */
export async function rawConnect(t: T, url: string): Promise<RawConnection> {
  const u = new URL(url)
  const socket = net.connect(Number(u.port), u.hostname)
  t.teardown(() => socket.destroy())
  const opened = performance.now()
  socket.on('error', () => undefined)
  let text = ''
  const response = new Promise<RawResponse>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      const parsed = parse(text)
      if (parsed !== undefined) resolve(parsed)
    })
    socket.on('close', () => reject(new Error(`closed without a response${text.length > 0 ? `: ${text.slice(0, 200)}` : ''}`)))
  })
  response.catch(() => undefined)
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - opened)))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return { socket, response, closed, write: (data) => void (socket.destroyed || socket.write(data)) }
}

/** A request head with `count` header lines in all (Host included), each its own name. */
export function headWithLines(target: string, count: number, extra: readonly string[] = []): string {
  const lines = ['Host: localhost', ...extra]
  for (let i = lines.length; i < count; i++) lines.push(`X-Filler-${i}: ${i}`)
  return `GET ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`
}
