/**
 * Neutralisation of untrusted text. Everything that comes out of a capture (hostnames, SNI,
 * certificate fields, HTTP headers, interface names, NRB names) may hold terminal escapes,
 * markup or spreadsheet formulas. Each output format calls the function for its own context.
 */

/**
 * Characters that act on a terminal or a page, or show as nothing, so that what a reader sees is
 * not what the capture held: controls (Cc: C0, DEL and C1, with ESC and the 8-bit CSI 0x9b),
 * format characters (Cf: bidi marks, embeddings, overrides and isolates, U+061C, zero-width
 * spaces and joiners, the word joiner, the soft hyphen, U+180E, interlinear annotation marks,
 * the BOM, the invisible tag characters U+E0000-E007F), the line and paragraph separators (Zl,
 * Zp, which some viewers break lines at), lone surrogates (Cs: not text at all), and the
 * Hangul fillers, letters that render as blank space. One definition: JSON output escapes the
 * same set (RAW_UNSAFE in json-text.ts, less what JSON.stringify escapes itself).
 */
export const UNSAFE_CLASS = '[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\u115f\\u1160\\u3164\\uffa0]'
const UNSAFE_CHARS = new RegExp(UNSAFE_CLASS, 'gu')

/** Replace control, format (bidi, zero-width), separator and invisible characters by a visible
 * `\xNN` / `\u{NNNN}` escape. */
export function safeText(value: string): string {
  // Printable ASCII, the usual case, has none of them: skip the Unicode-aware scan.
  if (PRINTABLE_ASCII.test(value)) return value
  return value.replace(UNSAFE_CHARS, (ch) => {
    const code = ch.codePointAt(0) ?? 0
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`
  })
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/** Text for a terminal: control characters escaped so no escape sequence reaches the TTY. */
export const safeTerminal = safeText

const HTML_ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

/** Text for HTML element content or a quoted attribute. */
export function safeHtml(value: string): string {
  return safeText(value).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch)
}

// Characters with an inline meaning in GFM wherever they stand: escapes, code, emphasis, links
// and images, table cells, strikethrough, GitHub math (`$`), issue references (`#`), mentions
// and email autolinks (`@`), URL autolinks and emoji shortcodes (`:`).
const INLINE_MARKUP = /[\\`*_[\]|~$#@:]/g
const MARKDOWN_ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;'}

/**
 * Untrusted text for a Markdown paragraph, list item or table cell: control, bidi and
 * zero-width characters made visible (`\x1b`), inline markup backslash-escaped (CommonMark
 * §2.4 allows a backslash before any ASCII punctuation), `&`, `<` and `>` as entities so no raw
 * HTML can start, `www.` broken so it cannot autolink, and what would open a block at the start
 * of a line (list marker, ordered-list number, setext underline, indentation) neutralised. The
 * result is one line whatever the input.
 */
export function safeMarkdown(value: string | null | undefined): string {
  if (value === null || value === undefined) return ''
  return safeText(value)
    .replace(INLINE_MARKUP, (ch) => `\\${ch}`)
    .replace(/(w)\./gi, '$1\\.')
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d{1,9})([.)])(?= |$)/, '$1\\$2')
    .replace(/[&<>]/g, (ch) => MARKDOWN_ENTITIES[ch] ?? ch)
    .replace(/^ +/, (spaces) => '&#32;'.repeat(spaces.length))
}

/**
 * Text for a CSV cell (RFC 4180 quoting). A cell that a spreadsheet would treat as a formula
 * (leading `=`, `+`, `-`, `@`, tab or CR, per OWASP's CSV injection guidance) gets a leading `'`.
 */
export function safeCsv(value: string): string {
  let text = safeText(value)
  if (/^[=+\-@\t\r]/.test(value)) text = `'${text}`
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text
}
