/**
 * Cutting a reassembled TCP byte stream of a STUN/TURN connection into frames. Two framings
 * are in use:
 *  - "stream": STUN messages and TURN ChannelData back to back (RFC 8489 §6.2.2; ChannelData
 *    padded to a multiple of 4 bytes, RFC 8656 §12.5), told apart by their first two bits
 *    (00 STUN, 01 ChannelData);
 *  - "rfc4571": each packet (STUN, RTP, RTCP, DTLS) preceded by a 16-bit length (RFC 4571 §2), as
 *    ICE-TCP does (RFC 6544 §3).
 * The framing is decided on the first bytes of each direction; bytes that fit neither stop the
 * framer, which then yields nothing more.
 */
import {channelDataHeader, type ChannelDataHeader, hasMagicCookie, isChannelNumber, stunFrameLength} from './message.js'

export type FrameKind = 'stun' | 'channel-data' | 'packet'

export interface StreamFrame {
  kind: FrameKind
  /** Bounds of the STUN message, of the whole ChannelData message (header included, padding
   * excluded), or of the RFC 4571 packet, in the stream's bytes. */
  start: number
  end: number
}

export type Framing = 'unknown' | 'stream' | 'rfc4571' | 'none'

export class StunStreamFramer {
  framing: Framing = 'unknown'
  /** Bytes of the stream already cut into frames. */
  parsed = 0
  private readonly channel: ChannelDataHeader = {channel: 0, length: 0}

  /** `stunPort`: the connection is to a STUN port, so a cookie-less first message is accepted. */
  constructor(private readonly stunPort: boolean) {}

  stop(): void {
    this.framing = 'none'
  }

  /**
   * Let the stream forget the bytes already cut into frames (TcpByteStream.discard), so that a
   * connection carrying a whole call is read to its end within the stream's cap; the frames'
   * bounds then count from the new start. Call between `next` loops, never inside one.
   */
  discardParsed(stream: {discard(n: number): void}): void {
    if (this.parsed === 0) return
    stream.discard(this.parsed)
    this.parsed = 0
  }

  /** No more frames will come (bytes fit neither framing, or stop() was called). */
  stopped(): boolean {
    return this.framing === 'none'
  }

  /** The next complete frame of `bytes` (the stream from its start), or false for none yet. */
  next(bytes: Uint8Array, out: StreamFrame): boolean {
    const end = bytes.length
    if (this.framing === 'unknown' && !this.decide(bytes)) return false
    if (this.framing === 'none') return false
    const at = this.parsed
    if (at >= end) return false
    if (this.framing === 'rfc4571') {
      if (at + 2 > end) return false
      const length = (bytes[at]! << 8) | bytes[at + 1]!
      if (at + 2 + length > end) return false
      out.kind = 'packet'
      out.start = at + 2
      out.end = at + 2 + length
      this.parsed = out.end
      return true
    }
    const first = bytes[at]!
    if ((first & 0xc0) === 0) {
      if (at + 4 > end) return false
      const total = 20 + ((bytes[at + 2]! << 8) | bytes[at + 3]!)
      if (at + total > end) return false
      out.kind = 'stun'
      out.start = at
      out.end = at + total
      this.parsed = out.end
      return true
    }
    if ((first & 0xc0) === 0x40) {
      if (at + 4 > end || !channelDataHeader(bytes, at, end, false, this.channel)) return false
      // RFC 8656 §12.5: padded to a multiple of 4 bytes over TCP.
      const total = 4 + ((this.channel.length + 3) & ~3)
      if (at + total > end) return false
      out.kind = 'channel-data'
      out.start = at
      out.end = at + 4 + this.channel.length
      this.parsed = at + total
      return true
    }
    this.framing = 'none'
    return false
  }

  private decide(bytes: Uint8Array): boolean {
    const end = bytes.length
    if (end < 4) return false
    if ((bytes[0]! & 0xc0) === 0 && end >= 8 && hasMagicCookie(bytes, 0)) this.framing = 'stream'
    else if (end >= 10 && ((bytes[0]! << 8) | bytes[1]!) >= 20 && (bytes[2]! & 0xc0) === 0 && hasMagicCookie(bytes, 2)) this.framing = 'rfc4571'
    else if (channelDataHeader(bytes, 0, end, false, this.channel)) this.framing = 'stream'
    // To a TURN port, a direction may start with ChannelData cut across segments (a capture begun
    // mid-call): wait for the rest. Elsewhere "GET " would fit a channel header as well.
    else if (this.stunPort && isChannelNumber((bytes[0]! << 8) | bytes[1]!) && 4 + ((bytes[2]! << 8) | bytes[3]!) > end) return false
    else if (this.stunPort && (bytes[0]! & 0xc0) === 0 && stunFrameLength(bytes, 0, end) > 0) this.framing = 'stream'
    else if (end >= 20) this.framing = 'none'
    else return false
    return this.framing !== 'none'
  }
}
