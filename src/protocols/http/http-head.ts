/**
 * HTTP/1.x message heads (RFC 9112 §2-§5): the start line and the header fields up to the empty
 * line. Shared by the TCP HTTP analyzer and SSDP (HTTP over UDP, in the LAN analyzer).
 *
 *   request-line = method SP request-target SP HTTP-version CRLF      (§3)
 *   status-line  = HTTP-version SP status-code SP [ reason-phrase ] CRLF   (§4)
 *   field-line   = field-name ":" OWS field-value OWS CRLF            (§5)
 *
 * Tolerant where deployed software is sloppy (bare LF line ends, §2.2; a request-target holding
 * spaces, taken as everything between the first and the last space; obsolete line folding,
 * §5.2, joined with a space), strict where it tells HTTP from other bytes (the method is an
 * upper-case token, the version is `HTTP/<digit>.<digit>`). Never throws.
 */
import {decodeUtf8Lenient} from '../dns/dns-name.js'
import {isDigit, methodTokenEnd} from '../../util/ascii.js'

/** Longest head searched for its end. */
export const MAX_HEAD_BYTES = 16 * 1024
/** Header fields kept per head. */
export const MAX_FIELDS = 64
/** Longest header value kept (characters). */
export const MAX_VALUE_CHARS = 1024
/** Longest request-target kept (characters); longer ones are cut and flagged. */
export const MAX_TARGET_CHARS = 4096
const MAX_METHOD = 24

export interface HttpRequestLine {
  kind: 'request'
  method: string
  target: string
  targetTruncated: boolean
  version: string
}

export interface HttpStatusLine {
  kind: 'response'
  version: string
  status: number
  reason: string
}

export type HttpHead = (HttpRequestLine | HttpStatusLine) & {
  /** Field names lower-cased, values trimmed and capped, in order of appearance. */
  fields: Array<[string, string]>
  /** Fields beyond MAX_FIELDS. */
  droppedFields: number
  /** Bytes of the head including the empty line. */
  length: number
}

export type HeadResult = {status: 'ok'; head: HttpHead} | {status: 'incomplete'} | {status: 'invalid'; reason: string}

/** `HTTP/d.d` at `at`. */
function isVersionAt(bytes: Uint8Array, at: number, end: number): boolean {
  return (
    at + 8 <= end &&
    bytes[at] === 0x48 && bytes[at + 1] === 0x54 && bytes[at + 2] === 0x54 && bytes[at + 3] === 0x50 && bytes[at + 4] === 0x2f &&
    isDigit(bytes[at + 5]!) && bytes[at + 6] === 0x2e && isDigit(bytes[at + 7]!)
  )
}

/**
 * Whether `bytes` begin like an HTTP/1.x request line (`TOKEN SP`) or status line (`HTTP/d.d`).
 * O(1): looks at no more than the first 25 bytes. Used to pick up a flow on any port.
 */
export function looksLikeHttpStart(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false
  if (isVersionAt(bytes, 0, bytes.length)) return true
  return methodTokenEnd(bytes, 0, bytes.length, MAX_METHOD) >= 3
}

/** End of the line starting at `from`: [index of CR or LF, index after the line break]. */
function lineEnd(bytes: Uint8Array, from: number, end: number): [number, number] | null {
  const lf = bytes.indexOf(0x0a, from)
  if (lf < 0 || lf >= end) return null
  return [lf > from && bytes[lf - 1] === 0x0d ? lf - 1 : lf, lf + 1]
}

function text(bytes: Uint8Array, start: number, end: number, maxChars: number): string {
  // Decoding never expands: reading 4 bytes per kept character is enough.
  const cut = Math.min(end, start + maxChars * 4)
  const s = (cut - start <= MAX_FAST_ASCII ? asciiText(bytes, start, cut) : undefined) ?? decodeUtf8Lenient(bytes.subarray(start, cut))
  return s.length > maxChars ? s.slice(0, maxChars) : s
}

/**
 * A field name as the head lists it: the first 64 characters of the text before the colon,
 * trimmed and lower-cased. The names come back in every head of every flow (Host, Accept,
 * Cookie...): an ASCII name is looked up by a hash of its bytes and, once checked against them,
 * handed out as the one string made for it before, with no decoding. Anything else (non-ASCII,
 * a hash taken by another name) takes the general path.
 */
function fieldName(bytes: Uint8Array, pos: number, colon: number): string {
  // ASCII decodes one character per byte, so the first 64 characters are the first 64 bytes;
  // trim() removes only TAB, LF, VT, FF, CR and SP from ASCII text. The bytes trimmed off are
  // such spaces, so the name is ASCII when what remains is.
  let start = pos
  let end = Math.min(colon, pos + 64)
  while (start < end && isAsciiSpace(bytes[start]!)) start++
  while (end > start && isAsciiSpace(bytes[end - 1]!)) end--
  let hash = 0x811c9dc5
  let high = 0
  for (let i = start; i < end; i++) {
    const b = bytes[i]!
    high |= b
    hash = Math.imul(hash ^ lower(b), 0x01000193)
  }
  if (high >= 0x80) return text(bytes, pos, colon, 64).trim().toLowerCase()
  return cachedAscii(FIELD_NAMES, hash, bytes, start, end, true)
}

