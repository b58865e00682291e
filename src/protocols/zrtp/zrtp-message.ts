/**
 * ZRTP packets (RFC 6189): media-path key agreement for SRTP, multiplexed on the RTP port. What an
 * eavesdropper reads in clear is the Hello (§5.2): the ZRTP version, a 16-byte client identifier
 * naming the software, and the ZID (§4.2), a 96-bit identifier an endpoint keeps for good (its
 * key-continuity cache is indexed by it), so it links every call of one device; plus the
 * algorithms offered and, in the Commit (§5.4), the ones chosen.
 *
 * Packet (§5, figure 2): 0x10 0x00 (the first four bits 0001, the rest of the first 16 bits
 * unused, zero), a 16-bit sequence number, the magic cookie 'ZRTP' (0x5a525450), the source
 * identifier (SSRC), the message, and a CRC-32c over all before it. Message (§5.1): the preamble
 * 0x505a, its length in 32-bit words (preamble, length and type included), an 8-character type
 * block, then the fields of the type. Every offset below is checked against that length.
 */

export const ZRTP_COOKIE = 0x5a525450
const MESSAGE_PREAMBLE = 0x505a
/** Packet header (12 bytes) and trailing CRC (4). */
const HEADER = 12
const CRC = 4
/** Preamble, length and type block. */
const MESSAGE_HEAD = 12

/** The message types of §5 (type blocks are 8 ASCII characters, space padded). */
export const ZRTP_TYPES = [
  'Hello', 'HelloACK', 'Commit', 'DHPart1', 'DHPart2', 'Confirm1', 'Confirm2', 'Conf2ACK',
  'Error', 'ErrorACK', 'GoClear', 'ClearACK', 'SASrelay', 'RelayACK', 'Ping', 'PingACK',
] as const
export type ZrtpType = (typeof ZRTP_TYPES)[number]

export interface ZrtpHello {
  /** §5.2: "1.10" for RFC 6189. */
  version: string
  /** §5.2: the software's 16-character identifier (e.g. "GNU ZRTP 4.6.6  "), trailing spaces and NULs dropped. Untrusted text. */
  clientId: string
  /** §4.2: the 96-bit ZID, 24 lower-case hex digits. */
  zid: string
  /** §5.2 flags: S (can sign the SAS), M (a trusted MiTM, usually a PBX, that relays the SAS), P (passive: never initiates). */
  signatureCapable: boolean
  mitm: boolean
  passive: boolean
  hashes: string[]
  ciphers: string[]
  authTags: string[]
  keyAgreements: string[]
  sasTypes: string[]
}

/** §5.4: what the initiator chose from both Hellos. */
export interface ZrtpCommit {
  zid: string
  hash: string
  cipher: string
  authTag: string
  keyAgreement: string
  sasType: string
}

export interface ZrtpPacket {
  sequence: number
  ssrc: number
  type: ZrtpType | 'unknown'
  /** The type block as sent when it names no type of §5 (untrusted text). */
  unknownType?: string
  hello?: ZrtpHello
  commit?: ZrtpCommit
  /** §5.9: the Error message's code (e.g. 0x40 auth error, 0x90 equal ZIDs). */
  errorCode?: number
}

/** Whether a datagram (or bytes [start, end) of a buffer) has the ZRTP packet header: 0x10 0x00
 * and the magic cookie, with room for a message head and the CRC. */
export function looksLikeZrtp(b: Uint8Array, start = 0, end = b.length): boolean {
  return (
    end - start >= HEADER + MESSAGE_HEAD + CRC &&
    b[start] === 0x10 &&
    b[start + 1] === 0x00 &&
    b[start + 4] === 0x5a && b[start + 5] === 0x52 && b[start + 6] === 0x54 && b[start + 7] === 0x50
  )
}

