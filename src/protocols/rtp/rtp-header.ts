/**
 * RTP fixed header (RFC 3550 §5.1), CSRC list, header extension (§5.3.1, RFC 8285 one- and
 * two-byte forms) and padding, read into a caller-owned struct so the hot path allocates
 * nothing. RTCP shares the first byte's version bits; RFC 5761 §4 tells them apart by the second
 * byte: 192-223 is an RTCP packet type, anything else an RTP marker bit + payload type.
 */
export interface RtpHeader {
  padding: boolean
  extension: boolean
  csrcCount: number
  marker: boolean
  payloadType: number
  sequence: number
  timestamp: number
  ssrc: number
  /** Offset of the payload from the start of the packet. */
  headerLength: number
  payloadLength: number
  /** RFC 3550 §5.3.1 profile-defined 16 bits (0xBEDE one-byte, 0x100x two-byte RFC 8285). */
  extensionProfile: number
  /** Offset and length (bytes) of the extension data, from the start of the packet. */
  extensionOffset: number
  extensionLength: number
}

export function newRtpHeader(): RtpHeader {
  return {
    padding: false,
    extension: false,
    csrcCount: 0,
    marker: false,
    payloadType: 0,
    sequence: 0,
    timestamp: 0,
    ssrc: 0,
    headerLength: 0,
    payloadLength: 0,
    extensionProfile: 0,
    extensionOffset: 0,
    extensionLength: 0,
  }
}

/** Second byte 192-223: an RTCP packet type (RFC 5761 §4). */
export function isRtcpType(secondByte: number): boolean {
  return secondByte >= 192 && secondByte <= 223
}

/**
 * Fill `out` from the RTP packet in b[offset, end). False when it is not a well-formed RTP
 * version 2 header (too short, CSRCs or extension past the end, or an RTCP packet type).
 * Padding (§5.1 P bit) is removed only when its count byte is plausible: with SRTP the last byte
 * belongs to the authentication tag, so a bad count does not reject the packet.
 */
export function readRtpHeader(b: Uint8Array, offset: number, end: number, out: RtpHeader): boolean {
  if (offset < 0 || end > b.length || end - offset < 12) return false
  const first = b[offset]!
  if ((first & 0xc0) !== 0x80) return false
  const second = b[offset + 1]!
  if (isRtcpType(second)) return false
  const csrcCount = first & 0x0f
  let headerLength = 12 + 4 * csrcCount
  if (end - offset < headerLength) return false
  out.extension = (first & 0x10) !== 0
  out.extensionProfile = 0
  out.extensionOffset = 0
  out.extensionLength = 0
  if (out.extension) {
    if (end - offset < headerLength + 4) return false
    const at = offset + headerLength
    const words = (b[at + 2]! << 8) | b[at + 3]!
    out.extensionProfile = (b[at]! << 8) | b[at + 1]!
    out.extensionOffset = headerLength + 4
    out.extensionLength = 4 * words
    headerLength += 4 + 4 * words
    if (end - offset < headerLength) return false
  }
  out.padding = (first & 0x20) !== 0
  out.csrcCount = csrcCount
  out.marker = (second & 0x80) !== 0
  out.payloadType = second & 0x7f
  out.sequence = (b[offset + 2]! << 8) | b[offset + 3]!
  out.timestamp = ((b[offset + 4]! << 24) | (b[offset + 5]! << 16) | (b[offset + 6]! << 8) | b[offset + 7]!) >>> 0
  out.ssrc = ((b[offset + 8]! << 24) | (b[offset + 9]! << 16) | (b[offset + 10]! << 8) | b[offset + 11]!) >>> 0
  out.headerLength = headerLength
  let payloadLength = end - offset - headerLength
  if (out.padding && payloadLength > 0) {
    const pad = b[end - 1]!
    if (pad >= 1 && pad <= payloadLength) payloadLength -= pad
  }
  out.payloadLength = payloadLength
  return true
}

/**
 * RFC 8285 element ids in a header extension (one-byte form 0xBEDE: 4-bit id, 4-bit length-1;
 * two-byte form 0x100X: 8-bit id, 8-bit length). Calls `onId` for each; stops at malformed data.
 */
export function forEachExtensionId(b: Uint8Array, packetOffset: number, h: RtpHeader, onId: (id: number) => void): void {
  const start = packetOffset + h.extensionOffset
  const end = Math.min(b.length, start + h.extensionLength)
  let at = start
  if (h.extensionProfile === 0xbede) {
    while (at < end) {
      const byte = b[at]!
      if (byte === 0) {
        at++ // padding
        continue
      }
      const id = byte >> 4
      if (id === 15 || id === 0) return // RFC 8285 §4.2: 15 stops processing, 0 is padding only
      onId(id)
      at += 2 + (byte & 0x0f)
    }
  } else if ((h.extensionProfile & 0xfff0) === 0x1000) {
    while (at + 1 < end) {
      const id = b[at]!
      if (id === 0) {
        at++
        continue
      }
      onId(id)
      at += 2 + b[at + 1]!
    }
  }
}
