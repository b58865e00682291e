/**
 * Memoise a pure function of one string (or number). Captures repeat the same addresses and names across
 * thousands of flows, so per-flow code calls these with few distinct values; the cache is
 * emptied when it reaches `max` entries, so a capture of millions of distinct values costs
 * at most `max` entries of memory, never more.
 */
export function boundedMemo<T, K extends string | number = string>(fn: (key: K) => T, max = 65_536): (key: K) => T {
  let cache = new Map<K, T>()
  return (key: K): T => {
    const hit = cache.get(key)
    if (hit !== undefined || cache.has(key)) return hit as T
    const value = fn(key)
    if (cache.size >= max) cache = new Map()
    cache.set(key, value)
    return value
  }
}
