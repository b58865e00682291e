/**
 * SOCKS handshakes on raw bytes: SOCKS4 and 4a (the "SOCKS: A protocol for TCP proxy across
 * firewalls" memo and its 4A extension) and SOCKS5 (RFC 1928, with the username/password
 * sub-negotiation of RFC 1929). The handshake travels in clear before the proxied bytes: it names
 * the destination (often as a host name the client did not resolve itself) and, with RFC 1929,
 * the user. Each function reads one direction's stream from its first byte and says how long
 * its handshake part is, so that what follows (HTTP, TLS) can be read from the right offset.
 * Every length is checked before it is read; nothing here throws.
 */
import {formatIpv6} from '../../util/ip-text.js'

/** Longest SOCKS4 user id / 4a host name read (the memo sets no limit; real ones are short). */
const MAX_NUL_TEXT = 255

export type SocksVersion = 4 | 5

/** SOCKS commands: CONNECT, BIND, and SOCKS5's UDP ASSOCIATE. */
export const SOCKS_COMMANDS: Record<number, string> = {1: 'connect', 2: 'bind', 3: 'udp-associate'}

export interface SocksRequest {
  version: SocksVersion
  command: string
  /** Host name (SOCKS4a, SOCKS5 ATYP 3) or address text; untrusted text from the capture. */
  host: string
  /** The client named the destination (the proxy resolved it), rather than an address. */
  hostIsName: boolean
  port: number
  /** SOCKS4 user id, or the RFC 1929 user name; null when none was sent. The RFC 1929 password
   * is never read. */
  user: string | null
  /** Bytes of the client's handshake (greeting, sub-negotiation, request). */
  length: number
}

export interface SocksReply {
  version: SocksVersion
  /** SOCKS4: 90 granted, 91-93 refused; SOCKS5: 0 succeeded, 1-8 failures (RFC 1928 §6). */
  code: number
  granted: boolean
  /** Bytes of the server's handshake (method choice, sub-negotiation status, reply). */
  length: number
}

/** Not enough bytes yet to tell. */
export const INCOMPLETE = 'incomplete'
/** The bytes are not a SOCKS handshake. */
export const INVALID = 'invalid'

/**
 * Whether a flow's first client bytes start a SOCKS handshake, judged strictly enough that
 * other protocols are not taken for it: SOCKS4 CONNECT/BIND with a NUL-terminated user id, or a
 * SOCKS5 greeting whose method list has exactly the announced length (optionally followed at
 * once by the request, as some clients send it).
 */
export function isSocksGreeting(data: Uint8Array): boolean {
  if (data.length < 3) return false
  if (data[0] === 4) return typeof socks4Request(data) === 'object'
  if (data[0] !== 5) return false
  const methods = data[1]!
  if (methods === 0 || data.length < 2 + methods) return false
  for (let i = 2; i < 2 + methods; i++) if (!isKnownMethod(data[i]!)) return false
  return data.length === 2 + methods || data[2 + methods] === 5 || data[2 + methods] === 1
}

/** RFC 1928 §3 method numbers that real clients offer: none, GSSAPI, user/password. */
function isKnownMethod(m: number): boolean {
  return m <= 3 || (m >= 0x80 && m <= 0xfe)
}

/** The client side of a handshake: its request and length, or INCOMPLETE / INVALID. */
export function socksClientHandshake(data: Uint8Array): SocksRequest | typeof INCOMPLETE | typeof INVALID {
  if (data.length < 1) return INCOMPLETE
  if (data[0] === 4) return socks4Request(data)
  if (data[0] === 5) return socks5Request(data)
  return INVALID
}

/** The server side of a handshake of `version`: its reply and length, or INCOMPLETE / INVALID. */
export function socksServerHandshake(data: Uint8Array, version: SocksVersion): SocksReply | typeof INCOMPLETE | typeof INVALID {
  if (version === 4) {
    // VN 0, CD, DSTPORT, DSTIP: 8 bytes.
    if (data.length < 8) return INCOMPLETE
    if (data[0] !== 0) return INVALID
    const code = data[1]!
    return {version, code, granted: code === 90, length: 8}
  }
  // Method selection (RFC 1928 §3): VER 5, METHOD.
  if (data.length < 2) return INCOMPLETE
  if (data[0] !== 5) return INVALID
  const method = data[1]!
  if (method === 0xff) return {version, code: 0xff, granted: false, length: 2}
  let at = 2
  if (method === 2) {
    // RFC 1929 §2 status: VER 1, STATUS (0 = success).
    if (data.length < at + 2) return INCOMPLETE
    if (data[at] !== 1) return INVALID
    if (data[at + 1] !== 0) return {version, code: 0xff, granted: false, length: at + 2}
    at += 2
  }
  // Reply (RFC 1928 §6): VER, REP, RSV, ATYP, BND.ADDR, BND.PORT.
  const end = addressEnd(data, at)
  if (typeof end !== 'number') return end
  if (data[at] !== 5) return INVALID
  const code = data[at + 1]!
  return {version, code, granted: code === 0, length: end}
}

