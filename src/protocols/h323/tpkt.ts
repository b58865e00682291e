/**
 * TPKT (RFC 1006 §6): the framing H.225.0 call signalling and H.245 put on TCP: version 3, a
 * reserved octet, a 16-bit length that counts the 4-octet header.
 */
import type {PayloadPacket} from '../analyzer.js'
import type {TcpByteStream} from '../tcp-byte-stream.js'

/** A TPKT header at b[at]: its packet length, or -1. A packet holds at least the header and one octet. */
export function tpktLength(b: Uint8Array, at: number, end: number): number {
  if (end - at < 4 || b[at] !== 3 || b[at + 1] !== 0) return -1
  const length = (b[at + 2]! << 8) | b[at + 3]!
  return length > 4 ? length : -1
}

/** What became of a direction's stream after a segment: read on, or let go because its bytes
 * stopped being what the reader takes ('foreign') or it held more than its cap unread ('full'). */
export type TpktStreamState = 'open' | 'foreign' | 'full'

/**
 * Add a TCP segment to one direction's reassembled stream and hand each whole TPKT packet's
 * contents to `onPacket`, which returns false for contents that are not its protocol. Whatever
 * was read is let go from the stream.
 */
export function readTpktStream(stream: TcpByteStream, packet: PayloadPacket, onPacket: (bytes: Uint8Array, start: number, end: number) => boolean): TpktStreamState {
  stream.push(packet.seq, packet.data, packet.streamStart)
  const bytes = stream.bytes
  let at = 0
  while (bytes.length - at >= 4) {
    const length = tpktLength(bytes, at, bytes.length)
    if (length < 0) return 'foreign'
    if (bytes.length - at < length) break // the rest of the packet is still to come
    if (!onPacket(bytes, at + 4, at + length)) return 'foreign'
    at += length
  }
  stream.discard(at)
  return stream.full ? 'full' : 'open'
}
