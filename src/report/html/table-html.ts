import {esc} from './html-text.js'

/** A cell: its HTML (already escaped) and, when the shown text does not sort right, a sort key. */
export interface Cell {
  html: string
  sort?: string | number
}

export interface Column<T> {
  label: string
  /** Numeric columns sort as numbers (largest first on the first click) and align right. */
  numeric?: boolean
  /** `wide` lets long untrusted text (host names) wrap anywhere; `nowrap` keeps addresses whole. */
  wrap?: 'wide' | 'nowrap'
  cell: (row: T) => Cell | string
}

/** A cell from untrusted or computed text. */
export function text(value: string | number | null | undefined): Cell {
  return {html: esc(value)}
}

/** A numeric cell shown formatted, sorted by its value. */
export function num(value: number, shown: string = String(value)): Cell {
  return {html: esc(shown), sort: value}
}

/**
 * A table the inline script can sort by clicking a header (class `sortable`). Without JS it is
 * an ordinary table in the order given. Sort keys live in `data-sort`; the header carries
 * `data-type="number"` for numeric columns. `rowId` gives rows an anchor for links.
 */
export function renderTable<T>(options: {id: string; caption?: string; columns: Column<T>[]; rows: readonly T[]; rowId?: (row: T) => string}): string {
  const {id, caption, columns, rows, rowId} = options
  const out: string[] = [`<div class="table-wrap"><table class="sortable" id="${esc(id)}">`]
  if (caption) out.push(`<caption>${esc(caption)}</caption>`)
  out.push('<thead><tr>')
  for (const c of columns) out.push(`<th scope="col"${c.numeric ? ' data-type="number"' : ''}${cellClass(c)}>${esc(c.label)}</th>`)
  out.push('</tr></thead><tbody>')
  for (const row of rows) {
    const anchor = rowId ? ` id="${esc(rowId(row))}"` : ''
    out.push(`<tr${anchor}>`)
    for (const c of columns) {
      const value = c.cell(row)
      const cell = typeof value === 'string' ? text(value) : value
      const sort = cell.sort !== undefined ? ` data-sort="${esc(cell.sort)}"` : ''
      out.push(`<td${sort}${cellClass(c)}>${cell.html}</td>`)
    }
    out.push('</tr>')
  }
  out.push('</tbody></table></div>')
  return out.join('')
}

function cellClass(c: {numeric?: boolean; wrap?: Column<unknown>['wrap']}): string {
  const classes = [c.numeric ? 'num' : '', c.wrap ?? ''].filter(Boolean)
  return classes.length ? ` class="${classes.join(' ')}"` : ''
}
