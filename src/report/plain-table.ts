import {getBorderCharacters, table} from 'table'

/** Text cut to `width` characters, the last one an ellipsis when cut. */
export function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

/**
 * A borderless terminal table indented by two spaces, cells a space apart, no trailing spaces.
 * With `widths`, each column has that width and longer cells wrap at word boundaries; without,
 * columns are as wide as their widest cell. Cells must already be safe (safeTerminal).
 */
export function plainTable(rows: string[][], widths?: readonly number[]): string {
  const columns = widths
    ? Object.fromEntries(widths.map((width, i) => [i, {width, wrapWord: true, ...(i === 0 ? {paddingLeft: 2} : {})}]))
    : {0: {paddingLeft: 2}}
  return table(rows, {
    border: getBorderCharacters('void'),
    columnDefault: {paddingLeft: 1, paddingRight: 1},
    columns,
    drawHorizontalLine: () => false,
  })
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line, i, all) => line !== '' || i < all.length - 1)
    .join('\n')
}
