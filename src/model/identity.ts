// The words every layer shares about who a caller is: how they proved it, what a token lets them do, and
// what a login established. Types only, importing nothing, so the store, the tokens, the request state
// and the authenticators can all use them without reaching up into auth/ (Authelia's internal/model/).

export type AuthMethod = 'kerberos' | 'token' | 'session' | 'password'

export type TokenScope = 'read' | 'write'

export interface Identity {
  readonly user: string
  readonly method: AuthMethod
  /** Group names, when the directory knows them (sent in identity.groupsHeader). */
  readonly groups?: readonly string[]
  /** Set for token logins: the token's id and what it may do. */
  readonly tokenId?: number
  readonly scope?: TokenScope
  readonly tokenPaths?: readonly string[] | null
  /** Set for session logins: the session's store key (a hash, never the cookie value). */
  readonly sessionKey?: string
  /** When the token or session ends at the latest (epoch ms): an open WebSocket closes then. */
  readonly expiresAt?: number
}

/** A login that succeeded: who the caller is, and what restgate took from the request to know it. */
export interface AuthSuccess {
  readonly identity: Identity
  /** The client credential restgate consumed: never forwarded upstream. */
  readonly consumed: 'authorization' | 'cookie'
  /** Headers for the client's response: a mutual-auth Negotiate token, a Set-Cookie. */
  readonly responseHeaders?: Readonly<Record<string, string | readonly string[]>>
}