/**
 * The text of ASCII bytes b[start, end) (lower-cased if `lowerCase`), from `cache` when it holds
 * it under `hash` (of the bytes as they are to be read), else made and kept there. A key taken by
 * another text stays with it: the bytes are always checked against the cached text.
 */
function cachedAscii(cache: Map<number, string>, hash: number, bytes: Uint8Array, start: number, end: number, lowerCase: boolean): string {
  // A small-integer key (23 bits of hash, the length) keeps the map's keys unboxed.
  const key = (hash & 0x7fffff) * 128 + (end - start)
  const known = cache.get(key)
  if (known !== undefined && sameAscii(known, bytes, start, end, lowerCase)) return known
  let made = ''
  for (let i = start; i < end; i++) made += String.fromCharCode(lowerCase ? lower(bytes[i]!) : bytes[i]!)
  if (known === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear()
    cache.set(key, made)
  }
  return made
}

/** Field names, methods and versions seen (see cachedAscii), each map bounded by MAX_CACHED. */
const FIELD_NAMES = new Map<number, string>()
const TOKENS = new Map<number, string>()
const MAX_CACHED = 4096

function isAsciiSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d)
}

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b
}

function sameAscii(known: string, bytes: Uint8Array, start: number, end: number, lowerCase: boolean): boolean {
  if (known.length !== end - start) return false
  for (let i = start; i < end; i++) if (known.charCodeAt(i - start) !== (lowerCase ? lower(bytes[i]!) : bytes[i]!)) return false
  return true
}

/**
 * A method or version (ASCII, checked by the caller): the same few come back in every head.
 * `text` would give the same string, decoded anew each time.
 */
function token(bytes: Uint8Array, start: number, end: number): string {
  let hash = 0x811c9dc5
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193)
  return cachedAscii(TOKENS, hash, bytes, start, end, false)
}

/**
 * A field value as `text(bytes, start, end, MAX_VALUE_CHARS).trim()` gives it. Short ASCII
 * values (almost all) are trimmed as bytes, before being made into text: for them, decoding
 * cuts nothing and trim() removes only TAB, LF, VT, FF, CR and SP.
 */
function fieldValueText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= MAX_VALUE_CHARS) {
    let from = start
    let to = end
    while (from < to && isAsciiSpace(bytes[from]!)) from++
    while (to > from && isAsciiSpace(bytes[to - 1]!)) to--
    if (to - from <= MAX_CACHED_VALUE) {
      let hash = 0x811c9dc5
      let high = 0
      for (let i = from; i < to; i++) {
        const b = bytes[i]!
        high |= b
        hash = Math.imul(hash ^ b, 0x01000193)
      }
      if (high < 0x80) return cachedValue(hash, bytes, from, to)
    } else {
      const ascii = asciiText(bytes, from, to)
      if (ascii !== undefined) return ascii
    }
  }
  return text(bytes, start, end, MAX_VALUE_CHARS).trim()
}

/**
 * Values of the fields read (Host, User-Agent, Server, Content-Type, Content-Length...) seen
 * before, as FIELD_NAMES: a client sends the same Host and User-Agent in every request, a server
 * the same Server and Content-Type in every response. Values up to MAX_CACHED_VALUE bytes.
 */
const VALUES = new Map<number, string>()
const MAX_CACHED_VALUE = 512

/** `asciiText` of the ASCII bytes b[start, end) (of FNV-1a hash `hash`), from VALUES if there. */
function cachedValue(hash: number, bytes: Uint8Array, start: number, end: number): string {
  // A small-integer key (19 bits of hash, the length below 1024): unboxed, as in cachedAscii.
  const key = (hash & 0x7ffff) * 1024 + (end - start)
  const known = VALUES.get(key)
  if (known !== undefined && sameAscii(known, bytes, start, end, false)) return known
  const made = asciiText(bytes, start, end)!
  if (known === undefined) {
    if (VALUES.size >= MAX_CACHED) VALUES.clear()
    VALUES.set(key, made)
  }
  return made
}

/** Longest run decoded by asciiText (its bytes become call arguments). */
const MAX_FAST_ASCII = 1024

/**
 * b[start, end) as text when every byte is ASCII (what the lenient UTF-8 decoder gives for it
 * too), else undefined. Most names and values of a head are short ASCII, for which a decoder
 * call costs more than the text: every head of a flow is parsed, and an incomplete one again
 * with each segment.
 */
function asciiText(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (start >= end) return ''
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return undefined
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[])
}

/**
 * Parse the head at `bytes[start..]`; 'incomplete' until the empty line has arrived. With
 * `wanted` (lower-case field names), only those fields' values are decoded: every other field is
 * listed with an empty value, so its presence is known but its value (a Cookie...) never read.
 */
