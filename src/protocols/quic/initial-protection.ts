/**
 * Removing QUIC Initial packet protection (RFC 9001 §5), which anyone can do: the keys derive
 * from the client's Destination Connection ID and a published salt.
 *
 *   initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)          (§5.2)
 *   client_secret  = HKDF-Expand-Label(initial_secret, "client in", "", 32)       ("server in")
 *   key = HKDF-Expand-Label(secret, "quic key", "", 16), iv ("quic iv", 12), hp ("quic hp", 16)
 *
 * with the label prefix "quicv2 " instead of "quic " for v2 (RFC 9369 §3.3.2). Header protection
 * (§5.4): a 16-byte sample of the ciphertext taken 4 bytes after the packet number offset is
 * encrypted with AES-128-ECB under the hp key; the mask's first byte unmasks the low 4 bits of the
 * first byte (long header), the next bytes the packet number. The payload is AES-128-GCM (§5.3)
 * with nonce = iv XOR packet number and the unprotected header as associated data.
 */
import {type Cipher, createCipheriv, createDecipheriv, createHmac} from 'node:crypto'

/** The HkdfLabel structure of RFC 8446 §7.1 (length, "tls13 " + label, empty context). */
function labelInfo(label: string, length: number): Buffer {
  const key = `${length} ${label}`
  let info = LABEL_INFOS.get(key)
  if (!info) LABEL_INFOS.set(key, (info = buildLabelInfo(label, length)))
  return info
}

/** A handful of labels (client in, server in, quic key/iv/hp and the v2 and draft ones). */
const LABEL_INFOS = new Map<string, Buffer>()

function buildLabelInfo(label: string, length: number): Buffer {
  const fullLabel = Buffer.from('tls13 ' + label, 'ascii')
  const info = Buffer.alloc(2 + 1 + fullLabel.length + 1)
  info.writeUInt16BE(length, 0)
  info[2] = fullLabel.length
  fullLabel.copy(info, 3)
  info[3 + fullLabel.length] = 0 // empty context
  return info
}

const ONE = Buffer.from([1])

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, for outputs of at most 32 bytes. */
export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  // HKDF-Expand (RFC 5869 §2.3), one block: T(1) = HMAC(PRK, info | 0x01).
  const t1 = createHmac('sha256', secret).update(labelInfo(label, length)).update(ONE).digest()
  return t1.subarray(0, length)
}

/** HKDF-Extract (RFC 5869 §2.2): PRK = HMAC-SHA256(salt, IKM). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(ikm).digest()
}

export interface InitialKeys {
  key: Buffer
  iv: Buffer
  hp: Buffer
  /** AES-128-ECB under the hp key, reused for every sample (16 bytes in, 16 out). */
  hpCipher: Cipher
}

export function deriveInitialKeys(salt: Uint8Array, dcid: Uint8Array, side: 'client' | 'server', labelPrefix = 'quic '): InitialKeys {
  // RFC 9001 §5.2: initial_secret = HKDF-Extract(salt, DCID), then the side's secret. Two HMACs
  // (hkdfSync does the same as a crypto job: 38 µs against 14 µs, once per connection).
  const secret = hkdfExpandLabel(hkdfExtract(salt, dcid), side === 'client' ? 'client in' : 'server in', 32)
  const key = hkdfExpandLabel(secret, labelPrefix + 'key', 16)
  const iv = hkdfExpandLabel(secret, labelPrefix + 'iv', 12)
  const hp = hkdfExpandLabel(secret, labelPrefix + 'hp', 16)
  const hpCipher = createCipheriv('aes-128-ecb', hp, null)
  hpCipher.setAutoPadding(false)
  return {key, iv, hp, hpCipher}
}

export interface OpenedPacket {
  /** The decrypted frames. */
  payload: Buffer
  packetNumber: number
  /** The first byte with its protected bits removed. */
  firstByte: number
}

/**
 * Open one long-header packet. `packet` spans the packet from its first byte to the end of its
 * Length field's extent; `pnOffset` is where the packet number starts. Undefined when it does
 * not authenticate (wrong keys, not an Initial, damaged) or is too short to sample (§5.4.2).
 * The input is never modified.
 */
export function openPacket(keys: InitialKeys, packet: Uint8Array, pnOffset: number): OpenedPacket | undefined {
  if (pnOffset + 4 + 16 > packet.length) return undefined
  const mask = keys.hpCipher.update(packet.subarray(pnOffset + 4, pnOffset + 20))
  if (mask.length < 5) return undefined
  const firstByte = packet[0]! ^ (mask[0]! & 0x0f)
  const pnLength = (firstByte & 0x03) + 1
  const headerLength = pnOffset + pnLength
  if (headerLength + 16 > packet.length) return undefined
  const header = Buffer.from(packet.subarray(0, headerLength))
  header[0] = firstByte
  let packetNumber = 0
  for (let i = 0; i < pnLength; i++) {
    const b = packet[pnOffset + i]! ^ mask[1 + i]!
    header[pnOffset + i] = b
    packetNumber = packetNumber * 256 + b
  }
  // Initial packet numbers are small: the truncated value is the full number (RFC 9000 §17.1
  // with no packet acknowledged yet).
  const nonce = Buffer.from(keys.iv)
  for (let i = 0; i < 4; i++) nonce[11 - i]! ^= (packetNumber / 2 ** (8 * i)) & 0xff
  const ciphertext = packet.subarray(headerLength, packet.length - 16)
  const tag = packet.subarray(packet.length - 16)
  try {
    const decipher = createDecipheriv('aes-128-gcm', keys.key, nonce, {authTagLength: 16})
    decipher.setAAD(header)
    decipher.setAuthTag(tag)
    const payload = Buffer.concat([decipher.update(ciphertext), decipher.final()])
    return {payload, packetNumber, firstByte}
  } catch {
    // Authentication failed: not ours to read (the exception is node's only way to say so).
    return undefined
  }
}
