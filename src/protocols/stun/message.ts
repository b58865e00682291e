/**
 * STUN message and TURN ChannelData parsing on raw bytes. Nothing here throws: every length is
 * checked before it is read and a malformed message yields undefined.
 *
 *  - RFC 8489 §5 (and RFC 5389): 2-bit zero prefix, 14-bit type, 16-bit length (attributes
 *    only, a multiple of 4), magic cookie 0x2112A442, 96-bit transaction id; attributes are
 *    type-length-value padded to 4 bytes (§14).
 *  - RFC 3489 §11.1 ("classic" STUN): the same header without the cookie, a 128-bit
 *    transaction id. Told apart from noise by requiring a known method and an attribute list
 *    that fills the declared length exactly.
 *  - RFC 8656 §12.4 ChannelData: channel number 0x4000-0x7FFF, 16-bit length, data.
 */
import {decodeWireText} from '../../util/wire-text.js'
import {ATTRIBUTES, type AddressRole, type AttributeInfo, messageTypeName, msTurnAttribute, type Vendor, ZOOM_ATTRIBUTES} from './attributes.js'
import {type AddressScope, addressScope} from './address-scope.js'
import {formatIpv4, formatIpv6} from '../../util/ip-text.js'

export const MAGIC_COOKIE = 0x2112a442
export const STUN_HEADER_LENGTH = 20
/** Longest text kept from USERNAME, SOFTWARE, REALM, reason phrases. */
export const MAX_TEXT = 255
/** Most attributes decoded per message (a message could declare thousands of tiny ones). */
const MAX_ATTRIBUTES = 64

export type StunDialect = 'rfc5389' | 'rfc3489' | 'ms-turn' | 'zoom'

export interface StunAddress {
  family: 'IPv4' | 'IPv6'
  ip: string
  port: number
  /** Set when the address is a local one (RFC 1918, ULA, link-local...). */
  scope?: AddressScope
}

export interface StunAttribute {
  type: number
  name: string
  vendor?: Vendor
  role?: AddressRole
  address?: StunAddress
  text?: string
  number?: number
  errorCode?: number
  /** Where the value starts in the parsed buffer, and its length (for DATA). */
  valueOffset: number
  valueLength: number
}

export interface StunMessage {
  dialect: StunDialect
  /** RFC 3489 style: no magic cookie, 128-bit transaction id. */
  classic: boolean
  type: number
  method: number
  /** 0 request, 1 indication, 2 success response, 3 error response (RFC 8489 §5). */
  cls: number
  name: string
  /** Whole message length in bytes (header included). */
  length: number
  transactionId: string
  attributes: StunAttribute[]
}

/** Capture bytes as text: UTF-8, invalid bytes as `\xHH`, capped to `max` characters with a
 * mark (see util/wire-text.ts). */
export function captureText(b: Uint8Array, start: number, end: number, max = MAX_TEXT): string {
  return decodeWireText(b.subarray(start, end), max)
}

/**
 * Where a text attribute's characters end: before NUL bytes that close it. RFC 8489 text
 * (SOFTWARE, REALM, USERNAME, a reason phrase) holds no NUL, and its padding lies outside the
 * attribute's length; some servers count NUL padding in (coturn 4.6: "Unsupported address
 * family" and two NULs), which Wireshark does not show either.
 */
function textEnd(b: Uint8Array, start: number, end: number): number {
  let e = end
  while (e > start && b[e - 1] === 0) e--
  return e
}

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

/** RFC 8489 §5: the class bits C1 C0 sit at positions 8 and 4 of the type. */
export function stunClass(type: number): number {
  return ((type >> 4) & 1) | ((type >> 7) & 2)
}

/** RFC 8489 §5: the 12 method bits around the class bits. */
export function stunMethod(type: number): number {
  return (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2)
}

function hex(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('hex')
}

/** True when bytes 4..8 hold the RFC 5389 magic cookie. */
export function hasMagicCookie(b: Uint8Array, offset: number): boolean {
  return offset + 8 <= b.length && u32(b, offset + 4) === MAGIC_COOKIE
}

/**
 * Cheap test of the fixed header: zero prefix bits and a length that fits in `end`. (RFC 8489
 * wants the length to be a multiple of 4, but WhatsApp's and Microsoft's servers send messages
 * whose last attribute is unpadded, so that is not required.) Returns the whole message length,
 * or -1.
 */
export function stunFrameLength(b: Uint8Array, offset: number, end: number): number {
  if (offset + STUN_HEADER_LENGTH > end || (b[offset]! & 0xc0) !== 0) return -1
  const length = u16(b, offset + 2)
  if (offset + STUN_HEADER_LENGTH + length > end) return -1
  return STUN_HEADER_LENGTH + length
}

/** RFC 3489/old-TURN types a classic message may have: methods 1..9 in any class. */
function classicTypeAllowed(type: number): boolean {
  if (type > 0x0fff) return false
  const method = stunMethod(type)
  return method >= 1 && method <= 9
}

export interface ParseOptions {
  /** Accept an RFC 3489 message with no attribute at all (too weak alone: only when the flow
   * already carries STUN). */
  allowEmptyClassic?: boolean
}

