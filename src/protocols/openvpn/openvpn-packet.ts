/**
 * OpenVPN packets on raw bytes (one packet: a UDP datagram, or one length-prefixed unit of the
 * TCP stream). The layout, from OpenVPN's ssl_pkt.h / ssl.c and Wireshark's packet-openvpn.c:
 *
 *   opcode (high 5 bits) | key_id (low 3 bits)                        1 byte
 *   data packets: P_DATA_V1 payload, or P_DATA_V2 3-byte peer id + payload
 *   control packets (every other opcode):
 *     session id                                                      8 bytes
 *     [tls-auth: HMAC (16 MD5, 20 SHA1, 28 SHA224, 32 SHA256, 48 SHA384, 64 SHA512),
 *      replay packet id 4 bytes, net time 4 bytes]
 *     ack count (at most RELIABLE_ACK_SIZE = 8, reliable.h)           1 byte
 *     acked message packet ids, 4 bytes each; if count > 0 the remote session id, 8 bytes
 *     message packet id (not in P_ACK_V1)                             4 bytes
 *     payload: TLS records (P_CONTROL_V1), early-negotiation TLVs (resets, OpenVPN 2.6)
 *
 * The HMAC length is not on the wire: `guessHmacLength` finds it as Wireshark's dissector does
 * (an HMAC's first 4 bytes hold at most one zero byte: check_for_valid_hmac), strengthened by
 * the rest of the layout (see there). tls-crypt (and tls-crypt-v2) encrypt everything after the
 * net time: only the opcode, session id, packet id and time are in clear.
 *
 * Every length is checked before it is read; nothing here throws.
 */

/** Opcodes (ssl_pkt.h P_*). */
export const OP = {
  HARD_RESET_CLIENT_V1: 1,
  HARD_RESET_SERVER_V1: 2,
  SOFT_RESET_V1: 3,
  CONTROL_V1: 4,
  ACK_V1: 5,
  DATA_V1: 6,
  HARD_RESET_CLIENT_V2: 7,
  HARD_RESET_SERVER_V2: 8,
  DATA_V2: 9,
  /** tls-crypt-v2: the client's reset carries its wrapped key (WKc). */
  HARD_RESET_CLIENT_V3: 10,
  /** tls-crypt-v2: a control packet carrying the WKc. */
  CONTROL_WKC_V1: 11,
} as const

/** HMAC sizes tried for tls-auth, most common first after SHA1 (OpenVPN's default `auth`). */
export const HMAC_LENGTHS: readonly number[] = [20, 32, 64, 16, 48, 28]
/** reliable.h RELIABLE_ACK_SIZE: most packet ids one packet acknowledges. */
export const MAX_ACKS = 8
/** Message and replay packet ids count packets from 0 or 1: larger values are not plausible early
 * in a session (a sanity bound used to tell layouts apart, not a protocol limit). */
const MAX_PLAUSIBLE_ID = 0x00ffffff
/** ssl_pkt.h EARLY_NEG_START: the replay packet id of a client announcing early negotiation. */
const EARLY_NEG_MASK = 0xff000000
const EARLY_NEG_START = 0x0f000000
/** Longest early-negotiation TLV payload accepted on a reset packet. */
const MAX_RESET_PAYLOAD = 64
export const SESSION_ID_BYTES = 8
/** tls-crypt (tls_crypt.h): session id, packet id + time, then a 256-bit tag. */
const TLS_CRYPT_TAG = 32
/** Smallest wrapped client key of tls-crypt-v2: 16-bit length, 256-bit tag, 2048-bit key. */
const MIN_WKC = 290

export function opcodeOf(first: number): number {
  return first >>> 3
}

export function isControlOpcode(op: number): boolean {
  return op >= 1 && op <= 11 && op !== OP.DATA_V1 && op !== OP.DATA_V2
}

export function isDataOpcode(op: number): boolean {
  return op === OP.DATA_V1 || op === OP.DATA_V2
}

export function isResetOpcode(op: number): boolean {
  return op === OP.HARD_RESET_CLIENT_V1 || op === OP.HARD_RESET_SERVER_V1 || op === OP.SOFT_RESET_V1 || op === OP.HARD_RESET_CLIENT_V2 || op === OP.HARD_RESET_SERVER_V2
}

