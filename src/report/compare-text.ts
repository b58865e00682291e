/**
 * Orderings that do not depend on the locale (localeCompare may differ between ICU builds):
 * every output must be byte-identical everywhere. UTF-16 code-unit order, as Array.sort's
 * default.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Sorted copy without duplicates. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareText)
}

/** Whether two string lists hold the same values (order and duplicates ignored). */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = sortedUnique(a)
  const y = sortedUnique(b)
  return x.length === y.length && x.every((v, i) => v === y[i])
}
