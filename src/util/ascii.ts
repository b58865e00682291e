/** Byte classes of the ASCII text protocols (HTTP, SIP): start lines are read byte by byte. */

/** 'A'-'Z'. */
export function isUpper(b: number): boolean {
  return b >= 0x41 && b <= 0x5a
}

/** '0'-'9'. */
export function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39
}

/**
 * Where the method token at b[start..] of an HTTP or SIP request line ends: the index of the space
 * after it, or -1 when the bytes before a space (at most `max` of them) are not upper-case letters
 * (then also '-' and '_'; RFC 9110 §9.1 and RFC 3261 §25.1 allow more, no real method uses it).
 */
export function methodTokenEnd(b: Uint8Array, start: number, stop: number, max: number): number {
  const end = Math.min(stop, start + max + 1)
  for (let i = start; i < end; i++) {
    const c = b[i]!
    if (c === 0x20) return i
    if (!isUpper(c) && !(i > start && (c === 0x2d || c === 0x5f))) return -1
  }
  return -1
}
