import {i32be, u16be} from '../capture/bytes.js'
import {PROTO_TCP} from '../decode/net-layer.js'

/**
 * A 32-bit signature of a TCP or UDP packet, to tell a packet captured twice from the next one
 * of its flow without hashing all its bytes. It joins:
 * - the transport checksum (TCP RFC 9293 §3.1 at offset 16, UDP RFC 768 at offset 6);
 * - the 16 bits at offset 4 of the IP header: the IPv4 Identification (RFC 791 §3.1), the IPv6
 *   Payload Length (RFC 8200 §3);
 * - for TCP the sequence number, for UDP the last 4 bytes captured of the payload (an SRTP or
 *   QUIC authentication tag, RTP media).
 * The checksum alone is not enough: on the sending host, checksum offload leaves only the
 * pseudo-header sum in the captured packet, the same for every packet of a flow of one size.
 *
 * 0 means "no signature": a TCP segment without data (back-to-back duplicate ACKs are
 * legitimately identical), a UDP datagram with no payload. `l4` is where the transport header
 * starts and `ipEnd` where the IP packet ends in `b`; the caller has checked that the transport
 * header is readable.
 */
export function packetSignature(b: Uint8Array, ip: number, l4: number, ipEnd: number, proto: number): number {
  const ipWord = u16be(b, ip + 4) << 16
  if (proto === PROTO_TCP) {
    if (ipEnd - l4 <= (b[l4 + 12]! >> 4) * 4) return 0
    return (ipWord | u16be(b, l4 + 16)) ^ i32be(b, l4 + 4)
  }
  if (ipEnd - l4 < 12) return 0
  return (ipWord | u16be(b, l4 + 6)) ^ i32be(b, ipEnd - 4)
}
