import {displayWidth, sliceColumns} from './display-width.js'

/**
 * Wrap text at word boundaries to `width` terminal columns (display-width.ts), every line after
 * the first indented. A word longer than a line is cut between grapheme clusters, never inside
 * a surrogate pair or before a combining mark.
 */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = []
  const indentWidth = displayWidth(indent)
  let line = ''
  let lineWidth = 0
  for (const word of text.split(/\s+/)) {
    if (!word) continue
    const wordWidth = displayWidth(word)
    if (line && lineWidth + 1 + wordWidth > width) {
      lines.push(line)
      line = indent + word
      lineWidth = indentWidth + wordWidth
    } else if (line) {
      line = `${line} ${word}`
      lineWidth += 1 + wordWidth
    } else {
      line = word
      lineWidth = wordWidth
    }
    while (lineWidth > width) {
      // Cut between clusters, the rest's width is what the head did not take (no re-measuring:
      // a 60 000-character name is cut in linear time).
      const head = sliceColumns(line, width)
      const rest = line.slice(head.text.length)
      lines.push(head.text)
      // Nothing left: the widths did not add up (they do for whole clusters); never loop.
      line = rest ? indent + rest : ''
      lineWidth = rest ? indentWidth + Math.max(0, lineWidth - head.width) : 0
    }
  }
  if (line) lines.push(line)
  return lines
}