/**
 * Parse one STUN message starting at `offset` that must end exactly at `end` (a UDP datagram,
 * or a frame cut from a TCP stream with `stunFrameLength`). Undefined when it is not one.
 */
export function parseStunMessage(b: Uint8Array, offset: number, end: number, options: ParseOptions = {}): StunMessage | undefined {
  if (end > b.length || offset < 0) return undefined
  const total = stunFrameLength(b, offset, end)
  if (total < 0) return undefined
  const type = u16(b, offset)
  const cookie = hasMagicCookie(b, offset)
  if (!cookie && !classicTypeAllowed(type)) return undefined
  const attrsStart = offset + STUN_HEADER_LENGTH
  // Attribute boundaries first (RFC 8489 §14: padded to 4 bytes). RFC 3489 implementations and
  // Microsoft's TURN servers (teams.pcap: an unpadded SOFTWARE in the middle of the message) do
  // not pad, so a message that does not tile padded is retried unpadded.
  if (offset + total !== end) return undefined
  const bounds = attributeBounds(b, attrsStart, end, true) ?? attributeBounds(b, attrsStart, end, false)
  if (!bounds) return undefined
  if (!cookie && bounds.length === 0 && !options.allowEmptyClassic) return undefined
  const method = stunMethod(type)
  const cls = stunClass(type)
  const classic = !cookie
  let dialect: StunDialect = classic ? 'rfc3489' : 'rfc5389'
  if (bounds.some(([t]) => t === 0x000f)) dialect = 'ms-turn'
  else if (classic && bounds.length > 0 && bounds.every(([t]) => ZOOM_ATTRIBUTES.has(t))) dialect = 'zoom'
  const txStart = offset + (classic ? 4 : 8)
  const transactionId = hex(b, txStart, offset + STUN_HEADER_LENGTH)
  const attributes: StunAttribute[] = []
  for (const [attrType, valueOffset, valueLength] of bounds) {
    const info = dialect === 'ms-turn' ? msTurnAttribute(attrType, method) : dialect === 'zoom' ? ZOOM_ATTRIBUTES.get(attrType) : ATTRIBUTES.get(attrType)
    attributes.push(decodeAttribute(b, offset, attrType, info, valueOffset, valueLength))
  }
  const name = messageName(type, method, cls, classic, dialect === 'zoom')
  return {dialect, classic, type, method, cls, name, length: end - offset, transactionId, attributes}
}

/**
 * Message type names, one string per (type, classic, zoom): every message of a flow names its
 * type, and the facts keep the names of the sampled ones.
 */
const MESSAGE_NAMES = new Map<number, string>()

function messageName(type: number, method: number, cls: number, classic: boolean, zoom: boolean): string {
  const key = type * 4 + (classic ? 1 : 0) + (zoom ? 2 : 0)
  let name = MESSAGE_NAMES.get(key)
  if (name === undefined) {
    name = zoom ? `Zoom STUN-like 0x${type.toString(16).padStart(4, '0')}` : messageTypeName(type, method, cls, classic)
    MESSAGE_NAMES.set(key, name)
  }
  return name
}

/** Names of attribute types not in the registry, one string per type. */
const UNKNOWN_NAMES: string[] = []

function unknownAttributeName(type: number): string {
  return (UNKNOWN_NAMES[type] ??= `UNKNOWN-0x${type.toString(16).padStart(4, '0')}`)
}

/** [type, valueOffset, valueLength] per attribute, or undefined when they do not tile exactly. */
function attributeBounds(b: Uint8Array, start: number, end: number, padded: boolean): Array<[number, number, number]> | undefined {
  const out: Array<[number, number, number]> = []
  let pos = start
  while (pos < end) {
    if (pos + 4 > end || out.length >= MAX_ATTRIBUTES) return undefined
    const type = u16(b, pos)
    const length = u16(b, pos + 2)
    const valueEnd = pos + 4 + length
    if (valueEnd > end) return undefined
    out.push([type, pos + 4, length])
    // RFC 8489 §14: values are padded to 4 bytes. Some clients (WhatsApp, [MS-TURN] servers)
    // leave the last attribute unpadded, so a message may end right after the last value.
    pos = padded && valueEnd !== end ? pos + 4 + ((length + 3) & ~3) : valueEnd
  }
  return pos === end ? out : undefined
}

function decodeAttribute(b: Uint8Array, messageOffset: number, type: number, info: AttributeInfo | undefined, at: number, length: number): StunAttribute {
  const attr: StunAttribute = {type, name: info?.name ?? unknownAttributeName(type), valueOffset: at, valueLength: length}
  if (!info) return attr
  if (info.vendor) attr.vendor = info.vendor
  if (info.role) attr.role = info.role
  switch (info.format) {
    case 'address':
    case 'xor-address': {
      const address = decodeAddress(b, messageOffset, at, length, info.format === 'xor-address')
      if (address) attr.address = address
      break
    }
    case 'text':
      attr.text = captureText(b, at, textEnd(b, at, at + length))
      break
    case 'error-code':
      // RFC 8489 §14.8: 21 reserved bits, 3-bit class (hundreds), 8-bit number, reason.
      if (length >= 4) {
        attr.errorCode = (b[at + 2]! & 0x07) * 100 + b[at + 3]!
        if (length > 4) attr.text = captureText(b, at + 4, textEnd(b, at + 4, at + length))
      }
      break
    case 'u32':
      if (length >= 4) attr.number = u32(b, at)
      break
    case 'transport':
    case 'channel':
      if (length >= 4) attr.number = info.format === 'transport' ? b[at]! : u16(b, at)
      break
    default:
      break
  }
  return attr
}

