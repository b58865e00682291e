/**
 * How many terminal columns text takes, and how to cut it without splitting a character: the
 * terminal renderers (analyze table, flows --detail, diff, replay) promise 100 columns, and
 * `.length` counts UTF-16 code units, not columns (会 is one unit and two columns, 😀 two units
 * and two columns, é as e + U+0301 two units and one column).
 *
 * Per grapheme cluster (Intl.Segmenter), the sum of its code points' widths:
 *  - 2 for East Asian Wide (W) and Fullwidth (F) characters, Unicode UAX #11. WIDE_RANGES below
 *    are EastAsianWidth.txt's W/F characters (Unicode 14, as Python's unicodedata has them)
 *    that are not emoji, merged over unassigned gaps inside their blocks, and widened to the
 *    block ends EastAsianWidth.txt gives W by default (CJK ideographs, planes 2 and 3). Every
 *    Emoji_Presentation character has been W since Unicode 9 (UTS #51 §2.5): the runtime's own
 *    property covers them, newer emoji included;
 *  - 0 for combining marks (Mn, Me: variation selectors among them) and format characters (Cf:
 *    tag characters, word joiner...), except the soft hyphen, which terminals draw (wcwidth
 *    gives it 1); C0 and C1 controls count 0 too, though text from a capture has been through
 *    safeTerminal (sanitize.ts) and holds them only as visible escapes such as `\x1b`;
 *  - 1 for everything else (East Asian Ambiguous included, as terminals outside CJK locales
 *    draw it);
 * and in emoji presentation (U+FE0F, a skin tone: ❤️, 👍🏽) each pictograph 2, its skin tone 0,
 * a keycap or a flag 2. SGR colour sequences (chalk) take no column.
 */
import {boundedMemo} from '../util/bounded-memo.js'

/** EastAsianWidth.txt W and F ranges that are not Emoji_Presentation (see above). */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x2329, 0x232a], // angle brackets
  [0x2e80, 0x303e], // CJK radicals, Kangxi radicals, ideographic description, CJK symbols
  [0x3041, 0x3247], // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes, enclosed
  [0x3250, 0x4dbf], // enclosed CJK, CJK compatibility, CJK extension A
  [0x4e00, 0xa4cf], // CJK unified ideographs, Yi
  [0xa960, 0xa97f], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6], // fullwidth signs
  [0x16fe0, 0x1b2ff], // ideographic symbols, Tangut, Khitan, Kana supplement and extended, Nushu
  [0x1f200, 0x1f2ff], // enclosed ideographic supplement
  [0x20000, 0x3fffd], // CJK extensions B to I, planes 2 and 3
]

