/**
 * Google QUIC (gQUIC, versions Q0xx): the client hello is a "CHLO" crypto handshake message,
 * sent in clear up to Q046 (in a STREAM frame on stream 1) and inside CRYPTO frames of a protected
 * Initial from Q050 on. Message layout (Chromium's QUIC crypto design doc, "Handshake message
 * format"):
 *
 *   tag "CHLO" (4) | number of entries N (uint16 LE) | padding (2)
 *   N × { tag (4 ASCII bytes) | end offset of its value (uint32 LE) }   -- sorted by tag
 *   values, concatenated; value i spans [end(i-1), end(i)) from the start of the value area
 *
 * The tags read here: SNI (server name), UAID (user agent, e.g. "Chrome/74.0.3729.169 Windows NT
 * 10.0; Win64; x64"), VER (the version the client wants).
 */
import {wireText} from '../tls/byte-reader.js'

const CHLO = [0x43, 0x48, 0x4c, 0x4f]
/** Entries accepted in one message (real CHLOs have ~20). */
const MAX_ENTRIES = 128

export interface ChloFacts {
  sni?: string
  userAgent?: string
  /** Tags present, in order (a gQUIC client fingerprint of sorts). */
  tags: string[]
  /** The message ran past the data (a value cut off was not kept). */
  truncated?: true
}

/** Index of the first "CHLO" at or after `from` (a bounded scan of one datagram), or -1. */
export function findChlo(d: Uint8Array, from = 0): number {
  const last = d.length - 8
  for (let i = from; i <= last; i++) {
    if (d[i] === CHLO[0] && d[i + 1] === CHLO[1] && d[i + 2] === CHLO[2] && d[i + 3] === CHLO[3]) return i
  }
  return -1
}

function u32le(d: Uint8Array, at: number): number {
  return (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0
}

function tagText(d: Uint8Array, at: number): string {
  let s = ''
  for (let i = 0; i < 4; i++) {
    const c = d[at + i]!
    if (c === 0) break
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?'
  }
  return s
}

/** Parse the CHLO at `at` (its "CHLO" tag). Undefined if the entry table is not plausible. */
export function parseChlo(d: Uint8Array, at: number): ChloFacts | undefined {
  if (at < 0 || at + 8 > d.length) return undefined
  for (let i = 0; i < 4; i++) if (d[at + i] !== CHLO[i]) return undefined
  const entries = d[at + 4]! | (d[at + 5]! << 8)
  if (entries === 0 || entries > MAX_ENTRIES) return undefined
  const table = at + 8
  const values = table + 8 * entries
  const facts: ChloFacts = {tags: []}
  let previousEnd = 0
  for (let i = 0; i < entries; i++) {
    const entry = table + 8 * i
    if (entry + 8 > d.length) {
      facts.truncated = true
      break
    }
    const tag = tagText(d, entry)
    const end = u32le(d, entry + 4)
    if (end < previousEnd) return undefined // offsets must not decrease
    facts.tags.push(tag)
    const start = previousEnd
    previousEnd = end
    if (values + end > d.length) {
      facts.truncated = true
      continue
    }
    if (tag === 'SNI') facts.sni = wireText(d.subarray(values + start, values + end))
    else if (tag === 'UAID') facts.userAgent = wireText(d.subarray(values + start, values + end))
  }
  return facts
}
