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

/**
 * The order localeCompare gives in English, fixed to that one locale: localeCompare without a
 * locale follows the machine's LANG (under da_DK an IPv6 group "aa" sorts after "b", as "å";
 * under cs_CZ "CH" after "HU"), so the same capture gave other bytes on another machine. For
 * orders that reports have always had (endpoints: digits, then '.' and ':' where code units would
 * put them).
 */
export const englishOrder = new Intl.Collator('en')
