// The acceptor: one base64 Negotiate token in, the authenticated principal and the mutual-authentication
// response token out. A fresh GSS server context per handshake (a context is single-use); the binding
// runs gss_accept_sec_context on the libuv thread pool, off the event loop.
//
// Making the context for a named service principal acquires its acceptor credential (gss_import_name and
// gss_acquire_cred: a Kerberos context, the keytab searched), about 130 µs of CPU on every handshake,
// a fifth of a whole accept. When the keytab holds only that principal's keys, a context with no
// credential accepts exactly the same tickets (GSS can decrypt only what the keytab has a key for), and
// costs about 9 µs; the ticket's own service principal, which GSS reports after accepting it, is then
// checked against the keytab's principals as prepared, so a key added to the file later is never used.
import type { KerberosBinding } from './binding.js'
import { classifyGssError, gssDetail, type FailureKind } from './failures.js'

export interface Accepted {
  /** `alice@EXAMPLE.COM` */
  readonly principal: string
  /** Base64 token for `WWW-Authenticate: Negotiate <token>`, or null when GSS produced none. */
  readonly responseToken: string | null
}

export interface Acceptor {
  accept(token: string): Promise<Accepted>
}

/** A refused token: `kind` is the classified reason, `detail` the GSS text for the log. */
export class AcceptError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly detail: string,
  ) {
    super(detail)
    this.name = 'AcceptError'
  }
}

export interface AcceptorOptions {
  /**
   * The keytab holds keys of `servicePrincipal` only, under these principal names (`HTTP/host@REALM`):
   * accept with no credential and require the ticket to be for one of them.
   */
  readonly keytabOnly?: ReadonlySet<string>
}

/** `servicePrincipal` is `HTTP@host`, or '' to accept a ticket for any key in the keytab. */
export function createGssAcceptor(binding: KerberosBinding, servicePrincipal: string, options: AcceptorOptions = {}): Acceptor {
  const only = servicePrincipal === '' ? undefined : options.keytabOnly
  const credentialFor = only === undefined ? servicePrincipal : ''
  return {
    async accept(token) {
      let server
      try {
        server = await binding.initializeServer(credentialFor)
      } catch (err) {
        throw new AcceptError('no_service_key', gssDetail((err as Error).message))
      }
      let response: string | null
      let principal: string | null
      try {
        response = await server.step(token)
        // The binding reports success only for GSS_S_COMPLETE with a client name; check anyway, since a
        // half-finished SPNEGO exchange must never count as a login.
        principal = server.contextComplete ? server.username : null
      } catch (err) {
        const message = (err as Error).message
        throw new AcceptError(classifyGssError(message), gssDetail(message))
      }
      if (principal === null || principal.length === 0) {
        throw new AcceptError('rejected', 'the security context did not complete in one step')
      }
      if (only !== undefined) {
        const target = server.targetName
        if (target === null || !only.has(target)) {
          throw new AcceptError('wrong_principal', `the ticket is for ${target ?? 'an unnamed service'}, not ${servicePrincipal.replace('@', '/')}`)
        }
      }
      return { principal, responseToken: response }
    },
  }
}
