/**
 * SIP messages (RFC 3261 §7): a start line, either a request `Method SP Request-URI SP SIP/2.0`
 * (§7.1) or a status line `SIP/2.0 SP Status-Code SP Reason-Phrase` (§7.2); header fields, any of
 * them in the compact one-letter form of §7.3.3, folded lines joined (§7.3.1); an empty line; and
 * a body of Content-Length bytes (§20.14), which on UDP may be absent: the body then runs to the
 * datagram's end (§18.3). Parsed from raw bytes with every length checked; header values kept
 * as UTF-8 text (§7.3.1), capped.
 */
import {isDigit, isUpper, methodTokenEnd} from '../../util/ascii.js'

/** Longest head (start line and headers) read. */
export const MAX_HEAD_BYTES = 16 * 1024
/** Header fields kept per message. */
export const MAX_HEADERS = 64
/** Longest header value or Request-URI kept (characters). */
export const MAX_VALUE_CHARS = 1024
const MAX_METHOD = 24

/** RFC 3261 §7.3.3 compact forms, and those of the extensions that define one (RFC 3265 o/u,
 * RFC 3515 r, RFC 3892 b, RFC 4028 x, RFC 3841 a/j/d, RFC 8224 y). */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
}

export interface SipMessage {
  kind: 'request' | 'response'
  /** The request's method; for a response, the method of its CSeq header (or ''). */
  method: string
  /** The response's status code; 0 for a request. */
  status: number
  reason: string
  /** The request's Request-URI; '' for a response. */
  requestUri: string
  /** Header names in full lower-case form, values trimmed and capped, in order. */
  headers: Array<[string, string]>
  /** The body's bounds in the buffer parsed. */
  bodyStart: number
  bodyEnd: number
}

export type SipParse = {status: 'ok'; message: SipMessage; end: number} | {status: 'incomplete'} | {status: 'invalid'}

/** `SIP/2.0` at `at` (the only version, RFC 3261 §7.1; compared case-insensitively as §7.1 asks). */
function isSipVersionAt(b: Uint8Array, at: number, end: number): boolean {
  return (
    at + 7 <= end &&
    (b[at]! | 0x20) === 0x73 && (b[at + 1]! | 0x20) === 0x69 && (b[at + 2]! | 0x20) === 0x70 &&
    b[at + 3] === 0x2f && b[at + 4] === 0x32 && b[at + 5] === 0x2e && b[at + 6] === 0x30
  )
}

const UTF8 = new TextDecoder('utf-8')

/** Header values, the Request-URI and the reason phrase are UTF-8 (RFC 3261 §7.3.1, §25.1
 * TEXT-UTF8), and so is an SDP body (RFC 8866 §5): "Müller" in a display name stays Müller.
 * Malformed bytes become U+FFFD. At most `max` characters. */
export function utf8(b: Uint8Array, start: number, end: number, max: number): string {
  return UTF8.decode(b.subarray(start, Math.min(end, start + max * 4))).slice(0, max)
}

function latin1(b: Uint8Array, start: number, end: number, max: number): string {
  const stop = Math.min(end, start + max)
  let out = ''
  for (let i = start; i < stop; i += 4096) out += String.fromCharCode.apply(null, b.subarray(i, Math.min(stop, i + 4096)) as unknown as number[])
  return out
}

/** The end of the line starting at `pos` (CRLF or a bare LF), before `limit`: [stop, next]. */
function lineAt(b: Uint8Array, pos: number, limit: number): [number, number] | undefined {
  // A bounded scan: `b` may be a whole read buffer of which the message is a small part.
  let lf = pos
  while (lf < limit && b[lf] !== 0x0a) lf++
  if (lf >= limit) return undefined
  return [lf > pos && b[lf - 1] === 0x0d ? lf - 1 : lf, lf + 1]
}

/**
 * Whether b[start, end) begins with a whole SIP start line: a status line, or a request line whose
 * Request-URI has a scheme (sip:, sips:, tel:...) and which ends in SIP/2.0. Looks at the first
 * line only (at most 2 KiB). Used to take a flow on any port.
 */
export function looksLikeSipStart(b: Uint8Array, start: number, end: number): boolean {
  // Every SIP start line begins with three upper-case letters ("SIP" or a method): most payloads
  // are turned away here.
  if (end - start < 16 || !isUpper(b[start]!) || !isUpper(b[start + 1]!) || !isUpper(b[start + 2]!)) return false
  const line = lineAt(b, start, Math.min(end, start + 2048))
  if (!line) return false
  return startLine(b, start, line[0]) !== undefined
}

