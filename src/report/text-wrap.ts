/** Wrap text at word boundaries to `width`, every line after the first indented. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (!word) continue
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = indent + word
    } else {
      line = line ? `${line} ${word}` : word
    }
    while (line.length > width) {
      lines.push(line.slice(0, width))
      line = indent + line.slice(width)
    }
  }
  if (line) lines.push(line)
  return lines
}
