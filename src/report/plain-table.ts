import {displayWidth, padColumns, sliceColumns} from './display-width.js'

/** Text cut to `width` terminal columns (display-width.ts), the last one an ellipsis when cut;
 * the cut falls between grapheme clusters, never inside a surrogate pair or a combining sequence. */
export function clip(text: string, width: number): string {
  return displayWidth(text) > width ? `${sliceColumns(text, width - 1).text}…` : text
}

/**
 * A borderless terminal table indented by two spaces, cells a space apart, no trailing spaces.
 * With `widths`, each column has that width and longer cells wrap at word boundaries; without,
 * columns are as wide as their widest cell. A `\n` in a cell starts a new line in it. Widths
 * are terminal columns (display-width.ts), so CJK, emoji and combining marks keep the columns
 * aligned. Cells must already be safe (safeTerminal); a coloured cell (chalk) must fit its
 * column, as headers do.
 *
 * This was the `table` package with void borders, which measures with string-width 4: its
 * emoji list and zero-width ranges are older and narrower than display-width.ts, so a cell
 * fitted here could come out wider there. Output for ASCII cells is the same.
 */
export function plainTable(rows: string[][], widths?: readonly number[]): string {
  const cells = rows.map((row) => row.map((cell, i) => {
    const lines = cell.split('\n')
    const width = widths?.[i]
    return width === undefined ? lines : lines.flatMap((line) => wrapCell(line, width))
  }))
  const columns = widths ? [...widths] : []
  if (!widths) {
    for (const row of cells) {
      row.forEach((lines, i) => {
        for (const line of lines) columns[i] = Math.max(columns[i] ?? 0, displayWidth(line))
      })
    }
  }
  const out: string[] = []
  for (const row of cells) {
    const height = Math.max(1, ...row.map((lines) => lines.length))
    for (let k = 0; k < height; k++) {
      out.push(row.map((lines, i) => `${i === 0 ? '  ' : ' '}${padColumns(lines[k] ?? '', columns[i] ?? 0)} `).join('').trimEnd())
    }
  }
  return out.join('\n')
}

/**
 * One line of a cell wrapped to `width` columns as the `table` package's wrapWord does: a line
 * ends after whitespace (which is dropped) or after `\ / _ . , ; -`, else is cut between
 * grapheme clusters. The break expression runs over one placeholder per column, so it counts
 * columns, not code units.
 */
function wrapCell(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line.trimEnd()]
  const size = Math.max(width, 1)
  // (The table package also broke after a break character in a column of width 1, making a line
  // of two and then throwing at it; here such a line is cut instead.)
  const breakAt = new RegExp(`(^.{1,${size}}(\\s+|$))${size > 1 ? `|(^.{1,${size - 1}}(\\\\|/|_|\\.|,|;|-))` : ''}`)
  // Each cluster as placeholder columns (at least one): a single code unit stands for itself so
  // that whitespace and the break characters keep their meaning.
  const clusters = [...new Intl.Segmenter('en', {granularity: 'grapheme'}).segment(line)].map(({segment}) => ({segment, columns: Math.max(1, displayWidth(segment))}))
  let subject = clusters.map((c) => (c.segment.length === 1 ? c.segment : 'x').repeat(c.columns)).join('')
  let index = 0
  /** The text of the next clusters covering `columns` placeholder columns. */
  const take = (columns: number): string => {
    let text = ''
    for (let left = columns; left > 0 && index < clusters.length; index++) {
      left -= clusters[index]!.columns
      text += clusters[index]!.segment
    }
    return text
  }
  const out: string[] = []
  do {
    const match = breakAt.exec(subject)
    let lineColumns: number
    let chunkColumns: number
    if (match) {
      chunkColumns = match[0].length
      lineColumns = match[0].trimEnd().length
    } else {
      // No break within reach: as many whole clusters as fit, at least one.
      lineColumns = index < clusters.length ? clusters[index]!.columns : 0
      for (let next = index + 1; next < clusters.length && lineColumns + clusters[next]!.columns <= size; next++) lineColumns += clusters[next]!.columns
      chunkColumns = lineColumns
    }
    out.push(take(lineColumns))
    take(chunkColumns - lineColumns)
    subject = subject.slice(chunkColumns)
  } while (subject.length)
  return out
}
