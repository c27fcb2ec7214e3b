// A bounded per-user cache of directory answers, least recently used out first, and the pure rule for
// how long an answer may be used: fresh for cacheSeconds, then only while the upstream cannot be asked,
// for graceSeconds more. Past that nothing is known, and nothing is granted.

export interface Answer {
  readonly groups: readonly string[]
  /** When the upstream gave this answer (clock ms). */
  readonly at: number
}

export interface CacheEntry {
  /** The last good answer, if there ever was one. */
  readonly answer: Answer | undefined
  /** Do not ask the upstream again before this (clock ms): set after a failed lookup. */
  readonly retryAt: number
}

export type Freshness = 'fresh' | 'grace' | 'expired'

/** How usable an answer obtained at `at` is at `now`. */
export function freshness(at: number, now: number, cacheMs: number, graceMs: number): Freshness {
  const age = now - at
  // A clock that went backwards makes every answer look fresh forever: treat it as expired instead.
  if (age < 0) return 'expired'
  if (age < cacheMs) return 'fresh'
  if (age < cacheMs + graceMs) return 'grace'
  return 'expired'
}

export class BoundedCache<V> {
  private readonly map = new Map<string, V>()

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.map.size
  }

  get(key: string): V | undefined {
    const v = this.map.get(key)
    if (v === undefined) return undefined
    // Map keeps insertion order: re-inserting makes this the most recently used.
    this.map.delete(key)
    this.map.set(key, v)
    return v
  }

  set(key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string
      this.map.delete(oldest)
    }
  }

  delete(key: string): void {
    this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
  }
}
