/** Items a summary line names at most before it counts the rest. */
export const MAX_NAMED_IN_LINE = 8

/**
 * `a, b, c` — or, past `max` items, the first `max` and how many more: a header line that a
 * capture can make as long as it likes (the organisations of 100 000 SNIs, the addresses STUN
 * mapped at a NAT gateway) stays a line. The JSON report lists every item.
 */
export function cappedList(items: readonly string[], max = MAX_NAMED_IN_LINE): string {
  if (items.length <= max) return items.join(', ')
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more (all in the JSON report)`
}
