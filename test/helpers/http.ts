// A plain HTTP client for tests that need exact control over what is sent: repeated headers, odd
// spellings, Connection tokens, raw request targets. No connection reuse, so each test sees its own socket.
import http from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'

export interface HttpResult {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly rawHeaders: string[]
  readonly body: Buffer
  json<T = Record<string, unknown>>(): T
}

export interface HttpOptions {
  readonly method?: string
  /** Object, or flat [name, value, ...] to send repeated or oddly spelled headers. */
  readonly headers?: Record<string, string | string[]> | string[]
  readonly body?: string | Buffer | Readable
  /** https: the CA certificate(s) to trust. */
  readonly ca?: string | Buffer
  /** The address the connection comes from (another 127.0.0.x stands for another client). */
  readonly localAddress?: string
}

export function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const u = new URL(url)
  // With a flat header list Node adds no Host header itself; HTTP/1.1 requires one.
  let headers = options.headers ?? {}
  const has = (name: string): boolean =>
    Array.isArray(headers) ? headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === name) : Object.keys(headers).some((h) => h.toLowerCase() === name)
  if (Array.isArray(headers) && !has('host')) headers = ['Host', u.host, ...headers]
  // Node sends DELETE/OPTIONS bodies without framing unless told the length.
  const body = options.body
  if ((typeof body === 'string' || Buffer.isBuffer(body)) && !has('content-length') && !has('transfer-encoding')) {
    const len = String(Buffer.byteLength(body))
    headers = Array.isArray(headers) ? [...headers, 'Content-Length', len] : { ...headers, 'content-length': len }
  }
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request({
      host: u.hostname.replace(/^\[(.*)\]$/, '$1'), // [::1] → ::1
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress, family: options.localAddress.includes(':') ? 6 : 4 }),
      port: u.port,
      // The target is sent as given: tests of the path canonicalizer need it untouched.
      path: url.slice(url.indexOf('/', u.protocol.length + 2)),
      method: options.method ?? 'GET',
      headers: headers as http.OutgoingHttpHeaders,
      agent: false,
    })
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        })
      })
    })
    if (body === undefined) req.end()
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body)
    else body.pipe(req)
  })
}
