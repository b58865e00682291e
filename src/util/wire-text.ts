/**
 * Text read from a capture (SNI, ALPN, STUN SOFTWARE, pcapng names and comments...), decoded so
 * that nothing the bytes said is lost or made up: UTF-8 (RFC 3629), with each byte that is not
 * part of a well-formed sequence shown as a visible `\xHH` escape, as Wireshark's format_text
 * shows them (a U+FFFD in its place would hide which bytes were sent, and two different byte
 * strings would read the same); cut to a maximum length on a character boundary, with `…` at
 * the cut so a reader knows there was more. Renderers still neutralise control characters.
 */

const UTF8 = new TextDecoder('utf-8', {fatal: false})

/** What marks a text cut at its maximum length. */
export const CUT_MARK = '…'

/**
 * `bytes` as text, at most `max` UTF-16 units before the cut mark. Only the first `max * 4`
 * bytes are looked at (no character takes more).
 */
export function decodeWireText(bytes: Uint8Array, max: number): string {
  const cut = bytes.length > max * 4
  const view = cut ? bytes.subarray(0, max * 4) : bytes
  let text = UTF8.decode(view)
  // U+FFFD is rare in real text: only then look for the bytes that made it.
  if (text.includes('\ufffd')) text = decodeEscapingInvalid(view)
  if (text.length > max) return capText(text, max)
  return cut ? text + CUT_MARK : text
}

/** A text from a library (an X.509 field) or already decoded, cut to `max` UTF-16 units on a
 * character boundary (never half a surrogate pair), with the cut mark. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return text.slice(0, end) + CUT_MARK
}

/**
 * Byte by byte: each well-formed UTF-8 sequence (RFC 3629 §4's syntax: no overlong forms, no
 * surrogates, nothing past U+10FFFF) as its character, any other byte as `\xHH`.
 */
export function decodeEscapingInvalid(b: Uint8Array): string {
  let out = ''
  let i = 0
  while (i < b.length) {
    const n = sequenceLength(b, i)
    if (n === 0) {
      out += `\\x${b[i]!.toString(16).padStart(2, '0')}`
      i++
    } else {
      out += n === 1 ? String.fromCharCode(b[i]!) : UTF8.decode(b.subarray(i, i + n))
      i += n
    }
  }
  return out
}

const isTail = (x: number | undefined): boolean => x !== undefined && (x & 0xc0) === 0x80

/** Length of the well-formed sequence at b[i], or 0 (RFC 3629 §4, UTF8-1 to UTF8-4). */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!
  if (c < 0x80) return 1
  const c1 = b[i + 1]
  if (c >= 0xc2 && c <= 0xdf) return isTail(c1) ? 2 : 0
  if (c >= 0xe0 && c <= 0xef) {
    // E0: A0-BF (no overlong); ED: 80-9F (no surrogates).
    const lo = c === 0xe0 ? 0xa0 : 0x80
    const hi = c === 0xed ? 0x9f : 0xbf
    return c1 !== undefined && c1 >= lo && c1 <= hi && isTail(b[i + 2]) ? 3 : 0
  }
  if (c >= 0xf0 && c <= 0xf4) {
    // F0: 90-BF (no overlong); F4: 80-8F (nothing past U+10FFFF).
    const lo = c === 0xf0 ? 0x90 : 0x80
    const hi = c === 0xf4 ? 0x8f : 0xbf
    return c1 !== undefined && c1 >= lo && c1 <= hi && isTail(b[i + 2]) && isTail(b[i + 3]) ? 4 : 0
  }
  return 0
}
