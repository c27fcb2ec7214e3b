// The Kerberos (SPNEGO) authenticator as a running restgate uses it. MIT's replay cache is a file on one
// host. With the Redis store (several instances), each accepted authenticator is also claimed in Redis, so
// a header captured in front of one instance is refused by every other; a store that cannot answer refuses
// the handshake (503). The embedded store serves one host, where the file replay cache already covers it.
// With kerberos.sessions, a handshake also opens a restgate session (its Set-Cookie goes on the response).
import type { Config } from '../config/schema.js'
import type { Authenticator } from '../auth/types.js'
import { createSpnegoAuthenticator, type AfterHandshake } from '../auth/spnego.js'
import { createReplayGuard } from '../kerberos/replay-guard.js'
import type { KerberosHolder } from '../kerberos/setup.js'
import type { Metrics } from '../observability/metrics.js'
import type { Store } from '../store/types.js'

export interface KerberosDeps {
  readonly config: Config
  readonly kerberos: KerberosHolder
  readonly metrics: Metrics
  readonly store: Pick<Store, 'claimOnce'>
  readonly afterHandshake: AfterHandshake
}

export function setupKerberos(deps: KerberosDeps): Authenticator {
  return createSpnegoAuthenticator({
    kerberos: deps.kerberos,
    metrics: deps.metrics,
    replayGuard: deps.config.store.type === 'redis' ? createReplayGuard(deps.store) : undefined,
    afterHandshake: deps.afterHandshake,
  })
}
