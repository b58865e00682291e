import {describe, expect, it} from 'vitest'
import {safeCsv, safeHtml, safeMarkdown, safeText} from '../../src/report/sanitize.js'

/** Characters a reader would not see, or that reorder or break what they see, each with the
 * visible escape safeText must write instead. */
const INVISIBLE: Array<[string, string]> = [
  ['\u001b', '\\x1b'],
  ['\u009b', '\\x9b'],
  ['\u00ad', '\\xad'], // soft hyphen (Cf)
  ['\u061c', '\\u{61c}'], // Arabic letter mark (Cf, bidi)
  ['\u115f', '\\u{115f}'], // Hangul choseong filler (renders blank)
  ['\u180e', '\\u{180e}'], // Mongolian vowel separator (Cf)
  ['\u200d', '\\u{200d}'], // zero-width joiner
  ['\u2028', '\\u{2028}'], // line separator (Zl)
  ['\u2029', '\\u{2029}'], // paragraph separator (Zp)
  ['\u202e', '\\u{202e}'], // right-to-left override
  ['\u2060', '\\u{2060}'], // word joiner
  ['\u2067', '\\u{2067}'], // right-to-left isolate
  ['\u3164', '\\u{3164}'], // Hangul filler
  ['\ufeff', '\\u{feff}'],
  ['\ufff9', '\\u{fff9}'], // interlinear annotation anchor
  ['\u{e0041}', '\\u{e0041}'], // tag letter A (invisible)
  ['\ud800', '\\u{d800}'], // a lone surrogate
]

describe('safeText', () => {
  it('makes every control, format, separator and invisible character a visible escape', () => {
    for (const [ch, escape] of INVISIBLE) {
      expect(safeText(`a${ch}b`), JSON.stringify(ch)).toBe(`a${escape}b`)
    }
  })

  it('leaves printable text, accents, CJK and emoji as they are', () => {
    for (const text of ['plain zoom.us', 'é ü ß', '会議', '😀 👍🏽', 'ﾊﾝｶｸ', 'a\u0301']) expect(safeText(text)).toBe(text)
  })
})

describe('each format escapes them too', () => {
  const hostile = INVISIBLE.map(([ch]) => ch).join('x')
  const visible = INVISIBLE.map(([, escape]) => escape)
  it.each([
    ['markdown', safeMarkdown],
    ['html', safeHtml],
    ['csv', safeCsv],
  ] as const)('%s', (_, safe) => {
    const out = safe(hostile)
    for (const [ch] of INVISIBLE) expect(out.includes(ch), JSON.stringify(ch)).toBe(false)
    // The escapes stay readable (Markdown backslash-escapes the backslash itself).
    for (const escape of visible) expect(out.replace(/\\\\/g, '\\')).toContain(escape)
  })
})