export function parseHttpHead(bytes: Uint8Array, start = 0, wanted?: ReadonlySet<string>): HeadResult {
  const end = bytes.length
  const first = lineEnd(bytes, start, Math.min(end, start + MAX_HEAD_BYTES))
  if (!first) {
    if (end - start >= MAX_HEAD_BYTES) return {status: 'invalid', reason: 'start line too long'}
    // Reject early what can never be an HTTP start line.
    if (end - start >= 4 && !looksLikeHttpStart(bytes.subarray(start, Math.min(end, start + MAX_METHOD + 2)))) return {status: 'invalid', reason: 'not an HTTP start line'}
    return {status: 'incomplete'}
  }
  const [lineStop, afterLine] = first
  let startLine: HttpRequestLine | HttpStatusLine
  if (isVersionAt(bytes, start, lineStop)) {
    // status-line
    const sp = start + 8
    if (bytes[sp] !== 0x20 || sp + 4 > lineStop || !isDigit(bytes[sp + 1]!) || !isDigit(bytes[sp + 2]!) || !isDigit(bytes[sp + 3]!)) {
      return {status: 'invalid', reason: 'bad status line'}
    }
    const status = (bytes[sp + 1]! - 0x30) * 100 + (bytes[sp + 2]! - 0x30) * 10 + (bytes[sp + 3]! - 0x30)
    const reasonStart = Math.min(lineStop, sp + 5)
    startLine = {kind: 'response', version: token(bytes, start, start + 8), status, reason: text(bytes, reasonStart, lineStop, 255)}
  } else {
    const sp1 = methodTokenEnd(bytes, start, lineStop, MAX_METHOD)
    if (sp1 < start + 3) return {status: 'invalid', reason: 'not an HTTP start line'}
    const sp2 = bytes.lastIndexOf(0x20, lineStop - 1)
    if (sp2 <= sp1 || !isVersionAt(bytes, sp2 + 1, lineStop) || sp2 + 9 !== lineStop) return {status: 'invalid', reason: 'bad request line'}
    // Extra spaces around the target (seen in manipulated requests) are not part of it.
    let targetStart = sp1 + 1
    let targetEnd = sp2
    while (targetStart < targetEnd && bytes[targetStart] === 0x20) targetStart++
    while (targetEnd > targetStart && bytes[targetEnd - 1] === 0x20) targetEnd--
    const targetChars = text(bytes, targetStart, targetEnd, MAX_TARGET_CHARS + 1)
    startLine = {
      kind: 'request',
      // The method is 3 to 24 upper-case letters, '-' or '_', the version `HTTP/d.d`: ASCII.
      method: token(bytes, start, sp1),
      target: targetChars.slice(0, MAX_TARGET_CHARS),
      targetTruncated: targetChars.length > MAX_TARGET_CHARS,
      version: token(bytes, sp2 + 1, lineStop),
    }
  }
  const fields: Array<[string, string]> = []
  let droppedFields = 0
  let pos = afterLine
  for (;;) {
    if (pos - start >= MAX_HEAD_BYTES) return {status: 'invalid', reason: 'head too long'}
    // lineEnd(), spelled out: no pair made per line.
    const lf = bytes.indexOf(0x0a, pos)
    if (lf < 0 || lf >= Math.min(end, start + MAX_HEAD_BYTES)) return end - start >= MAX_HEAD_BYTES ? {status: 'invalid', reason: 'head too long'} : {status: 'incomplete'}
    const stop = lf > pos && bytes[lf - 1] === 0x0d ? lf - 1 : lf
    const next = lf + 1
    if (stop === pos) {
      // The empty line ends the head.
      // Spelled out: an object spread here went through the runtime's slow path, and cost more
      // than the rest of the parse.
      const length = next - start
      const head: HttpHead =
        startLine.kind === 'request'
          ? {kind: 'request', method: startLine.method, target: startLine.target, targetTruncated: startLine.targetTruncated, version: startLine.version, fields, droppedFields, length}
          : {kind: 'response', version: startLine.version, status: startLine.status, reason: startLine.reason, fields, droppedFields, length}
      return {status: 'ok', head}
    }
    const b0 = bytes[pos]!
    if ((b0 === 0x20 || b0 === 0x09) && fields.length > 0) {
      // obs-fold: continuation of the previous value.
      const last = fields[fields.length - 1]!
      if (!wanted || wanted.has(last[0])) last[1] = `${last[1]} ${text(bytes, pos, stop, MAX_VALUE_CHARS).trim()}`.slice(0, MAX_VALUE_CHARS)
    } else {
      // The first colon of the line (field names are short: a loop costs less than indexOf).
      let colon = pos
      while (colon < stop && bytes[colon] !== 0x3a) colon++
      if (colon > pos && colon < stop) {
        if (fields.length < MAX_FIELDS) {
          const name = fieldName(bytes, pos, colon)
          fields.push([name, !wanted || wanted.has(name) ? fieldValueText(bytes, colon + 1, stop) : ''])
        } else {
          droppedFields++
        }
      }
    }
    pos = next
  }
}

/** First value of a field (names are compared lower-case). */
export function fieldValue(head: HttpHead, name: string): string | null {
  for (const [n, v] of head.fields) if (n === name) return v
  return null
}

export function hasField(head: HttpHead, name: string): boolean {
  return head.fields.some(([n]) => n === name)
}
