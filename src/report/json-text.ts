import {Buffer} from 'node:buffer'
import type {ChunkPool} from './json-bytes.js'
import {PIECE_CHARS} from './text-pieces.js'
import {UNSAFE_CLASS} from './sanitize.js'

/**
 * Deterministic JSON text: keys in the order the model builds them (the model is built in a
 * fixed order), two-space indentation for the outer `depth` levels and one compact line per
 * element below that, so large outputs stay greppable and diffable line by line.
 */
export function jsonText(value: unknown, expandDepth = 2): string {
  return [...jsonPieces(value, expandDepth)].join('')
}

/**
 * Characters JSON.stringify leaves raw that a terminal or viewer could act on, or that show as
 * nothing: sanitize.ts's UNSAFE_CLASS (DEL and the C1 controls, U+009B being an 8-bit CSI;
 * bidi, zero-width and other format characters; line/paragraph separators; Hangul fillers)
 * less the C0 controls and lone surrogates JSON.stringify escapes itself. Written as \u
 * escapes (a pair for a character beyond the BMP), the JSON means the same.
 */
const RAW_UNSAFE = new RegExp(UNSAFE_CLASS, 'gu')

/** Whether safeJsonStringify writes the UTF-16 unit `c` (outside the surrogates) as a \u escape
 * although JSON.stringify leaves it raw (the one definition: writers that skip
 * safeJsonStringify for text needing no escape ask this; they leave surrogates to it). */
export function isRawUnsafe(c: number): boolean {
  if (c < 0x7f) return false
  RAW_UNSAFE.lastIndex = 0
  return RAW_UNSAFE.test(String.fromCharCode(c))
}

/** JSON.stringify with nothing raw that a terminal could interpret (see RAW_UNSAFE). */
export function safeJsonStringify(value: unknown): string | undefined {
  const text = JSON.stringify(value) as string | undefined
  if (text === undefined) return undefined
  // Almost every text is plain ASCII: its UTF-8 length equals its length (a check V8 does in
  // bulk, ~20× faster than the regular expression's scan on a 100 MB report), and then only DEL
  // can be unsafe.
  if (Buffer.byteLength(text, 'utf8') === text.length && !text.includes('\x7f')) return text
  // C0 controls and lone surrogates are already escapes here: only the rest can match.
  return text.replace(RAW_UNSAFE, unicodeEscapes)
}

/** `\uXXXX` for each UTF-16 unit of `ch`. */
function unicodeEscapes(ch: string): string {
  let out = ''
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`
  return out
}

/** A number as JSON.stringify writes it (null for NaN and infinities), for JSON written by hand. */
export function jsonNumber(n: number | null): string {
  return n !== null && Number.isFinite(n) ? String(n) : 'null'
}

/**
 * The same text as jsonText, in pieces of about a mebibyte, so a report with a hundred
 * thousand flows is written out without ever being one string of hundreds of megabytes.
 */
export function* jsonPieces(value: unknown, expandDepth = 2): Generator<string> {
  let parts: string[] = []
  let size = 0
  const out = {
    push(text: string): void {
      parts.push(text)
      size += text.length
    },
  }
  for (const _ of writeJsonPieces(value, expandDepth, out)) {
    if (size >= PIECE_CHARS) {
      yield parts.join('')
      parts = []
      size = 0
    }
  }
  out.push('\n')
  yield parts.join('')
}

/** Where writeJsonPieces puts the text, piece by piece. */
export interface JsonSink {
  push(text: string): void
  /** Writes `safeJsonStringify(value) ?? 'null'` itself, when the sink can without the text. */
  value?(value: unknown): void
}

/**
 * Writes each element of the top-level array `array` itself, into the writer's own output (one
 * line each, as at that depth anyway): the report's flows written by hand (report-flow-json.ts)
 * or without their protocol facts (elementTextWithout). It must write the element's JSON text as
 * safeJsonStringify would, or the text of a copy leaving some keys out.
 */
export interface JsonElementWriter {
  array: string
  write(element: unknown): void
}

/**
 * The text of jsonText (without its final newline) into `out`, yielding after each array element
 * so the caller can hand on what it holds.
 */
export function writeJsonPieces(value: unknown, expandDepth: number, out: JsonSink, elements?: JsonElementWriter): Generator<void> {
  return writePieces(value, 0, expandDepth, out, elements)
}

function* writePieces(value: unknown, depth: number, expandDepth: number, out: JsonSink, elements?: JsonElementWriter, byHand = false): Generator<void> {
  if (depth >= expandDepth || value === null || typeof value !== 'object') {
    if (out.value) out.value(value)
    else out.push(safeJsonStringify(value) ?? 'null')
    return
  }
  const pad = '  '.repeat(depth + 1)
  const close = '  '.repeat(depth)
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]')
      return
    }
    out.push('[\n')
    for (let i = 0; i < value.length; i++) {
      out.push(pad)
      if (byHand && depth + 1 >= expandDepth) elements!.write(value[i])
      else yield* writePieces(value[i], depth + 1, expandDepth, out)
      out.push(i < value.length - 1 ? ',\n' : '\n')
      yield
    }
    out.push(`${close}]`)
    return
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
  if (entries.length === 0) {
    out.push('{}')
    return
  }
  out.push('{\n')
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i]!
    out.push(`${pad}${safeJsonStringify(key)}: `)
    yield* writePieces(v, depth + 1, expandDepth, out, elements, depth === 0 && elements !== undefined && key === elements.array && Array.isArray(v))
    out.push(i < entries.length - 1 ? ',\n' : '\n')
  }
  out.push(`${close}}`)
}

/**
 * The JSON text of `element` without its property `key`. JSON.stringify leaves out a property
 * whose value is undefined, so the key is set to undefined for the one synchronous call and put
 * back: no copy of the object (on a 100 k-flow report the copies cost more than the text), and
 * no change of the object's shape.
 */
export function elementTextWithout(element: unknown, key: string): string {
  if (element === null || typeof element !== 'object' || Array.isArray(element) || !Object.hasOwn(element, key)) return safeJsonStringify(element) ?? 'null'
  const record = element as Record<string, unknown>
  const saved = record[key]
  record[key] = undefined
  try {
    return safeJsonStringify(record) ?? 'null'
  } finally {
    record[key] = saved
  }
}

/** Write a large string to stdout in pieces, respecting back-pressure. */
export async function writeStdout(text: string | Uint8Array): Promise<void> {
  if (typeof text !== 'string') {
    if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve))
    return
  }
  const piece = 1 << 20
  for (let i = 0; i < text.length; i += piece) {
    const ok = process.stdout.write(text.slice(i, i + piece))
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve))
  }
}

/** Write pieces of text or bytes to stdout in order, respecting back-pressure. With `pool`,
 * each byte piece goes back to it once stdout has written it out (see ChunkPool): a pipe's
 * writes are asynchronous on POSIX, so that is when its write callback comes, not when write
 * returns. */
export async function writePiecesToStdout(pieces: Iterable<string | Uint8Array>, pool?: ChunkPool): Promise<void> {
  for (const piece of pieces) {
    if (!pool || typeof piece === 'string') {
      await writeStdout(piece)
      continue
    }
    await new Promise<void>((resolve) => process.stdout.write(piece, () => resolve()))
    pool.release(piece)
  }
}