/** A ZRTP packet, or null when the datagram is not one whose message fills it exactly. */
export function parseZrtpPacket(d: Uint8Array): ZrtpPacket | null {
  if (!looksLikeZrtp(d)) return null
  const m = HEADER
  if (((d[m]! << 8) | d[m + 1]!) !== MESSAGE_PREAMBLE) return null
  const length = ((d[m + 2]! << 8) | d[m + 3]!) * 4
  // The message and the CRC fill the datagram (§5: nothing follows the CRC).
  if (length < MESSAGE_HEAD || HEADER + length + CRC !== d.length) return null
  const typeBlock = ascii(d, m + 4, m + 12)
  const name = typeBlock.trimEnd()
  const type = (ZRTP_TYPES as readonly string[]).includes(name) ? (name as ZrtpType) : 'unknown'
  const packet: ZrtpPacket = {sequence: (d[2]! << 8) | d[3]!, ssrc: readU32(d, 8), type}
  if (type === 'unknown') packet.unknownType = typeBlock
  const body = m + MESSAGE_HEAD
  const end = m + length
  if (type === 'Hello') {
    const hello = parseHello(d, body, end)
    if (hello) packet.hello = hello
  } else if (type === 'Commit') {
    // §5.4: H2 (32 bytes), ZID (12), then hash, cipher, auth tag, key agreement, SAS type (4 each).
    const at = body + 32
    if (at + 12 + 20 <= end) {
      packet.commit = {
        zid: hex(d, at, at + 12),
        hash: algorithm(d, at + 12),
        cipher: algorithm(d, at + 16),
        authTag: algorithm(d, at + 20),
        keyAgreement: algorithm(d, at + 24),
        sasType: algorithm(d, at + 28),
      }
    }
  } else if (type === 'Error' && body + 4 <= end) {
    packet.errorCode = readU32(d, body)
  }
  return packet
}

/** §5.2 Hello body: version (4), client id (16), H3 (32), ZID (12), flags and counts (4), the
 * algorithm lists (4 bytes per entry), then the MAC (8). */
function parseHello(d: Uint8Array, at: number, end: number): ZrtpHello | null {
  const flagsAt = at + 4 + 16 + 32 + 12
  if (flagsAt + 4 > end) return null
  const word = readU32(d, flagsAt)
  const counts = [(word >>> 16) & 0xf, (word >>> 12) & 0xf, (word >>> 8) & 0xf, (word >>> 4) & 0xf, word & 0xf]
  const lists: string[][] = []
  let p = flagsAt + 4
  for (const n of counts) {
    // Each count is at most 7 (§5.2); the lists and the MAC must fit the message.
    if (n > 7 || p + 4 * n > end) return null
    const list: string[] = []
    for (let i = 0; i < n; i++, p += 4) list.push(algorithm(d, p))
    lists.push(list)
  }
  if (p + 8 > end) return null
  return {
    version: ascii(d, at, at + 4),
    clientId: ascii(d, at + 4, at + 20).replace(/[\s\0]+$/, ''),
    zid: hex(d, at + 52, at + 64),
    signatureCapable: (word & 0x40000000) !== 0,
    mitm: (word & 0x20000000) !== 0,
    passive: (word & 0x10000000) !== 0,
    hashes: lists[0]!,
    ciphers: lists[1]!,
    authTags: lists[2]!,
    keyAgreements: lists[3]!,
    sasTypes: lists[4]!,
  }
}

function readU32(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0
}

/** An algorithm name (§5.1.2-§5.1.6: four ASCII characters, space padded, e.g. "S256", "AES1", "EC25", "B32 "). */
function algorithm(d: Uint8Array, at: number): string {
  return ascii(d, at, at + 4).trimEnd()
}

/** Bytes as text, one character per byte (the fields are ASCII; other bytes are kept as their
 * Latin-1 character for the renderers to neutralise, never dropped). */
function ascii(d: Uint8Array, from: number, to: number): string {
  let s = ''
  for (let i = from; i < to; i++) s += String.fromCharCode(d[i]!)
  return s
}

function hex(d: Uint8Array, from: number, to: number): string {
  let s = ''
  for (let i = from; i < to; i++) s += d[i]!.toString(16).padStart(2, '0')
  return s
}
