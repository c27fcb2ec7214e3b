// A form body read before forwarding, for the one case that needs it: OAuth signs the parameters of an
// application/x-www-form-urlencoded body (RFC 5849 §3.4.1.3.1). Bounded like Tomcat's maxPostSize, so a
// client cannot make restgate hold an arbitrary body in memory.
import type { IncomingMessage } from 'node:http'

export const FORM_BODY_LIMIT = 2 * 1024 * 1024

export function isFormUrlencoded(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semi = contentType.indexOf(';')
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

/** The whole body, or 'too-large' as soon as it passes `limit` bytes (what is left is not read). */
export function readBody(stream: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(stream.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too-large')
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        stream.pause()
        resolve('too-large')
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const onAborted = (): void => onError(new Error('client closed the connection'))
    const cleanup = (): void => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.off('aborted', onAborted)
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('error', onError)
    stream.once('aborted', onAborted)
  })
}
