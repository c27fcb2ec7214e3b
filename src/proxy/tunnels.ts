// The WebSockets open through restgate, so they can be closed when what let them in ends: the session
// or token that authenticated the upgrade is ended or revoked (the store's invalidation events, from any
// instance), or reaches its expiry; and at shutdown, once server.drainTimeout has passed.
import type { Identity } from '../model/identity.js'
import type { InvalidationEvent, Store } from '../store/types.js'

export interface Tunnel {
  readonly identity: Identity | undefined
  /** Destroys both sockets; `reason` goes in the log line. */
  close(reason: string): void
}

export interface Tunnels {
  /** Registers an open tunnel; returns its removal (called when it closes by itself). */
  add(tunnel: Tunnel): () => void
  /**
   * A place for one more tunnel while its upgrade goes upstream, or undefined when `max` are open or
   * opening already; released once the tunnel is added or given up.
   */
  reserve(max: number): { release(): void } | undefined
  readonly size: number
  /** Closes every open tunnel (shutdown). */
  closeAll(reason: string): void
  close(): void
}

// setTimeout keeps a delay in 32 bits: a token that ends in a year is re-armed on the way.
const MAX_DELAY_MS = 2_147_483_647

/** Whether an event ends what let this tunnel in. `all` (a gap in the events): fail closed, for revocable logins. */
export function endedBy(event: InvalidationEvent, identity: Identity | undefined): boolean {
  if (identity === undefined || (identity.method !== 'session' && identity.method !== 'token')) return false
  switch (event.kind) {
    case 'session':
      return identity.sessionKey === event.key
    case 'token':
      return identity.tokenId === event.id
    case 'user':
      return identity.user === event.user
    case 'all':
      return true
  }
}

export function createTunnels(deps: { readonly store: Pick<Store, 'subscribe'>; readonly now: () => number }): Tunnels {
  const open = new Set<Tunnel>()
  let opening = 0
  const unsubscribe = deps.store.subscribe((event) => {
    for (const t of open) {
      if (!endedBy(event, t.identity)) continue
      const what = event.kind === 'all' ? 'missed invalidation events (store reconnect)' : `${t.identity!.method} ${event.kind === 'user' ? 'of a changed user' : 'ended or revoked'}`
      t.close(what)
    }
  })
  return {
    add(tunnel) {
      open.add(tunnel)
      let timer: NodeJS.Timeout | undefined
      const expiresAt = tunnel.identity?.expiresAt
      const arm = (): void => {
        if (expiresAt === undefined) return
        const left = expiresAt - deps.now()
        if (left <= 0) return tunnel.close(`${tunnel.identity!.method} expired`)
        timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS))
        timer.unref()
      }
      arm()
      return () => {
        clearTimeout(timer)
        open.delete(tunnel)
      }
    },
    reserve(max) {
      if (open.size + opening >= max) return undefined
      opening++
      let released = false
      return {
        release() {
          if (released) return
          released = true
          opening--
        },
      }
    },
    get size() {
      return open.size
    },
    closeAll(reason) {
      for (const t of [...open]) t.close(reason)
    },
    close() {
      unsubscribe()
    },
  }
}
