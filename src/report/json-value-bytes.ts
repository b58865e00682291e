/**
 * `safeJsonStringify(value)` written straight into a JsonBytes, without making the text. The
 * report's endpoints and findings (on a 1 GB capture 30 k and 28 k objects, 45 MB of JSON) went
 * through JSON.stringify one element at a time: each result string, the parts V8 builds it from
 * and its flattening allocated ~4 bytes per byte written (185 MB), all garbage at once.
 *
 * Plain data only (objects whose prototype is Object.prototype or null, arrays, strings, finite
 * or other numbers, booleans, null): anything else (a toJSON method, a Date, a Map, a boxed
 * value, a bigint) is handed to safeJsonStringify as a whole, so the text is always the same.
 * Text that needs no escape is copied as it is (see stringKind); any other string goes through
 * safeJsonStringify, whose escaping then applies unchanged (JSON.stringify's
 * and RAW_UNSAFE's escapes are per character, so escaping string by string gives the same text
 * as escaping the whole).
 */
import {Buffer} from 'node:buffer'
import type {JsonBytes} from './json-bytes.js'
import {isRawUnsafe, safeJsonStringify} from './json-text.js'
import {boundedMemo} from '../util/bounded-memo.js'

/** `"key":` as bytes per key: objects of one kind share their keys. Bounded: starts afresh past
 * MAX_KEYS keys (keys can come from a capture's facts). */
const MAX_KEYS = 1 << 12
const keyBytes = boundedMemo((key: string): Uint8Array => Buffer.from(`${safeJsonStringify(key)!}:`, 'utf8'), MAX_KEYS)

const ASCII = 0
const UNICODE = 1
const ESCAPED = 2

/**
 * How JSON.stringify and safeJsonStringify would write the string: ASCII = its characters
 * between quotes (printable ASCII but `"` and `\`); UNICODE = the same, with characters beyond
 * ASCII that neither escapes (RAW_UNSAFE's ranges and any surrogate are ESCAPED); ESCAPED = with
 * escapes, left to safeJsonStringify.
 */
function stringKind(s: string): number {
  let kind = ASCII
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c < 0x7f) {
      if (c === 0x22 || c === 0x5c) return ESCAPED
      continue
    }
    // Controls and lone or paired surrogates: left to JSON.stringify; the rest as RAW_UNSAFE says.
    if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff) || isRawUnsafe(c)) return ESCAPED
    kind = UNICODE
  }
  return kind
}

function writeString(out: JsonBytes, s: string): void {
  const kind = stringKind(s)
  if (kind === ESCAPED) {
    out.text(safeJsonStringify(s)!)
    return
  }
  out.byte(0x22)
  if (kind === ASCII) out.ascii(s)
  else out.text(s)
  out.byte(0x22)
}

/** An object JSON.stringify writes as its own enumerable keys, with no toJSON to call. */
function plainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown
  return (proto === Object.prototype || proto === null) && typeof (v as {toJSON?: unknown}).toJSON !== 'function'
}

/** safeJsonStringify(value) ?? 'null', into `out`. */
export function writeJsonValue(out: JsonBytes, value: unknown): void {
  switch (typeof value) {
    case 'string':
      writeString(out, value)
      return
    case 'number':
      out.number(value)
      return
    case 'boolean':
      out.ascii(value ? 'true' : 'false')
      return
    case 'object':
      break
    default:
      // undefined, functions and symbols have no JSON text (the caller writes null); a bigint
      // makes JSON.stringify throw, as it does here.
      if (typeof value === 'bigint') safeJsonStringify(value)
      out.ascii('null')
      return
  }
  if (value === null) {
    out.ascii('null')
    return
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype || typeof (value as {toJSON?: unknown}).toJSON === 'function') {
      out.text(safeJsonStringify(value) ?? 'null')
      return
    }
    out.byte(0x5b)
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.byte(0x2c)
      const v: unknown = value[i]
      // In an array, what has no JSON text is written as null.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') out.ascii('null')
      else writeJsonValue(out, v)
    }
    out.byte(0x5d)
    return
  }
  if (!plainObject(value)) {
    out.text(safeJsonStringify(value) ?? 'null')
    return
  }
  out.byte(0x7b)
  let first = true
  const record = value as Record<string, unknown>
  // for-in over a plain object visits its own enumerable string keys in JSON.stringify's order
  // (integer keys ascending, then insertion order), without the array Object.keys makes.
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue
    const v = record[key]
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    if (!first) out.byte(0x2c)
    first = false
    out.bytes(keyBytes(key))
    writeJsonValue(out, v)
  }
  out.byte(0x7d)
}