/**
 * RFC 8489 §14.1/§14.2: reserved byte, family (1 IPv4, 2 IPv6), port, address. XOR form: the
 * port XOR the cookie's top 16 bits, IPv4 XOR the cookie, IPv6 XOR cookie || transaction id.
 */
function decodeAddress(b: Uint8Array, messageOffset: number, at: number, length: number, xor: boolean): StunAddress | undefined {
  if (length < 4) return undefined
  const family = b[at + 1]
  const size = family === 1 ? 4 : family === 2 ? 16 : 0
  if (size === 0 || length !== 4 + size) return undefined
  let port = u16(b, at + 2)
  const bytes = b.slice(at + 4, at + 4 + size)
  if (xor) {
    port ^= MAGIC_COOKIE >>> 16
    const key = [0x21, 0x12, 0xa4, 0x42]
    for (let i = 0; i < size; i++) bytes[i] ^= i < 4 ? key[i]! : b[messageOffset + 4 + i]!
  }
  const ip = size === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0)
  const scope = addressScope(bytes, 0, size)
  return {family: size === 4 ? 'IPv4' : 'IPv6', ip, port, ...(scope ? {scope} : {})}
}

/** [MS-TURN] multiplexed TURN (channel 0xFF10): an 8-byte session id, then the payload. */
export const MS_MULTIPLEXED_CHANNEL = 0xff10

export interface ChannelDataHeader {
  channel: number
  /** Application data length (without the 4-byte header or padding). */
  length: number
}

/** A TURN channel number (RFC 5766 §11: 0x4000-0x7FFF) or [MS-TURN]'s multiplexed channel. */
export function isChannelNumber(n: number): boolean {
  return (n >= 0x4000 && n <= 0x7fff) || n === MS_MULTIPLEXED_CHANNEL
}

/**
 * RFC 8656 §12.4 ChannelData header at `offset`, if the channel number is in 0x4000-0x7FFF
 * (RFC 5766 range; RFC 8656 narrowed it to 0x4FFF) or [MS-TURN]'s 0xFF10, and the data fits.
 * With `exact`, the data must end at `end` give or take the up to 3 padding bytes of §12.5.
 */
export function channelDataHeader(b: Uint8Array, offset: number, end: number, exact: boolean, out: ChannelDataHeader): boolean {
  if (offset + 4 > end) return false
  const channel = u16(b, offset)
  if (!isChannelNumber(channel)) return false
  const length = u16(b, offset + 2)
  const dataEnd = offset + 4 + length
  if (dataEnd > end) return false
  if (exact && end - dataEnd > 3) return false
  out.channel = channel
  out.length = length
  return true
}

/** Bounds of a value inside a buffer (reused by callers to avoid allocating). */
export interface ValueBounds {
  start: number
  end: number
}

/**
 * Where the packet a ChannelData message relays lies, for the message at `at` whose header
 * channelDataHeader read into `h`: after the 4-byte header, and after [MS-TURN]'s 8-byte session
 * id on its multiplexed channel 0xFF10; `end` is where the header's length says it ends.
 */
export function channelDataPayload(at: number, h: ChannelDataHeader, out: ValueBounds): ValueBounds {
  out.start = at + 4 + (h.channel === MS_MULTIPLEXED_CHANNEL ? 8 : 0)
  out.end = at + 4 + h.length
  return out
}

/**
 * The DATA attribute (0x0013) of the STUN message filling b[offset, end): what a TURN Send or
 * Data indication (RFC 8656 §11) or an [MS-TURN] Send request / Data indication relays. A light
 * walk (header shape and attribute tiling only), for analyzers that want the relayed packet.
 */
export function findDataAttribute(b: Uint8Array, offset: number, end: number, out: ValueBounds): boolean {
  if (end > b.length || stunFrameLength(b, offset, end) !== end - offset) return false
  const cookie = hasMagicCookie(b, offset)
  if (!cookie && !classicTypeAllowed(u16(b, offset))) return false
  let pos = offset + STUN_HEADER_LENGTH
  for (let n = 0; pos + 4 <= end && n < MAX_ATTRIBUTES; n++) {
    const type = u16(b, pos)
    const length = u16(b, pos + 2)
    if (pos + 4 + length > end) return false
    if (type === 0x0013) {
      out.start = pos + 4
      out.end = pos + 4 + length
      return true
    }
    pos += 4 + ((length + 3) & ~3)
  }
  return false
}
