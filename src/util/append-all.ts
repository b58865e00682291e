/**
 * Append `items`, then `more`, to `target`, and return it. `target.push(...items)` passes every
 * item as an argument of one call: past about a hundred thousand (a report's endpoints, the
 * organisations named in 100 000 SNIs) that overflows the stack.
 */
export function appendAll<T>(target: T[], items: Iterable<T>, ...more: T[]): T[] {
  for (const item of items) target.push(item)
  for (const item of more) target.push(item)
  return target
}
