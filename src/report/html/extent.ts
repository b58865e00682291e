/** Smallest and largest of many numbers without spreading them into arguments (a call's
 * argument list overflows the stack at a few hundred thousand values). */

export function minOf(values: Iterable<number>, empty: number): number {
  let min = Infinity
  for (const v of values) if (v < min) min = v
  return min === Infinity ? empty : min
}

export function maxOf(values: Iterable<number>, empty: number): number {
  let max = -Infinity
  for (const v of values) if (v > max) max = v
  return max === -Infinity ? empty : max
}
