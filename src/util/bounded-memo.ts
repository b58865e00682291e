/**
 * Memoise a pure function of one string. Captures repeat the same addresses and names across
 * thousands of flows, so per-flow code calls these with few distinct values; the cache is
 * emptied when it reaches `max` entries, so a capture of millions of distinct values costs
 * at most `max` entries of memory, never more.
 */
export function boundedMemo<T>(fn: (key: string) => T, max = 65_536): (key: string) => T {
  let cache = new Map<string, T>()
  return (key: string): T => {
    const hit = cache.get(key)
    if (hit !== undefined || cache.has(key)) return hit as T
    const value = fn(key)
    if (cache.size >= max) cache = new Map()
    cache.set(key, value)
    return value
  }
}
