/** Byte classes of the ASCII text protocols (HTTP, SIP): start lines are read byte by byte. */

/** 'A'-'Z'. */
export function isUpper(b: number): boolean {
  return b >= 0x41 && b <= 0x5a
}

/** '0'-'9'. */
export function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39
}
