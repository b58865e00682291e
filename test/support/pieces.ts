import {expect} from 'vitest'

/**
 * Output written in pieces of whole lines (CSV rows, NDJSON events): more than one piece, each
 * ending with `eol`, and each closed at the first line end past a mebibyte (no more than one
 * line over it).
 */
export function expectPiecesOfWholeLines(pieces: readonly string[], eol: '\n' | '\r\n'): void {
  expect(pieces.length).toBeGreaterThan(1)
  for (const piece of pieces) {
    expect(piece.endsWith(eol)).toBe(true)
    const lines = piece.split(eol)
    expect(piece.length - lines.at(-2)!.length - eol.length).toBeLessThan(1 << 20)
  }
}
