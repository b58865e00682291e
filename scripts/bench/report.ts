/** Plain-text rendering helpers for the bench report (no colours: the output is meant to be
 * pasted into issues and notes). */

export function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '-'
  return value.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits})
}

export function int(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-'
  return Math.round(value).toLocaleString('en-US')
}

/** Columns padded to their widest cell; numbers (and '-') right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)))
  const numeric = (cell: string): boolean => /^[-+]?[\d,.]+[×%]?$|^-$/.test(cell)
  const line = (cells: string[], align: boolean): string =>
    cells
      .map((cell, c) => (align && c > 0 && numeric(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd()
  return [line(header, false), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r, true))].join('\n')
}

/** "met" / "MISSED" next to a target; the bench reports, it never fails. */
export function verdict(ok: boolean | undefined): string {
  if (ok === undefined) return 'n/a'
  return ok ? 'met' : 'MISSED'
}
