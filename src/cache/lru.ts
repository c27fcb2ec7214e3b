// A bounded in-process cache: least recently used entries go first, and no entry is served after its TTL.
// Limits are read on each call, so a policy reload applies to entries already cached.

export interface CacheLimits {
  readonly maxEntries: number
  readonly ttlMs: number
}

interface Entry<V> {
  value: V
  storedAt: number
}

export class LruTtlCache<K, V> {
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  private readonly entries = new Map<K, Entry<V>>()

  constructor(private readonly limits: () => CacheLimits) {}

  get size(): number {
    return this.entries.size
  }

  /** The value, or undefined when absent or older than the TTL (then it is dropped). */
  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    const { ttlMs } = this.limits()
    if (now - entry.storedAt >= ttlMs || now < entry.storedAt) {
      this.entries.delete(key)
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  set(key: K, value: V, now: number): void {
    const { maxEntries, ttlMs } = this.limits()
    if (maxEntries <= 0 || ttlMs <= 0) return
    this.entries.delete(key)
    this.entries.set(key, { value, storedAt: now })
    while (this.entries.size > maxEntries) {
      const oldest = this.entries.keys().next().value as K
      this.entries.delete(oldest)
    }
  }

  delete(key: K): void {
    this.entries.delete(key)
  }

  deleteWhere(match: (value: V, key: K) => boolean): void {
    for (const [key, entry] of this.entries) if (match(entry.value, key)) this.entries.delete(key)
  }

  clear(): void {
    this.entries.clear()
  }
}
