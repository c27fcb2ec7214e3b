// Where each record lives in Redis. Pure, so the layout can be read and tested in one place.
// Keys that one atomic step (MULTI or a script) touches together share a hash tag, so Redis Cluster puts
// them in one slot: a user's token records with the user's index (`{u:<user>}`), the token counter with
// the id → owner index (`{tokens}`), the snapshot index with the snapshots (`{snapshots}`). Names are
// URI-encoded so a user called `a}:x` can neither end a hash tag early nor forge another key.

const enc = encodeURIComponent

export interface RedisKeys {
  readonly tokenSeq: string
  /** HASH id → owner: finds a token by id, lists every token. */
  readonly tokenOwners: string
  /** ZSET of the user's token ids (score = id). */
  userTokens(user: string): string
  /** HASH: the token record. */
  token(user: string, id: number): string
  /** STRING `<id>:<user>`: the lookup by keyed hash on the authentication path. */
  tokenHash(hash: string): string
  session(key: string): string
  counter(key: string): string
  claim(key: string): string
  readonly snapshotIndex: string
  snapshot(id: string): string
  readonly meta: string
  readonly channel: string
  /** STRING with a TTL that /readyz writes; the tag picks the Cluster master it lands on. */
  probe(tag: string): string
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    tokenSeq: `${prefix}{tokens}:seq`,
    tokenOwners: `${prefix}{tokens}:owners`,
    userTokens: (user) => `${prefix}{u:${enc(user)}}:tokens`,
    token: (user, id) => `${prefix}{u:${enc(user)}}:token:${id}`,
    tokenHash: (hash) => `${prefix}token-hash:${hash}`,
    session: (key) => `${prefix}session:${enc(key)}`,
    counter: (key) => `${prefix}counter:${enc(key)}`,
    claim: (key) => `${prefix}claim:${enc(key)}`,
    snapshotIndex: `${prefix}{snapshots}:index`,
    snapshot: (id) => `${prefix}{snapshots}:snapshot:${enc(id)}`,
    meta: `${prefix}meta`,
    channel: `${prefix}invalidate`,
    probe: (tag) => `${prefix}{probe:${enc(tag)}}`,
  }
}
