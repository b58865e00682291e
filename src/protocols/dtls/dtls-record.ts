/**
 * DTLS wire format (RFC 6347 §4.1 and §4.2.2; RFC 9147 §4 and §5.2 for DTLS 1.3):
 *
 *   record:    type(1) version(2) epoch(2) sequence_number(6) length(2) fragment
 *   handshake: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3) body
 *
 * A datagram may carry several records, and a record several handshake fragments. DTLS 1.3
 * encrypted records use a compact "unified header" whose first byte is 0b001xxxxx (RFC 9147
 * §4), which carries nothing readable here.
 */
import {CONTENT} from '../tls/tls-registry.js'

export const RECORD_HEADER = 13
export const HANDSHAKE_HEADER = 12

/** DTLS 1.0 (0xfeff), 1.2 (0xfefd), 1.3 (0xfefc), and OpenSSL's pre-RFC DTLS 1.0 (0x0100). */
export function isDtlsVersion(major: number, minor: number): boolean {
  return (major === 0xfe && (minor === 0xff || minor === 0xfd || minor === 0xfc)) || (major === 0x01 && minor === 0x00)
}

/** A DTLSPlaintext/DTLSCiphertext record header at `at` (content type 20-25, DTLS version). */
export function looksLikeDtlsRecord(d: Uint8Array, at = 0): boolean {
  if (d.length < at + RECORD_HEADER) return false
  const type = d[at]!
  return type >= CONTENT.CHANGE_CIPHER_SPEC && type <= 25 && isDtlsVersion(d[at + 1]!, d[at + 2]!)
}

/** RFC 9147 §4: the first byte of a DTLS 1.3 unified header is 0b001CSLEE. */
export function isUnifiedHeader(first: number): boolean {
  return (first & 0xe0) === 0x20
}

/**
 * RFC 5415 §4.1 CAPWAP: control and data channels (UDP 5246/5247) prefix DTLS records with a
 * 4-byte preamble whose first byte is version 0, type 1 ("DTLS Crypted Header").
 */
export function capwapDtlsOffset(d: Uint8Array): number {
  return d.length >= 4 + RECORD_HEADER && d[0] === 0x01 && d[1] === 0 && d[2] === 0 && d[3] === 0 && looksLikeDtlsRecord(d, 4) ? 4 : 0
}

/** STUN message (RFC 8489 §5) at `at`: first two bits 0, magic cookie 0x2112A442 at bytes 4-7
 * (`at` 2: inside an RFC 4571 frame). */
export function looksLikeStun(d: Uint8Array, at = 0): boolean {
  return d.length >= at + 20 && d[at]! < 4 && d[at + 4] === 0x21 && d[at + 5] === 0x12 && d[at + 6] === 0xa4 && d[at + 7] === 0x42
}

export interface DtlsRecordView {
  type: number
  version: number
  epoch: number
  /** The record's fragment (cut at the end of the datagram if the length overran it). */
  fragment: Uint8Array
}

export interface HandshakeFragment {
  msgType: number
  /** Length of the whole message. */
  length: number
  messageSeq: number
  fragmentOffset: number
  /** The fragment's bytes (cut at the end of the record if fragment_length overran it). */
  body: Uint8Array
}

/**
 * The records of a datagram from `at`, in order, until one is not a DTLS record (an encrypted
 * DTLS 1.3 record ends the list; `encrypted` tells). Calls `onRecord` for each.
 */
export function forEachRecord(d: Uint8Array, at: number, onRecord: (record: DtlsRecordView) => void): {encrypted: boolean} {
  let pos = at
  while (pos + RECORD_HEADER <= d.length) {
    if (isUnifiedHeader(d[pos]!)) return {encrypted: true}
    if (!looksLikeDtlsRecord(d, pos)) break
    const length = (d[pos + 11]! << 8) | d[pos + 12]!
    const end = Math.min(d.length, pos + RECORD_HEADER + length)
    onRecord({
      type: d[pos]!,
      version: (d[pos + 1]! << 8) | d[pos + 2]!,
      epoch: (d[pos + 3]! << 8) | d[pos + 4]!,
      fragment: d.subarray(pos + RECORD_HEADER, end),
    })
    pos = pos + RECORD_HEADER + length
  }
  return {encrypted: false}
}

/** The handshake fragments of one epoch-0 handshake record. */
export function forEachHandshakeFragment(record: Uint8Array, onFragment: (fragment: HandshakeFragment) => void): void {
  let pos = 0
  while (pos + HANDSHAKE_HEADER <= record.length) {
    const r = record
    const fragmentLength = (r[pos + 9]! << 16) | (r[pos + 10]! << 8) | r[pos + 11]!
    const start = pos + HANDSHAKE_HEADER
    onFragment({
      msgType: r[pos]!,
      length: (r[pos + 1]! << 16) | (r[pos + 2]! << 8) | r[pos + 3]!,
      messageSeq: (r[pos + 4]! << 8) | r[pos + 5]!,
      fragmentOffset: (r[pos + 6]! << 16) | (r[pos + 7]! << 8) | r[pos + 8]!,
      body: r.subarray(start, Math.min(r.length, start + fragmentLength)),
    })
    pos = start + fragmentLength
  }
}