const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u
const PICTOGRAPH = /\p{Extended_Pictographic}/u
const SKIN_TONE = /\p{Emoji_Modifier}/u
/** What asks for emoji presentation in a cluster: variation selector 16 or a skin tone. */
const PRESENTED = /\ufe0f|\p{Emoji_Modifier}/u
/** A keycap (1️⃣) or a flag (two regional indicators, each Emoji_Presentation on its own). */
const KEYCAP_OR_FLAG = /^(?:[#*0-9]\ufe0f?\u20e3|\p{Regional_Indicator}{2})$/u
/** Code points that make a cluster's width other than the sum of its code points'. */
const SEQUENCE_PART = /[\ufe0f\u20e3\u{1f1e6}-\u{1f1ff}\u{1f3fb}-\u{1f3ff}]/u
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g

const segmenter = new Intl.Segmenter('en', {granularity: 'grapheme'})

function isWide(cp: number): boolean {
  if (cp < 0x1100) return false
  for (const [lo, hi] of WIDE_RANGES) {
    if (cp < lo) return false
    if (cp <= hi) return true
  }
  return false
}

/** Widths of BMP code points as they are looked up, plus one (0: not yet known). */
const bmpWidths = new Uint8Array(0x10000)

/** Columns of one code point (see the module comment). */
export function codePointWidth(cp: number): number {
  if (cp >= 0x20 && cp < 0x7f) return 1
  if (cp < 0xa0) return 0
  if (cp <= 0xffff) {
    const known = bmpWidths[cp]!
    if (known) return known - 1
    const width = measure(cp)
    bmpWidths[cp] = width + 1
    return width
  }
  return measure(cp)
}

function measure(cp: number): number {
  if (isWide(cp)) return 2
  const ch = String.fromCodePoint(cp)
  if (EMOJI_PRESENTATION.test(ch)) return 2
  if (cp !== 0xad && ZERO_WIDTH.test(ch)) return 0
  return 1
}

/**
 * Columns of one grapheme cluster: the sum of its code points', except that in emoji
 * presentation (U+FE0F or a skin tone) each pictograph takes two columns (❤️, ☺️) and a skin tone
 * after one none (👍🏽); a keycap and a flag (🇩🇪) take two.
 */
function graphemeWidth(g: string): number {
  return g.length === 1 ? codePointWidth(g.charCodeAt(0)) : clusterWidth(g)
}

/** graphemeWidth of a cluster of several code units, memoised (the same few repeat). */
const clusterWidth = boundedMemo((g: string): number => {
  if (KEYCAP_OR_FLAG.test(g)) return 2
  const presented = PRESENTED.test(g)
  let width = 0
  let afterPictograph = false
  for (const ch of g) {
    const pictograph = presented && PICTOGRAPH.test(ch)
    if (pictograph) width += 2
    else if (!(afterPictograph && SKIN_TONE.test(ch))) width += codePointWidth(ch.codePointAt(0)!)
    afterPictograph = pictograph
  }
  return width
}, 4096)

/**
 * Terminal columns `text` takes. Printable ASCII, the common case, is its length. Without the
 * code points that make a cluster other than the sum of its parts (U+FE0F, skin tones, U+20E3,
 * regional indicators), the sum of the code points' widths is the same as the clusters' and
 * needs no segmenting.
 */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length
  const plain = text.includes('\x1b') ? text.replace(SGR, '') : text
  let width = 0
  if (!SEQUENCE_PART.test(plain)) {
    for (let i = 0; i < plain.length; i++) {
      const cp = plain.codePointAt(i)!
      if (cp > 0xffff) i++
      width += codePointWidth(cp)
    }
    return width
  }
  for (const {segment} of segmenter.segment(plain)) width += graphemeWidth(segment)
  return width
}

/**
 * The longest start of `text` that fits in `columns`, cut between grapheme clusters (never
 * inside a surrogate pair or before a combining mark), and its width. When the first cluster
 * alone is wider than `columns` (a cluster can be long: a chain of conjuncts), it is cut between
 * code points instead, and at least one code point is taken so that callers always progress.
 * No SGR sequences in `text` (colour is added after fitting).
 */
export function sliceColumns(text: string, columns: number): {text: string; width: number} {
  // The character after the cut is checked too: it could be a combining mark.
  if (PRINTABLE_ASCII.test(text.slice(0, columns + 1))) {
    const head = text.slice(0, Math.max(0, columns))
    return {text: head, width: head.length}
  }
  // Only a window is segmented (wrapping a 60 000-character name cuts it hundreds of times):
  // the whole text only when the clusters that fit reach the window's end.
  const window = Math.min(text.length, 4 * Math.max(columns, 0) + 64)
  return fitClusters(text.slice(0, window), columns, window < text.length) ?? fitClusters(text, columns, false)!
}

/** sliceColumns over `text`; undefined when `partial` (more text follows) and the fit reached
 * its last cluster, which the text after it could extend. */
function fitClusters(text: string, columns: number, partial: boolean): {text: string; width: number} | undefined {
  let end = 0
  let width = 0
  for (const {segment} of segmenter.segment(text)) {
    const w = graphemeWidth(segment)
    if (width + w > columns) {
      if (end > 0) break
      // A first cluster wider than the room: its code points, as many as fit, at least one.
      if (partial && segment.length === text.length) return undefined
      for (const ch of segment) {
        const cw = codePointWidth(ch.codePointAt(0)!)
        if (end > 0 && width + cw > columns) break
        end += ch.length
        width += cw
      }
      break
    }
    if (partial && end + segment.length === text.length) return undefined
    end += segment.length
    width += w
  }
  return {text: text.slice(0, end), width}
}

/** Spaces after `text` up to `columns` (none when it is as wide or wider). */
export function padColumns(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - displayWidth(text)))
}