function socks4Request(data: Uint8Array): SocksRequest | typeof INCOMPLETE | typeof INVALID {
  // VN 4, CD, DSTPORT (2), DSTIP (4), USERID, NUL [, host NUL for 4a].
  if (data.length < 9) return INCOMPLETE
  const command = data[1]!
  if (command !== 1 && command !== 2) return INVALID
  const port = (data[2]! << 8) | data[3]!
  const userEnd = nulAt(data, 8)
  if (typeof userEnd !== 'number') return userEnd
  const user = userEnd > 8 ? latin1(data, 8, userEnd) : null
  // 4a: DSTIP 0.0.0.x with x != 0 means "a host name follows".
  const a4 = data[4] === 0 && data[5] === 0 && data[6] === 0 && data[7] !== 0
  if (a4) {
    const hostEnd = nulAt(data, userEnd + 1)
    if (typeof hostEnd !== 'number') return hostEnd
    if (hostEnd === userEnd + 1) return INVALID
    return {version: 4, command: SOCKS_COMMANDS[command]!, host: latin1(data, userEnd + 1, hostEnd), hostIsName: true, port, user, length: hostEnd + 1}
  }
  return {version: 4, command: SOCKS_COMMANDS[command]!, host: `${data[4]}.${data[5]}.${data[6]}.${data[7]}`, hostIsName: false, port, user, length: userEnd + 1}
}

function socks5Request(data: Uint8Array): SocksRequest | typeof INCOMPLETE | typeof INVALID {
  // Greeting (RFC 1928 §3): VER 5, NMETHODS, METHODS.
  if (data.length < 2) return INCOMPLETE
  const methods = data[1]!
  if (methods === 0) return INVALID
  let at = 2 + methods
  if (data.length < at + 1) return INCOMPLETE
  let user: string | null = null
  if (data[at] === 1) {
    // RFC 1929 §2: VER 1, ULEN, UNAME, PLEN, PASSWD (the password is skipped, never read).
    if (data.length < at + 2) return INCOMPLETE
    const ulen = data[at + 1]!
    if (data.length < at + 3 + ulen) return INCOMPLETE
    user = ulen > 0 ? latin1(data, at + 2, at + 2 + ulen) : null
    const plen = data[at + 2 + ulen]!
    at += 3 + ulen + plen
  }
  // Request (RFC 1928 §4): VER 5, CMD, RSV 0, ATYP, DST.ADDR, DST.PORT.
  const end = addressEnd(data, at)
  if (typeof end !== 'number') return end
  if (data[at] !== 5 || data[at + 2] !== 0) return INVALID
  const command = SOCKS_COMMANDS[data[at + 1]!]
  if (command === undefined) return INVALID
  const atyp = data[at + 3]!
  const addr = at + 4
  const port = (data[end - 2]! << 8) | data[end - 1]!
  const host =
    atyp === 1 ? `${data[addr]}.${data[addr + 1]}.${data[addr + 2]}.${data[addr + 3]}` : atyp === 3 ? latin1(data, addr + 1, addr + 1 + data[addr]!) : formatIpv6(data, addr)
  return {version: 5, command, host, hostIsName: atyp === 3, port, user, length: end}
}

/** End of a VER/CODE/RSV/ATYP/ADDR/PORT message starting at `at` (RFC 1928 §4-6). */
function addressEnd(data: Uint8Array, at: number): number | typeof INCOMPLETE | typeof INVALID {
  if (data.length < at + 5) return INCOMPLETE
  const atyp = data[at + 3]!
  const addressLength = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + data[at + 4]! : -1
  if (addressLength < 0 || (atyp === 3 && data[at + 4] === 0)) return INVALID
  const end = at + 4 + addressLength + 2
  return data.length < end ? INCOMPLETE : end
}

/** Offset of the NUL ending a text that starts at `from`. */
function nulAt(data: Uint8Array, from: number): number | typeof INCOMPLETE | typeof INVALID {
  for (let i = from; i < data.length; i++) {
    if (data[i] === 0) return i
    if (i - from >= MAX_NUL_TEXT) return INVALID
  }
  return data.length - from > MAX_NUL_TEXT ? INVALID : INCOMPLETE
}

function latin1(data: Uint8Array, start: number, end: number): string {
  let text = ''
  for (let i = start; i < end; i++) text += String.fromCharCode(data[i]!)
  return text
}