export function isClientResetOpcode(op: number): boolean {
  return op === OP.HARD_RESET_CLIENT_V1 || op === OP.HARD_RESET_CLIENT_V2 || op === OP.HARD_RESET_CLIENT_V3
}

export function isServerResetOpcode(op: number): boolean {
  return op === OP.HARD_RESET_SERVER_V1 || op === OP.HARD_RESET_SERVER_V2
}

function u32(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0
}

/** A control packet's header as laid out with a given HMAC length. */
export interface ControlHeader {
  opcode: number
  keyId: number
  hmacLength: number
  ackCount: number
  /** Offset of the remote session id (the peer's, echoed with acks), -1 when absent. */
  remoteSessionAt: number
  /** Message packet id, -1 for P_ACK_V1. */
  messageId: number
  /** Offset of the payload (TLS bytes of P_CONTROL_V1); equals the length when empty. */
  payloadAt: number
}

/** A replay packet id as tls-auth / tls-crypt send it: counts from 1, possibly flagged with
 * EARLY_NEG_START by a client announcing early negotiation. */
function plausibleReplayId(id: number): boolean {
  const flags = (id & EARLY_NEG_MASK) >>> 0
  const count = id & MAX_PLAUSIBLE_ID
  return count >= 1 && (flags === 0 || flags === EARLY_NEG_START)
}

/** The payload of a reset packet: empty, or early-negotiation TLVs (type u16, length u16, value)
 * filling it exactly (ssl.c parse_early_negotiation_tlvs). */
function validResetPayload(d: Uint8Array, at: number): boolean {
  const rest = d.length - at
  if (rest === 0) return true
  if (rest > MAX_RESET_PAYLOAD) return false
  while (at < d.length) {
    if (at + 4 > d.length) return false
    at += 4 + ((d[at + 2]! << 8) | d[at + 3]!)
  }
  return at === d.length
}

/**
 * Read a control packet (`d` is the packet without the TCP length prefix) laid out with
 * `hmacLength` bytes of tls-auth HMAC (0: none). Undefined unless every field is present and
 * plausible: the ack count at most MAX_ACKS, packet ids small, a reset's payload empty or TLVs,
 * an ack with no payload, a P_CONTROL_V1 with one. tls-crypt-v2 opcodes are never readable.
 */
export function parseControlPacket(d: Uint8Array, hmacLength: number): ControlHeader | undefined {
  if (d.length < 1 + SESSION_ID_BYTES) return undefined
  const opcode = opcodeOf(d[0]!)
  if (!isControlOpcode(opcode) || opcode === OP.HARD_RESET_CLIENT_V3 || opcode === OP.CONTROL_WKC_V1) return undefined
  let at = 1 + SESSION_ID_BYTES
  if (hmacLength > 0) {
    at += hmacLength
    if (at + 8 > d.length) return undefined
    if (!plausibleReplayId(u32(d, at)) || u32(d, at + 4) === 0) return undefined
    at += 8
  }
  if (at + 1 > d.length) return undefined
  const ackCount = d[at]!
  at++
  if (ackCount > MAX_ACKS) return undefined
  if (at + 4 * ackCount > d.length) return undefined
  for (let i = 0; i < ackCount; i++, at += 4) if (u32(d, at) > MAX_PLAUSIBLE_ID) return undefined
  let remoteSessionAt = -1
  if (ackCount > 0) {
    if (at + SESSION_ID_BYTES > d.length) return undefined
    remoteSessionAt = at
    at += SESSION_ID_BYTES
  }
  let messageId = -1
  if (opcode === OP.ACK_V1) {
    if (at !== d.length) return undefined
  } else {
    if (at + 4 > d.length) return undefined
    messageId = u32(d, at)
    if (messageId > MAX_PLAUSIBLE_ID) return undefined
    at += 4
    if (opcode === OP.CONTROL_V1 ? at >= d.length : !validResetPayload(d, at)) return undefined
  }
  return {opcode, keyId: d[0]! & 7, hmacLength, ackCount, remoteSessionAt, messageId, payloadAt: at}
}

/** How sure a guessed HMAC length is. */
export type HmacCertainty =
  /** The remote session id echoed with an ack equals the peer's session id. */
  | 'session-echo'
  /** The payload of a P_CONTROL_V1 starts with a TLS record at exactly this length. */
  | 'tls-record'
  /** The layout fits, and no other length does. */
  | 'layout'

export interface HmacGuess {
  hmacLength: number
  certainty: HmacCertainty
  header: ControlHeader
}

