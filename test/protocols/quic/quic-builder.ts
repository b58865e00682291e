/**
 * Builders of protected QUIC Initial packets for the tests, written from RFC 9001 §5 on their own
 * (HKDF with node's HMAC, AES-128-GCM, AES-128-ECB header protection), plus frames (RFC 9000
 * §19) and Google QUIC CHLO messages. Not the code under test.
 */
import {createCipheriv, createHmac} from 'node:crypto'

export function varint(n: number): Buffer {
  if (n < 0x40) return Buffer.from([n])
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff])
  if (n < 0x40000000) {
    const b = Buffer.alloc(4)
    b.writeUInt32BE((0x80000000 | n) >>> 0)
    return b
  }
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n) | (3n << 62n))
  return b
}

export function cryptoFrame(offset: number, data: Buffer, type = 0x06): Buffer {
  return Buffer.concat([varint(type), varint(offset), varint(data.length), data])
}

export function paddingFrames(n: number): Buffer {
  return Buffer.alloc(n)
}

/** ACK (type 0x02) with one extra range, or 0x03 with ECN counts. */
export function ackFrame(largest: number, ecn = false): Buffer {
  return Buffer.concat([varint(ecn ? 3 : 2), varint(largest), varint(0), varint(1), varint(0), varint(0), varint(0), ...(ecn ? [varint(1), varint(2), varint(3)] : [])])
}

export const PING = Buffer.from([0x01])

function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from('tls13 ' + label)
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])])
  return createHmac('sha256', secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, length)
}

export function initialSecrets(salt: Buffer, dcid: Buffer, side: 'client' | 'server', prefix = 'quic '): {key: Buffer; iv: Buffer; hp: Buffer} {
  const initial = createHmac('sha256', salt).update(dcid).digest()
  const secret = expandLabel(initial, side === 'client' ? 'client in' : 'server in', 32)
  return {key: expandLabel(secret, prefix + 'key', 16), iv: expandLabel(secret, prefix + 'iv', 12), hp: expandLabel(secret, prefix + 'hp', 16)}
}

export const SALTS = {
  v1: Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'),
  v2: Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex'),
  draft29: Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex'),
  t051: Buffer.from('7a4edef4e7ccee5fa4506c19124fc8ccda6e033d', 'hex'),
}

export interface InitialSpec {
  version: number
  dcid: Buffer
  scid?: Buffer
  token?: Buffer
  packetNumber?: number
  pnLength?: 1 | 2 | 3 | 4
  /** Decrypted payload (frames). Padded with PADDING frames to `padTo` bytes of payload. */
  frames: Buffer
  padTo?: number
  side?: 'client' | 'server'
  /** DCID the keys derive from (the client's first DCID; default `dcid`). */
  keyDcid?: Buffer
  salt?: Buffer
  labelPrefix?: string
  /** Long-header type bits of an Initial: 0 (v1), 1 (v2). */
  typeBits?: number
}

/** A protected Initial packet (RFC 9001 §5.3 AEAD, §5.4 header protection). */
export function initialPacket(s: InitialSpec): Buffer {
  const pnLength = s.pnLength ?? 2
  const pn = s.packetNumber ?? 0
  let frames = s.frames
  if (s.padTo && frames.length < s.padTo) frames = Buffer.concat([frames, paddingFrames(s.padTo - frames.length)])
  const first = 0xc0 | ((s.typeBits ?? 0) << 4) | (pnLength - 1)
  const version = Buffer.alloc(4)
  version.writeUInt32BE(s.version >>> 0)
  const scid = s.scid ?? Buffer.alloc(0)
  const token = s.token ?? Buffer.alloc(0)
  const pnBytes = Buffer.alloc(pnLength)
  for (let i = 0; i < pnLength; i++) pnBytes[pnLength - 1 - i] = (pn / 2 ** (8 * i)) & 0xff
  const length = varint(pnLength + frames.length + 16)
  const header = Buffer.concat([
    Buffer.from([first]),
    version,
    Buffer.from([s.dcid.length]),
    s.dcid,
    Buffer.from([scid.length]),
    scid,
    ...(s.side === 'server' ? [varint(0)] : [varint(token.length), token]),
    length,
    pnBytes,
  ])
  const keys = initialSecrets(s.salt ?? SALTS.v1, s.keyDcid ?? s.dcid, s.side ?? 'client', s.labelPrefix)
  const nonce = Buffer.from(keys.iv)
  for (let i = 0; i < 6; i++) nonce[11 - i]! ^= (pn / 2 ** (8 * i)) & 0xff
  const gcm = createCipheriv('aes-128-gcm', keys.key, nonce)
  gcm.setAAD(header)
  const ciphertext = Buffer.concat([gcm.update(frames), gcm.final(), gcm.getAuthTag()])
  const packet = Buffer.concat([header, ciphertext])
  // Header protection: sample 16 bytes starting 4 bytes after the packet number offset.
  const pnOffset = header.length - pnLength
  const ecb = createCipheriv('aes-128-ecb', keys.hp, null)
  ecb.setAutoPadding(false)
  const mask = ecb.update(packet.subarray(pnOffset + 4, pnOffset + 20))
  packet[0]! ^= mask[0]! & 0x0f
  for (let i = 0; i < pnLength; i++) packet[pnOffset + i]! ^= mask[1 + i]!
  return packet
}

/** A gQUIC handshake message (tag "CHLO"): entries sorted as given, values concatenated. */
export function chloMessage(entries: Array<[string, Buffer | string]>): Buffer {
  const count = Buffer.alloc(4)
  count.writeUInt16LE(entries.length, 0)
  const table: Buffer[] = []
  const values: Buffer[] = []
  let end = 0
  for (const [tag, value] of entries) {
    const v = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
    end += v.length
    const e = Buffer.alloc(8)
    Buffer.from(tag.padEnd(4, '\0'), 'latin1').copy(e, 0)
    e.writeUInt32LE(end, 4)
    table.push(e)
    values.push(v)
  }
  return Buffer.concat([Buffer.from('CHLO'), count, ...table, ...values])
}

/**
 * A gQUIC (Q043-style) client packet in clear: public flags (version + 8-byte CID + 1-byte packet
 * number), CID, version, packet number, 12-byte message authentication hash, then a STREAM frame
 * on stream 1 carrying `message`.
 */
export function gquicPublicPacket(version: string, cid: Buffer, message: Buffer): Buffer {
  const streamFrame = Buffer.concat([Buffer.from([0xa0, 0x01]), (() => {
    const l = Buffer.alloc(2)
    l.writeUInt16LE(message.length)
    return l
  })(), message])
  return Buffer.concat([Buffer.from([0x09]), cid, Buffer.from(version, 'latin1'), Buffer.from([1]), Buffer.alloc(12, 0x33), streamFrame])
}
