/** Wire-format builders for VPN protocols (IPsec, WireGuard), shared by the analyzer and role tests. */

const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

/**
 * An IKE message (RFC 7296 §3.1; ISAKMP RFC 2408 §3.1 has the same 28-byte header): initiator
 * SPI, responder SPI, next payload, version (major << 4 | minor), exchange type, flags, message
 * id, total length, then `body`.
 */
export function ikeMessage(o: {major?: number; exchange?: number; responder?: boolean; body?: Buffer} = {}): Buffer {
  const body = o.body ?? Buffer.alloc(40, 0x5a)
  const h = Buffer.alloc(28)
  Buffer.from('0123456789abcdef', 'hex').copy(h, 0) // initiator SPI
  if (o.responder) Buffer.from('fedcba9876543210', 'hex').copy(h, 8)
  h[16] = 33 // next payload: SA (RFC 7296 §3.2)
  h[17] = ((o.major ?? 2) << 4) | 0
  h[18] = o.exchange ?? 34 // IKE_SA_INIT
  h[19] = o.responder ? 0x20 : 0x08 // Response / Initiator flags
  h.writeUInt32BE(28 + body.length, 24)
  return Buffer.concat([h, body])
}

/** ESP (RFC 4303 §2): SPI, sequence number, then opaque payload and ICV. */
export const espPacket = (spi: number, seq: number, bytes = 64) => Buffer.concat([u32(spi), u32(seq), Buffer.alloc(bytes, 0xa7)])

/**
 * WireGuard messages as the whitepaper (§5.4.2–§5.4.7) lays them out: type, three reserved zero
 * bytes, then fixed-size fields; the contents are random-looking (keys, AEAD output).
 */
const filler = (n: number, seed: number) => Buffer.from(Array.from({length: n}, (_, i) => ((i * 151 + seed * 37) % 251) + 3))
const header = (type: number) => Buffer.from([type, 0, 0, 0])
/** Initiation: sender 4, ephemeral 32, static 32+16, timestamp 12+16, mac1 16, mac2 16 = 148. */
export const wgInitiation = () => Buffer.concat([header(1), filler(144, 1)])
/** Response: sender 4, receiver 4, ephemeral 32, empty 0+16, mac1 16, mac2 16 = 92. */
export const wgResponse = () => Buffer.concat([header(2), filler(88, 2)])
/** Cookie reply: receiver 4, nonce 24, cookie 16+16 = 64. */
export const cookieReply = () => Buffer.concat([header(3), filler(60, 3)])
/** Transport data: receiver 4, counter 8, then the packet padded to 16 and its 16-byte tag. */
export const wgTransport = (paddedBytes: number, seed = 4) => Buffer.concat([header(4), filler(12 + paddedBytes + 16, seed)])

/**
 * Transport data as a peer mid-tunnel sends it (§5.4.6): type 4, three reserved zeros, the
 * receiver index and the 64-bit counter, both little-endian, then `paddedBytes` of ciphertext and
 * the 16-byte tag. `paddedBytes` is 0 for a keepalive (32 bytes in all).
 */
export function wgData(receiver: number, counter: number | bigint, paddedBytes = 64, seed = 5): Buffer {
  const h = Buffer.alloc(16)
  h[0] = 4
  h.writeUInt32LE(receiver >>> 0, 4)
  h.writeBigUInt64LE(BigInt(counter), 8)
  return Buffer.concat([h, filler(paddedBytes + 16, seed)])
}

/** IKEv1 (ISAKMP, RFC 2408 §3.1-§3.2) message with a payload chain: each payload's generic header
 * names the next payload's type. `encrypted` sets flag 0x01 (the payloads are then opaque). */
export function ikev1Message(payloads: Array<{type: number; body: Buffer}>, o: {exchange?: number; responder?: boolean; encrypted?: boolean} = {}): Buffer {
  const parts = payloads.map((p, i) => {
    const h = Buffer.alloc(4)
    h[0] = payloads[i + 1]?.type ?? 0
    h.writeUInt16BE(4 + p.body.length, 2)
    return Buffer.concat([h, p.body])
  })
  const message = ikeMessage({major: 1, exchange: o.exchange ?? 4, responder: o.responder, body: Buffer.concat(parts)})
  message[16] = payloads[0]?.type ?? 0
  message[19] = o.encrypted ? 0x01 : 0x00
  return message
}

/** IKEv1 payloads for ikev1Message: an SA with one proposal and one transform whose
 * authentication method attribute (type 3, RFC 2409 Appendix A) is `authMethod`; an ID payload
 * (RFC 2407 §4.6.2); a Vendor ID. */
export const ikev1 = {
  sa(authMethod: number): {type: number; body: Buffer} {
    const attrs = Buffer.from([0x80, 0x01, 0x00, 0x07, 0x80, 0x03, authMethod >> 8, authMethod & 0xff]) // encryption AES, auth method
    const transform = Buffer.concat([Buffer.from([0, 0, 0, 8 + attrs.length, 1, 1, 0, 0]), attrs])
    const proposal = Buffer.concat([Buffer.from([0, 0, 0, 8 + transform.length, 1, 1, 0, 1]), transform])
    return {type: 1, body: Buffer.concat([u32(1), u32(1), proposal])}
  },
  id(idType: number, data: Buffer): {type: number; body: Buffer} {
    return {type: 5, body: Buffer.concat([Buffer.from([idType, 17, 1, 0xf4]), data])}
  },
  vendorId(hex: string): {type: number; body: Buffer} {
    return {type: 13, body: Buffer.from(hex, 'hex')}
  },
  opaque(type: number, bytes = 32): {type: number; body: Buffer} {
    return {type, body: Buffer.alloc(bytes, 0x6b)}
  },
}
