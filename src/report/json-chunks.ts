import {Buffer} from 'node:buffer'
import {type ChunkPool, JsonBytes} from './json-bytes.js'
import {writeJsonPieces} from './json-text.js'
import {writeJsonValue} from './json-value-bytes.js'

/**
 * jsonText's text as UTF-8 chunks of about a mebibyte, written into one JsonBytes instead of
 * being joined into strings and encoded again on the way out (on a 100 MB report the joins,
 * the encoding and their garbage cost as much as making the text). The generic writer's pieces
 * go in as text; the elements of the top-level array `elements.array` are written by
 * `elements.write` straight into the same bytes (the report's flows, report-flow-json.ts).
 * Chunks end between writes, so each one is whole UTF-8 text. With `pool`, the chunks the writer
 * releases into it are filled again (see ChunkPool).
 */
export function* jsonChunks(value: unknown, expandDepth: number, elements?: {array: string; write(element: unknown, out: JsonBytes): void}, pool?: ChunkPool): Generator<Uint8Array> {
  const out = new JsonBytes(pool)
  // Values below the expanded levels (endpoints, findings...) go into the bytes without a string.
  const sink = {push: (text: string) => out.text(text), value: (v: unknown) => writeJsonValue(out, v)}
  const byHand = elements && {array: elements.array, write: (element: unknown) => elements.write(element, out)}
  for (const _ of writeJsonPieces(value, expandDepth, sink, byHand)) {
    out.breakIfFull()
    if (out.chunks.length > 0) yield* out.chunks.splice(0)
  }
  out.byte(10)
  yield* out.take()
}

/** Chunks of whole UTF-8 text (as jsonChunks and JsonBytes hand out) as strings. */
export function* chunkTexts(chunks: Iterable<Uint8Array>): Generator<string> {
  for (const chunk of chunks) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
}
