/**
 * Minimal RFC 4180 CSV reader: quoted fields with "" escapes and embedded newlines, CRLF or LF,
 * UTF-8 BOM ignored. Lines without quotes take a fast split path (the ASN tables have 500k rows).
 */
export interface CsvRow {
  /** 1-based line number where the row starts. */
  line: number
  fields: string[]
}

export class CsvSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message)
  }
}

export function* csvRows(text: string): Generator<CsvRow> {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  while (pos < text.length) {
    let end = text.indexOf('\n', pos)
    if (end < 0) end = text.length
    const raw = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end)
    if (!raw.includes('"')) {
      yield {line, fields: raw.split(',')}
      pos = end + 1
      line++
      continue
    }
    const startLine = line
    const fields: string[] = []
    let field = ''
    let i = pos
    let quoted = false
    let atFieldStart = true
    for (;;) {
      if (i >= text.length) {
        if (quoted) throw new CsvSyntaxError('unterminated quoted field', startLine)
        break
      }
      const ch = text[i] as string
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          quoted = false
          i++
          continue
        }
        if (ch === '\n') line++
        field += ch
        i++
        continue
      }
      if (ch === '"' && atFieldStart) {
        quoted = true
        atFieldStart = false
        i++
        continue
      }
      if (ch === ',') {
        fields.push(field)
        field = ''
        atFieldStart = true
        i++
        continue
      }
      if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) break
      if (ch === '"') throw new CsvSyntaxError('stray quote inside an unquoted field', startLine)
      field += ch
      atFieldStart = false
      i++
    }
    fields.push(field)
    yield {line: startLine, fields}
    pos = text.indexOf('\n', i)
    pos = pos < 0 ? text.length : pos + 1
    line++
  }
}
