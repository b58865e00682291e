/** ZRTP packets for tests (RFC 6189 §5), with the CRC-32c that real endpoints check. */
import {reflectedCrc32} from './packet-builder.js'

/** CRC-32c (Castagnoli, RFC 3309 Appendix), which RFC 6189 §5 puts at the end of every packet. */
const crc32c = reflectedCrc32(0x82f63b78)

/** A whole ZRTP packet: header, the message (type block padded to 8) and its body, CRC. */
export function zrtpPacket(type: string, body: Buffer, o: {seq?: number; ssrc?: number} = {}): Buffer {
  const message = Buffer.concat([Buffer.alloc(4), Buffer.from(type.padEnd(8, ' '), 'latin1'), body])
  message.writeUInt16BE(0x505a, 0)
  message.writeUInt16BE(message.length / 4, 2)
  const header = Buffer.alloc(12)
  header[0] = 0x10
  header.writeUInt16BE(o.seq ?? 1, 2)
  header.write('ZRTP', 4, 'latin1')
  header.writeUInt32BE(o.ssrc ?? 0x1234abcd, 8)
  const packet = Buffer.concat([header, message, Buffer.alloc(4)])
  // The CRC-32c's bytes in the order GNU ZRTP writes them and Wireshark checks them (least
  // significant first, as the reflected CRC comes out).
  packet.writeUInt32LE(crc32c(packet.subarray(0, packet.length - 4)), packet.length - 4)
  return packet
}

export interface HelloSpec {
  clientId?: string
  zid?: Buffer
  mitm?: boolean
  passive?: boolean
  hashes?: string[]
  ciphers?: string[]
  authTags?: string[]
  keyAgreements?: string[]
  sasTypes?: string[]
}

/** §5.2 Hello. */
export function zrtpHello(s: HelloSpec = {}, o: {seq?: number; ssrc?: number} = {}): Buffer {
  const lists = [s.hashes ?? ['S256'], s.ciphers ?? ['AES1'], s.authTags ?? ['HS32', 'HS80'], s.keyAgreements ?? ['EC25', 'DH3k'], s.sasTypes ?? ['B32 ']]
  const flags = Buffer.alloc(4)
  flags.writeUInt32BE(
    ((s.mitm ? 0x20000000 : 0) | (s.passive ? 0x10000000 : 0) | (lists[0]!.length << 16) | (lists[1]!.length << 12) | (lists[2]!.length << 8) | (lists[3]!.length << 4) | lists[4]!.length) >>> 0,
  )
  const algorithms = Buffer.from(lists.flat().map((a) => a.padEnd(4, ' ')).join(''), 'latin1')
  const body = Buffer.concat([
    Buffer.from('1.10', 'latin1'),
    Buffer.from((s.clientId ?? 'GNU ZRTP 4.6.6').padEnd(16, ' ').slice(0, 16), 'latin1'),
    Buffer.alloc(32, 0x33), // H3
    s.zid ?? Buffer.from('0123456789abcdef01234567', 'hex'),
    flags,
    algorithms,
    Buffer.alloc(8, 0x4d), // MAC
  ])
  return zrtpPacket('Hello', body, o)
}

/** §5.4 Commit (DH mode: hvi after the chosen algorithms, then the MAC). */
export function zrtpCommit(zid: Buffer, chosen = ['S256', 'AES1', 'HS32', 'EC25', 'B32 '], o: {seq?: number; ssrc?: number} = {}): Buffer {
  const body = Buffer.concat([Buffer.alloc(32, 0x22), zid, Buffer.from(chosen.map((a) => a.padEnd(4, ' ')).join(''), 'latin1'), Buffer.alloc(32, 0x99), Buffer.alloc(8, 0x4d)])
  return zrtpPacket('Commit', body, o)
}

/** A message with no body of interest (HelloACK, Conf2ACK, GoClear with its MAC...). */
export function zrtpSimple(type: string, body = Buffer.alloc(0), o: {seq?: number; ssrc?: number} = {}): Buffer {
  return zrtpPacket(type, body, o)
}
