// The one place that reads which request an auth request stands for. Each front proxy says it its own way:
//   nginx auth_request   X-Original-URI and X-Original-Method, set in the auth location (the convention of
//                        oauth2-proxy's and Authelia's nginx guides); the subrequest itself is a GET
//   Traefik ForwardAuth  X-Forwarded-Uri and X-Forwarded-Method (a GET, unless preserveRequestMethod)
//   Envoy ext_authz      the original method, and the original path and query after the endpoint's
//                        path_prefix (`/restgate/auth/rest/api/2/...`)
// Exactly one of the three must be there. Two would be two readings of one request, and a client can add
// either header on its way through a front proxy that does not clear it, so two are refused, never ranked.
// The original target then goes through the same canonical-path wall as a proxied request.
import type { IncomingHttpHeaders } from 'node:http'
import { rgError, type RgError } from '../errors.js'
import { FORWARD_AUTH_PATH } from '../config/paths.js'
import { canonicalizePath } from '../policy/canonical-path.js'

export type Front = 'nginx' | 'traefik' | 'envoy'

export interface Original {
  readonly front: Front
  /** The original method, exactly as the front proxy named it. */
  readonly method: string
  /** The original canonical path within the product's context path, what every rule is decided on. */
  readonly path: string
  /**
   * The original target as the front proxy forwards it (path and query, not canonicalised): what the
   * signed assertion covers, since the application's verifier reads the request it receives.
   */
  readonly target: string
}

// RFC 9110 §5.6.2 token: a method is nothing else.
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

function badRequest(message: string): RgError {
  return rgError('RG_ERR_BAD_REQUEST', message)
}

function methodFrom(value: string | undefined, name: string): string | RgError {
  if (value === undefined) return badRequest(`${name} is missing: the front proxy must send the original method with the original URI`)
  if (!METHOD.test(value)) return badRequest(`${name} is not an HTTP method`)
  return value
}

function pathFrom(target: string, name: string): string | RgError {
  if (target.charCodeAt(0) !== 47) return badRequest(`${name} must be an origin-form request target (/path?query), not ${JSON.stringify(target.slice(0, 64))}`)
  const c = canonicalizePath(target)
  return c.ok ? c.path : rgError('RG_ERR_BAD_PATH', `The original request path cannot be read unambiguously: ${c.reason}`)
}

/** Where the endpoint is: under its product's context path (`/jira/restgate/auth`), as the product's routes. */
export interface Endpoint {
  readonly endpoint: string
  readonly contextPath: string
}

const AT_ROOT: Endpoint = { endpoint: FORWARD_AUTH_PATH, contextPath: '' }

/** Envoy's form: the original path after the endpoint's own (`/restgate/auth/rest/...`). */
export function envoyForm(url: string, endpoint: string = FORWARD_AUTH_PATH): boolean {
  return url.length > endpoint.length && url.charCodeAt(endpoint.length) === 47
}

/**
 * The original path within the product's context path, as the product scope cuts a proxied request's; a
 * path outside it is for another application (or another product's endpoint), never decided on here.
 */
function withinContext(path: string, contextPath: string): string | RgError {
  if (contextPath === '') return path
  if (path === contextPath) return '/'
  if (path.startsWith(contextPath) && path.charCodeAt(contextPath.length) === 47) return path.slice(contextPath.length)
  return badRequest(
    `The original request ${JSON.stringify(path.slice(0, 64))} is not under this product's context path ${contextPath}: ask the endpoint of the product it is for`,
  )
}

/**
 * The original request of an auth request. `method` and `url` are the auth request's own (its URL already
 * canonical: restgate's router only sees canonical targets), `rawUrl` that URL as received, `headers` its
 * headers, which are the original request's as the front proxy passed them on.
 */
export function readOriginal(method: string, url: string, headers: IncomingHttpHeaders, rawUrl: string = url, at: Endpoint = AT_ROOT): Original | RgError {
  const uri = header(headers, 'x-original-uri')
  const forwardedUri = header(headers, 'x-forwarded-uri')
  const { endpoint, contextPath } = at
  const suffix = envoyForm(url, endpoint) ? url.slice(endpoint.length) : undefined
  const given = (uri === undefined ? 0 : 1) + (forwardedUri === undefined ? 0 : 1) + (suffix === undefined ? 0 : 1)
  if (given === 0) {
    return badRequest(
      `No original URI: nginx sends X-Original-URI, Traefik X-Forwarded-Uri, Envoy the original path after ${endpoint}`,
    )
  }
  if (given > 1) {
    const which = [uri && 'X-Original-URI', forwardedUri && 'X-Forwarded-Uri', suffix && `a path after ${endpoint}`].filter(Boolean)
    return badRequest(`Two readings of the original request (${which.join(' and ')}): the front proxy must clear the one it does not set`)
  }
  if (suffix !== undefined) {
    // Canonical already, with the rest of the auth request's URL; the query plays no part in a decision.
    const within = withinContext(suffix.split('?', 1)[0]!, contextPath)
    if (typeof within !== 'string') return within
    return { front: 'envoy', method, path: within, target: rawUrl.slice(endpoint.length) }
  }
  const nginx = uri !== undefined
  const target = nginx ? uri : forwardedUri!
  const m = methodFrom(header(headers, nginx ? 'x-original-method' : 'x-forwarded-method'), nginx ? 'X-Original-Method' : 'X-Forwarded-Method')
  if (typeof m !== 'string') return m
  const path = pathFrom(target, nginx ? 'X-Original-URI' : 'X-Forwarded-Uri')
  if (typeof path !== 'string') return path
  const within = withinContext(path, contextPath)
  if (typeof within !== 'string') return within
  return { front: nginx ? 'nginx' : 'traefik', method: m, path: within, target }
}