function startLine(b: Uint8Array, start: number, stop: number): {kind: 'request' | 'response'; method: string; status: number; reason: string; requestUri: string} | undefined {
  if (isSipVersionAt(b, start, stop)) {
    const sp = start + 7
    if (b[sp] !== 0x20 || sp + 4 > stop || !isDigit(b[sp + 1]!) || !isDigit(b[sp + 2]!) || !isDigit(b[sp + 3]!)) return undefined
    if (sp + 4 < stop && b[sp + 4] !== 0x20) return undefined
    const status = (b[sp + 1]! - 0x30) * 100 + (b[sp + 2]! - 0x30) * 10 + (b[sp + 3]! - 0x30)
    if (status < 100) return undefined
    return {kind: 'response', method: '', status, reason: utf8(b, Math.min(stop, sp + 5), stop, 255), requestUri: ''}
  }
  const sp1 = methodTokenEnd(b, start, stop, MAX_METHOD)
  if (sp1 < start + 3) return undefined
  // Request-Line = Method SP Request-URI SP SIP-Version (§7.1): one space each, no spaces inside.
  const sp2 = stop - 8
  if (sp2 <= sp1 + 1 || b[sp2] !== 0x20 || !isSipVersionAt(b, sp2 + 1, stop)) return undefined
  // An absolute URI: a scheme (letters, then letters, digits, + - .) and a colon.
  let colon = sp1 + 1
  if (!((b[colon]! | 0x20) >= 0x61 && (b[colon]! | 0x20) <= 0x7a)) return undefined
  while (colon < sp2 && b[colon] !== 0x3a) {
    const c = b[colon]! | 0x20
    if (!((c >= 0x61 && c <= 0x7a) || isDigit(b[colon]!) || c === 0x2b || c === 0x2d || c === 0x2e)) return undefined
    colon++
  }
  if (colon >= sp2) return undefined
  for (let i = sp1 + 1; i < sp2; i++) if (b[i] === 0x20) return undefined
  return {kind: 'request', method: latin1(b, start, sp1, MAX_METHOD), status: 0, reason: '', requestUri: utf8(b, sp1 + 1, sp2, MAX_VALUE_CHARS)}
}

/**
 * The message at b[start, end). `datagram`: the bytes are one UDP datagram, so a message
 * without Content-Length runs to its end (§18.3); over a stream, Content-Length is required
 * (§20.14) and 'incomplete' means more bytes are needed.
 */
export function parseSipMessage(b: Uint8Array, start: number, end: number, datagram: boolean): SipParse {
  const limit = Math.min(end, start + MAX_HEAD_BYTES)
  const first = lineAt(b, start, limit)
  if (!first) return end - start >= MAX_HEAD_BYTES || datagram ? {status: 'invalid'} : {status: 'incomplete'}
  const line = startLine(b, start, first[0])
  if (!line) return {status: 'invalid'}
  const headers: Array<[string, string]> = []
  let pos = first[1]
  let contentLength = -1
  for (;;) {
    const next = lineAt(b, pos, limit)
    if (!next) {
      // No empty line: in a datagram the head may run to its end (a message with no body).
      if (datagram && end - start < MAX_HEAD_BYTES && pos >= end) break
      return end - start >= MAX_HEAD_BYTES || datagram ? {status: 'invalid'} : {status: 'incomplete'}
    }
    const [stop, after] = next
    if (stop === pos) {
      pos = after
      break
    }
    const c0 = b[pos]!
    if ((c0 === 0x20 || c0 === 0x09) && headers.length > 0) {
      // A folded line continues the previous value (§7.3.1).
      const last = headers[headers.length - 1]!
      last[1] = `${last[1]} ${utf8(b, pos, stop, MAX_VALUE_CHARS).trim()}`.slice(0, MAX_VALUE_CHARS)
    } else {
      let colon = pos
      while (colon < stop && b[colon] !== 0x3a) colon++
      if (colon > pos && colon < stop && headers.length < MAX_HEADERS) {
        const raw = latin1(b, pos, colon, 64).trim().toLowerCase()
        const name = COMPACT[raw] ?? raw
        const value = utf8(b, colon + 1, stop, MAX_VALUE_CHARS).trim()
        headers.push([name, value])
        if (name === 'content-length' && contentLength < 0) {
          const n = /^\d{1,7}$/.test(value) ? Number(value) : Number.NaN
          if (Number.isNaN(n)) return {status: 'invalid'}
          contentLength = n
        }
      }
    }
    pos = after
  }
  let bodyEnd: number
  if (contentLength >= 0) {
    bodyEnd = pos + contentLength
    if (bodyEnd > end) {
      // A datagram shorter than its Content-Length was cut (snaplen): read what there is.
      if (datagram) bodyEnd = end
      else return {status: 'incomplete'}
    }
  } else if (datagram) bodyEnd = end
  else return {status: 'invalid'}
  const cseq = headerValue(headers, 'cseq')
  const method = line.kind === 'request' ? line.method : (cseq?.split(/\s+/)[1] ?? '').slice(0, MAX_METHOD)
  return {
    status: 'ok',
    message: {kind: line.kind, method, status: line.status, reason: line.reason, requestUri: line.requestUri, headers, bodyStart: Math.min(pos, bodyEnd), bodyEnd},
    end: bodyEnd,
  }
}

/** The first value of a header (full lower-case name). */
export function headerValue(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v
  return undefined
}
