/**
 * QUIC long-header packets (RFC 9000 §17.2, RFC 8999 §5.1 invariants) and the frames of an
 * Initial packet (RFC 9000 §19). A datagram may hold several coalesced long-header packets
 * (§12.2), each ending where its Length field says; a short-header packet runs to the end.
 *
 *   Long Header { 1 | fixed | type(2) | type-specific(4) , Version(32),
 *                 DCID Length(8), DCID(0..160), SCID Length(8), SCID(0..160),
 *                 Initial only: Token Length(i), Token, then Length(i), Packet Number, Payload }
 */
import {ByteReader} from '../tls/byte-reader.js'

export interface LongHeaderPacket {
  /** Long-header type bits (0-3): their meaning depends on the version (v2 renumbers them). */
  typeBits: number
  version: number
  dcid: Uint8Array
  scid: Uint8Array
  /** Offset of the packet number in `bytes` (Initial, 0-RTT, Handshake). */
  pnOffset: number
  /** The packet: from its first byte to the end of its Length (a view into the datagram). */
  bytes: Uint8Array
  /** Offset in the datagram just after this packet. */
  end: number
}

/** RFC 9000 §17.2: connection IDs are at most 20 bytes in v1 (RFC 8999 allows 255). */
const MAX_CID = 20

/**
 * The long-header packet at `at`. Undefined when the bytes there are not one (short header,
 * version negotiation, Retry, a length past the datagram). `initialType` tells which type bits
 * carry a token (Initial).
 */
export function parseLongHeader(d: Uint8Array, at: number, initialType: number): LongHeaderPacket | undefined {
  const r = new ByteReader(d, at)
  const first = r.u8()
  if ((first & 0x80) === 0) return undefined
  const version = r.u32()
  if (version === 0) return undefined // version negotiation (§17.2.1)
  const dcidLength = r.u8()
  if (dcidLength > MAX_CID) return undefined
  const dcid = r.take(dcidLength)
  const scidLength = r.u8()
  if (scidLength > MAX_CID) return undefined
  const scid = r.take(scidLength)
  const typeBits = (first >> 4) & 0x03
  if (typeBits === initialType) {
    const tokenLength = r.varint()
    r.skip(tokenLength)
  } else if (typeBits === (initialType === 0 ? 3 : 0)) {
    return undefined // Retry (v1 type 3, v2 type 0): no Length, runs to the end of the datagram
  }
  const length = r.varint()
  if (r.failed || r.pos + length > d.length || length < 1) return undefined
  const pnOffset = r.pos - at
  const end = r.pos + length
  return {typeBits, version, dcid, scid, pnOffset, bytes: d.subarray(at, end), end}
}

/** A CRYPTO frame's data at an offset of the crypto stream (RFC 9000 §19.6). */
export interface CryptoFrame {
  offset: number
  data: Uint8Array
}

/**
 * The CRYPTO frames of a decrypted Initial (or Handshake) payload, in order. Frames allowed there
 * (RFC 9000 §12.4): PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE; parsing stops at any other type
 * or at a malformed frame, keeping what was read. Google's T050/T051/Q050 number CRYPTO 0x08
 * (`cryptoType`).
 */
export function cryptoFrames(payload: Uint8Array, cryptoType = 0x06, max = 64): CryptoFrame[] {
  const r = new ByteReader(payload)
  const out: CryptoFrame[] = []
  while (r.remaining > 0 && out.length < max) {
    // PADDING (0x00) fills most of a client Initial: skip the run at once.
    if (payload[r.pos] === 0x00) {
      let end = r.pos
      while (end < r.end && payload[end] === 0x00) end++
      r.pos = end
      continue
    }
    const type = r.varint()
    if (r.failed) break
    if (type === 0x01) continue // PING
    if (type === 0x02 || type === 0x03) {
      // ACK: Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, ranges, [ECN].
      r.varint()
      r.varint()
      const rangeCount = r.varint()
      r.varint()
      if (rangeCount > 256) break
      for (let i = 0; i < rangeCount && !r.failed; i++) {
        r.varint()
        r.varint()
      }
      if (type === 0x03) {
        r.varint()
        r.varint()
        r.varint()
      }
      if (r.failed) break
      continue
    }
    if (type === cryptoType) {
      const offset = r.varint()
      const length = r.varint()
      const data = r.take(length)
      if (r.failed) break
      out.push({offset, data})
      continue
    }
    if (type === 0x1c || type === 0x1d) {
      // CONNECTION_CLOSE: Error Code, [Frame Type], Reason Phrase Length, Reason Phrase.
      r.varint()
      if (type === 0x1c) r.varint()
      r.skip(r.varint())
      if (r.failed) break
      continue
    }
    break
  }
  return out
}
