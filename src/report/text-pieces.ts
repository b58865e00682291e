/** Characters per piece of a streamed text output, about (the pieces end between texts). */
export const PIECE_CHARS = 1 << 20

/**
 * `texts` joined into pieces of about a mebibyte, each ending where a text ends (a CSV row, an
 * NDJSON line), made as they are consumed: what the writers of large outputs write, since a
 * capture of hundreds of thousands of flows gives more text than one string can hold
 * (V8: 2^29 - 24 characters) and all its lines at once would cost several times the text.
 */
export function* textPieces(texts: Iterable<string>): Generator<string> {
  let piece = ''
  for (const text of texts) {
    piece += text
    if (piece.length >= PIECE_CHARS) {
      yield piece
      piece = ''
    }
  }
  if (piece) yield piece
}
