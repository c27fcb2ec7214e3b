// Transport failures mapped to the status a client should see. Pure.
import type { ErrorCode } from '../errors.js'

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])
const BAD_RESPONSE = new Set(['HPE_INVALID_CONSTANT', 'HPE_INVALID_HEADER_TOKEN', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_INFO'])

export function upstreamErrorCode(err: unknown): ErrorCode {
  const code = (err as { code?: string } | null)?.code
  if (code === undefined) return 'RG_ERR_UPSTREAM_UNAVAILABLE'
  if (TIMEOUTS.has(code)) return 'RG_ERR_UPSTREAM_TIMEOUT'
  if (BAD_RESPONSE.has(code) || code.startsWith('HPE_')) return 'RG_ERR_UPSTREAM_BAD_RESPONSE'
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return 'RG_ERR_BAD_REQUEST'
  return 'RG_ERR_UPSTREAM_UNAVAILABLE'
}
