// identity.oauth: the consumer key and RSA private key restgate signs upstream requests with, reloadable like
// the identity-signing key. A reload re-reads identity.oauth.privateKeyFile; a file that cannot be read, is not
// a PEM private key, or holds anything but an RSA key of 2048 bits or more refuses the whole reload, and the
// key in force stays.
import { createHash, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Clock } from '../clock.js'
import type { Config } from '../config/schema.js'
import { productsOf } from '../config/products.js'
import type { PrepareOutcome } from '../config/prepare.js'
import { authorizationHeader, prepareImpersonated, rsaSha1Async, type Pair } from './oauth1.js'

export const MIN_RSA_BITS = 2048

export interface OAuthSigned {
  /** The target to send: the request's own with xoauth_requestor_id added. */
  readonly target: string
  readonly authorization: string
}

export interface OAuthSigner {
  /**
   * Signs a request restgate authenticated, as `user`. `clash` names a parameter the client sent that only restgate
   * may set (an oauth_* or xoauth_requestor_id in the query or form body): such a request is never signed.
   *
   * The RSA signature (about 0.6 ms of CPU for 2048 bits) is made on libuv's thread pool: signing inline kept the
   * event loop busy for every signature, and a health check on the same process waited behind them (measured:
   * /healthz p50 15-49 ms inline, 6-19 ms on the pool, under the same OAuth load on one pinned core).
   */
  sign(user: string, request: { method: string; target: string; formPairs?: readonly Pair[] }): Promise<OAuthSigned | { clash: string }>
}

export interface OAuthBox extends OAuthSigner {
  prepare(config: Config): PrepareOutcome
}

const KEY_PATH = 'identity.oauth.privateKeyFile'

interface Credentials {
  readonly consumerKey: string
  readonly privateKey: KeyObject
  readonly origin: string
}

function readKey(file: string): KeyObject | string {
  let pem: Buffer
  try {
    pem = readFileSync(file)
  } catch (err) {
    return `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`
  }
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    return `${file} is not a PEM private key (openssl genrsa -out ${file} 2048, or a PKCS#8 "BEGIN PRIVATE KEY" file)`
  }
  if (key.asymmetricKeyType !== 'rsa') return `${file} holds an ${key.asymmetricKeyType ?? 'unknown'} key: RSA-SHA1 needs an RSA key`
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < MIN_RSA_BITS) return `${file} holds an RSA key of ${bits} bits: at least ${MIN_RSA_BITS}`
  return key
}

export function createOAuthBox(clock: Clock, nonce: () => string = () => randomBytes(16).toString('hex')): OAuthBox {
  // Kept when a reload removes identity.oauth, as the signing key is: a request that started under the old
  // policy still signs; requests under the new policy do not ask (the forwarder checks the request's policy).
  let current: Credentials | undefined
  return {
    sign(user, request) {
      // Only reachable if a policy with identity.oauth were in force without its key: never send unsigned then.
      if (current === undefined) throw new Error('identity.oauth is configured but no key is loaded')
      const c = current
      const prepared = prepareImpersonated({ ...request, origin: c.origin }, user, c.consumerKey, {
        timestamp: Math.floor(clock.now() / 1000),
        nonce: nonce(),
      })
      if (!prepared.ok) return Promise.resolve({ clash: prepared.parameter })
      return rsaSha1Async(prepared.base, c.privateKey).then((sig) => ({ target: prepared.target, authorization: authorizationHeader(prepared.params, sig) }))
    },
    prepare(config) {
      const oauth = config.identity.oauth
      if (oauth === undefined) return { fingerprint: 'none', commit: () => undefined }
      const key = readKey(oauth.privateKeyFile)
      if (typeof key === 'string') return { problems: [{ path: KEY_PATH, message: key }] }
      // With products, check-config allows identity.oauth only when they share one origin.
      const origin = new URL(oauth.baseUrl ?? productsOf(config)[0]?.origin ?? 'http://invalid').origin
      const der = key.export({ type: 'pkcs8', format: 'der' })
      // A digest of the key with what it signs for: a reload that changes only the file is still applied.
      const fingerprint = createHash('sha256').update(der).update(`\n${oauth.consumerKey}\n${origin}`).digest('hex')
      return { fingerprint, commit: () => void (current = { consumerKey: oauth.consumerKey, privateKey: key, origin }) }
    },
  }
}
