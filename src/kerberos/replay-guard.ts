// Replay detection across restgate instances. MIT's replay cache is a file on one host, so an
// `Authorization: Negotiate` header captured in front of one instance could be replayed to another. After
// the acceptor has accepted a token, the guard claims a hash of its authenticator in the shared store
// (Redis `SET NX PX`); a second claim anywhere within the window is a replay.
//
// The window is twice the allowed clock skew: an authenticator stamped at T is accepted while the
// acceptor's clock reads T±skew, so its first use can come up to 2×skew before its last possible use.
import { createHash } from 'node:crypto'
import type { Store } from '../store/types.js'
import { authenticatorCipher } from './ap-req.js'

/** Kerberos' default clock skew (krb5.conf `clockskew`, Active Directory's "maximum tolerance"). */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000

export type ReplayVerdict = 'first' | 'replay' | 'unreadable'

export interface ReplayGuard {
  /** Claims an accepted token. Rejects with the store's error (StoreUnavailableError) when it cannot answer. */
  claim(token: Buffer): Promise<ReplayVerdict>
}

export interface ReplayGuardOptions {
  readonly clockSkewMs?: number
  /** Prefix inside the store's own key space. */
  readonly keyPrefix?: string
}

export function createReplayGuard(store: Pick<Store, 'claimOnce'>, options: ReplayGuardOptions = {}): ReplayGuard {
  const ttlMs = 2 * (options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS)
  const prefix = options.keyPrefix ?? 'krb5-replay:'
  return {
    async claim(token) {
      const cipher = authenticatorCipher(token)
      if (cipher === undefined) return 'unreadable'
      const key = prefix + createHash('sha256').update(cipher).digest('base64url')
      return (await store.claimOnce(key, ttlMs)) ? 'first' : 'replay'
    },
  }
}