/** Wireshark's check_for_valid_hmac: the first 4 bytes of an HMAC hold at most one zero byte. */
function looksLikeHmacStart(d: Uint8Array, at: number): boolean {
  if (at + 4 > d.length) return false
  let zeros = 0
  for (let i = 0; i < 4; i++) if (d[at + i] === 0) zeros++
  return zeros <= 1
}

function startsTlsRecord(d: Uint8Array, at: number): boolean {
  return at + 3 <= d.length && d[at]! >= 20 && d[at]! <= 24 && d[at + 1] === 3 && d[at + 2]! <= 4
}

function sameBytes(d: Uint8Array, at: number, id: Uint8Array): boolean {
  if (at < 0 || at + id.length > d.length) return false
  for (let i = 0; i < id.length; i++) if (d[at + i] !== id[i]) return false
  return true
}

/**
 * The tls-auth HMAC length of a control packet, or undefined when no length fits or several do
 * and nothing tells them apart. Tried: none, then HMAC_LENGTHS. Wireshark decides "HMAC or not"
 * from the byte after the session id (an ack count: 0 is taken as "no HMAC") and the first 4
 * bytes (check_for_valid_hmac) and takes the length from a preference; here the length is the
 * one whose layout holds (parseControlPacket), preferring one where the echoed remote session id
 * is the peer's (`peerSession`), then one where a P_CONTROL_V1 payload starts with a TLS record.
 */
export function guessHmacLength(d: Uint8Array, peerSession?: Uint8Array): HmacGuess | undefined {
  const fits: ControlHeader[] = []
  const noHmac = parseControlPacket(d, 0)
  // Wireshark: a non-zero byte after the session id whose 4 bytes look random is an HMAC.
  if (noHmac && !(d[9]! > 0 && looksLikeHmacStart(d, 9))) fits.push(noHmac)
  for (const length of HMAC_LENGTHS) {
    const header = parseControlPacket(d, length)
    if (header) fits.push(header)
  }
  if (fits.length === 0) return undefined
  if (peerSession) {
    const echoed = fits.filter((h) => sameBytes(d, h.remoteSessionAt, peerSession))
    if (echoed.length === 1) return {hmacLength: echoed[0]!.hmacLength, certainty: 'session-echo', header: echoed[0]!}
  }
  const tls = fits.filter((h) => h.opcode === OP.CONTROL_V1 && startsTlsRecord(d, h.payloadAt))
  if (tls.length === 1) return {hmacLength: tls[0]!.hmacLength, certainty: 'tls-record', header: tls[0]!}
  if (fits.length === 1) return {hmacLength: fits[0]!.hmacLength, certainty: 'layout', header: fits[0]!}
  return undefined
}

/**
 * A control packet wrapped with tls-crypt (its payload encrypted; tls_crypt.h): opcode, session id,
 * then in clear a replay packet id and a net time — here within a year of `sec`, the packet's
 * capture time — then the 256-bit tag and the ciphertext. tls-crypt-v2 has its own opcodes, and
 * its client reset and WKC packets carry the client's wrapped key (at least 290 bytes: openvpn3's
 * is_openvpn_protocol). Call it only when no tls-auth layout reads the packet.
 */
export function looksLikeTlsCrypt(d: Uint8Array, sec: number): boolean {
  if (d.length < 1 + SESSION_ID_BYTES + 8 + TLS_CRYPT_TAG + 1) return false
  const opcode = opcodeOf(d[0]!)
  if (!isControlOpcode(opcode) || Math.abs(u32(d, 13) - sec) > 366 * 86400) return false
  const id = u32(d, 9)
  if (opcode === OP.HARD_RESET_CLIENT_V3 || opcode === OP.CONTROL_WKC_V1) {
    // The id's high byte may carry early-negotiation flags (ssl_pkt.h EARLY_NEG_MASK).
    return d.length >= 1 + SESSION_ID_BYTES + 8 + TLS_CRYPT_TAG + MIN_WKC && (id & 0xffff) !== 0
  }
  return plausibleReplayId(id)
}

/** Session id as lowercase hex. */
export function sessionHex(d: Uint8Array, at: number): string {
  let out = ''
  for (let i = at; i < at + SESSION_ID_BYTES && i < d.length; i++) out += d[i]!.toString(16).padStart(2, '0')
  return out
}
