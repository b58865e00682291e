/**
 * STUN/TURN attribute registry: names and how to decode each value. Numbers from the IANA
 * "STUN Attributes" registry (RFC 8489 §18.3, RFC 8656 §18, RFC 5780 §7, RFC 8445 §16.1),
 * the deprecated RFC 3489 §11.2 attributes, Microsoft's [MS-TURN] §2.2.2, [MS-TURNBWM] §2.2 and
 * [MS-ICE2] §2.2, and the comprehension-optional attributes Google's and Cisco's clients send.
 */

/** How an attribute value is laid out on the wire. */
export type AttributeFormat =
  /** RFC 8489 §14.1 MAPPED-ADDRESS layout: reserved, family, port, address. */
  | 'address'
  /** RFC 8489 §14.2 XOR-MAPPED-ADDRESS layout: the same, port and address XOR-ed. */
  | 'xor-address'
  /** UTF-8 text (USERNAME, SOFTWARE, REALM...). */
  | 'text'
  /** RFC 8489 §14.8: class and number, then a reason phrase. */
  | 'error-code'
  /** 32-bit unsigned number (LIFETIME, MS-VERSION...). */
  | 'u32'
  /** RFC 8656 §14.7: protocol number in the first byte. */
  | 'transport'
  /** RFC 8656 §14.1: 16-bit channel number then RFFU. */
  | 'channel'
  /** Present/absent only: value not kept (NONCE, MESSAGE-INTEGRITY, PASSWORD...). */
  | 'opaque'
  /** RFC 8656 §14.4 DATA: the relayed bytes (may hold a STUN message of the peer). */
  | 'data'

/** Which of the summary lists an address attribute goes to. */
export type AddressRole = 'mapped' | 'relayed' | 'peer' | 'server'

export type Vendor = 'Microsoft' | 'Google' | 'Cisco'

export interface AttributeInfo {
  name: string
  format: AttributeFormat
  role?: AddressRole
  vendor?: Vendor
}

const A = (name: string, format: AttributeFormat, role?: AddressRole, vendor?: Vendor): AttributeInfo => ({name, format, ...(role ? {role} : {}), ...(vendor ? {vendor} : {})})

export const ATTRIBUTES: ReadonlyMap<number, AttributeInfo> = new Map<number, AttributeInfo>([
  // RFC 8489 / RFC 3489 comprehension-required range
  [0x0001, A('MAPPED-ADDRESS', 'address', 'mapped')],
  [0x0002, A('RESPONSE-ADDRESS', 'address', 'server')], // RFC 3489 §11.2.2
  [0x0003, A('CHANGE-REQUEST', 'opaque')], // RFC 3489 §11.2.4
  [0x0004, A('SOURCE-ADDRESS', 'address', 'server')], // RFC 3489 §11.2.5
  [0x0005, A('CHANGED-ADDRESS', 'address', 'server')], // RFC 3489 §11.2.3
  [0x0006, A('USERNAME', 'text')],
  [0x0007, A('PASSWORD', 'opaque')], // RFC 3489 §11.2.7: never kept
  [0x0008, A('MESSAGE-INTEGRITY', 'opaque')],
  [0x0009, A('ERROR-CODE', 'error-code')],
  [0x000a, A('UNKNOWN-ATTRIBUTES', 'opaque')],
  [0x000b, A('REFLECTED-FROM', 'address', 'server')], // RFC 3489 §11.2.11
  [0x000c, A('CHANNEL-NUMBER', 'channel')],
  [0x000d, A('LIFETIME', 'u32')],
  [0x000e, A('MS-ALTERNATE-SERVER', 'address', 'server', 'Microsoft')], // [MS-TURN] §2.2.2.12
  [0x000f, A('MAGIC-COOKIE', 'opaque', undefined, 'Microsoft')], // [MS-TURN] §2.2.2.6
  [0x0010, A('BANDWIDTH', 'u32', undefined, 'Microsoft')], // [MS-TURN] §2.2.2.7 (kbps)
  [0x0011, A('DESTINATION-ADDRESS', 'address', 'peer', 'Microsoft')], // [MS-TURN] §2.2.2.8
  [0x0012, A('XOR-PEER-ADDRESS', 'xor-address', 'peer')], // RFC 8656 §14.3; [MS-TURN] REMOTE-ADDRESS
  [0x0013, A('DATA', 'data')],
  [0x0014, A('REALM', 'text')], // [MS-TURN] swaps REALM and NONCE, see msTurnAttributeName
  [0x0015, A('NONCE', 'opaque')],
  [0x0016, A('XOR-RELAYED-ADDRESS', 'xor-address', 'relayed')],
  [0x0017, A('REQUESTED-ADDRESS-FAMILY', 'opaque')],
  [0x0018, A('EVEN-PORT', 'opaque')],
  [0x0019, A('REQUESTED-TRANSPORT', 'transport')],
  [0x001a, A('DONT-FRAGMENT', 'opaque')],
  [0x001b, A('ACCESS-TOKEN', 'opaque')],
  [0x001c, A('MESSAGE-INTEGRITY-SHA256', 'opaque')],
  [0x001d, A('PASSWORD-ALGORITHM', 'opaque')],
  [0x001e, A('USERHASH', 'opaque')],
  [0x0020, A('XOR-MAPPED-ADDRESS', 'xor-address', 'mapped')],
  [0x0022, A('RESERVATION-TOKEN', 'opaque')],
  [0x0024, A('PRIORITY', 'u32')],
  [0x0025, A('USE-CANDIDATE', 'opaque')],
  [0x0026, A('PADDING', 'opaque')],
  [0x0027, A('XOR-RESPONSE-TARGET', 'xor-address', 'server')],
  [0x0028, A('XOR-REFLECTED-FROM', 'xor-address', 'server')],
  [0x002a, A('CONNECTION-ID', 'u32')],
  // comprehension-optional range
  [0x8000, A('ADDITIONAL-ADDRESS-FAMILY', 'opaque')],
  [0x8001, A('ADDRESS-ERROR-CODE', 'opaque')],
  [0x8002, A('PASSWORD-ALGORITHMS', 'opaque')],
  [0x8003, A('ALTERNATE-DOMAIN', 'text')],
  [0x8004, A('ICMP', 'opaque')],
  [0x8006, A('MS-TURN-UNKNOWN-8006', 'opaque', undefined, 'Microsoft')],
  [0x8008, A('MS-VERSION', 'u32', undefined, 'Microsoft')], // [MS-TURN] §2.2.2.14
  [0x8020, A('XOR-MAPPED-ADDRESS', 'xor-address', 'mapped', 'Microsoft')], // [MS-TURN] §2.2.2.15 (pre-RFC number)
  [0x8022, A('SOFTWARE', 'text')],
  [0x8023, A('ALTERNATE-SERVER', 'address', 'server')],
  [0x8025, A('TRANSACTION-TRANSMIT-COUNTER', 'opaque')],
  [0x8027, A('CACHE-TIMEOUT', 'u32')],
  [0x8028, A('FINGERPRINT', 'opaque')],
  [0x8029, A('ICE-CONTROLLED', 'opaque')],
  [0x802a, A('ICE-CONTROLLING', 'opaque')],
  [0x802b, A('RESPONSE-ORIGIN', 'address', 'server')],
  [0x802c, A('OTHER-ADDRESS', 'address', 'server')],
  [0x802d, A('ECN-CHECK-STUN', 'opaque')],
  [0x802e, A('THIRD-PARTY-AUTHORIZATION', 'opaque')],
  [0x8030, A('MOBILITY-TICKET', 'opaque')],
  [0x8032, A('MS-ALTERNATE-HOST-NAME', 'text', undefined, 'Microsoft')],
  [0x8036, A('MS-UNKNOWN-8036', 'opaque', undefined, 'Microsoft')],
  [0x8037, A('MS-APP-ID', 'opaque', undefined, 'Microsoft')],
  [0x8039, A('MS-SECURE-TAG', 'opaque', undefined, 'Microsoft')],
  [0x8050, A('MS-SEQUENCE-NUMBER', 'opaque', undefined, 'Microsoft')], // [MS-TURN] §2.2.2.16
  [0x8054, A('MS-CANDIDATE-IDENTIFIER', 'opaque', undefined, 'Microsoft')], // [MS-ICE2] §2.2.2.3
  [0x8055, A('MS-SERVICE-QUALITY', 'u32', undefined, 'Microsoft')], // [MS-TURN] §2.2.2.17: stream type, quality
  [0x8056, A('BANDWIDTH-ADMISSION-CONTROL-MESSAGE', 'opaque', undefined, 'Microsoft')], // [MS-TURNBWM] §2.2.1
  [0x8057, A('BANDWIDTH-RESERVATION-IDENTIFIER', 'opaque', undefined, 'Microsoft')],
  [0x8058, A('BANDWIDTH-RESERVATION-AMOUNT', 'opaque', undefined, 'Microsoft')],
  [0x8059, A('REMOTE-SITE-ADDRESS', 'opaque', undefined, 'Microsoft')],
  [0x805a, A('REMOTE-RELAY-SITE-ADDRESS', 'opaque', undefined, 'Microsoft')],
  [0x805b, A('LOCAL-SITE-ADDRESS', 'opaque', undefined, 'Microsoft')],
  [0x805c, A('LOCAL-RELAY-SITE-ADDRESS', 'opaque', undefined, 'Microsoft')],
  [0x805d, A('REMOTE-SITE-ADDRESS-RESPONSE', 'opaque', undefined, 'Microsoft')],
  [0x805e, A('REMOTE-RELAY-SITE-ADDRESS-RESPONSE', 'opaque', undefined, 'Microsoft')],
  [0x805f, A('LOCAL-SITE-ADDRESS-RESPONSE', 'opaque', undefined, 'Microsoft')],
  [0x8060, A('LOCAL-RELAY-SITE-ADDRESS-RESPONSE', 'opaque', undefined, 'Microsoft')],
  [0x8061, A('SIP-DIALOG-IDENTIFIER', 'opaque', undefined, 'Microsoft')],
  [0x8062, A('SIP-CALL-IDENTIFIER', 'opaque', undefined, 'Microsoft')],
  [0x8068, A('LOCATION-PROFILE', 'opaque', undefined, 'Microsoft')],
  [0x8070, A('MS-IMPLEMENTATION-VERSION', 'u32', undefined, 'Microsoft')], // [MS-ICE2] §2.2.2.2
  [0x8090, A('MS-ALT-MAPPED-ADDRESS', 'address', 'mapped', 'Microsoft')], // [MS-TURN] §2.2.2.23
  [0x8095, A('MS-MULTIPLEXED-TURN-SESSION-ID', 'opaque', undefined, 'Microsoft')],
  [0xc000, A('CISCO-STUN-FLOWDATA', 'opaque', undefined, 'Cisco')],
  [0xc001, A('ENF-FLOW-DESCRIPTION', 'opaque', undefined, 'Cisco')],
  [0xc002, A('ENF-NETWORK-STATUS', 'opaque', undefined, 'Cisco')],
  [0xc057, A('GOOG-NETWORK-INFO', 'opaque', undefined, 'Google')],
  [0xc058, A('GOOG-LAST-ICE-CHECK-RECEIVED', 'opaque', undefined, 'Google')],
  [0xc059, A('GOOG-MISC-INFO', 'opaque', undefined, 'Google')],
  [0xc05a, A('GOOG-OBSOLETE-1', 'opaque', undefined, 'Google')],
  [0xc05b, A('GOOG-CONNECTION-ID', 'opaque', undefined, 'Google')],
  [0xc05c, A('GOOG-DELTA', 'opaque', undefined, 'Google')],
  [0xc05d, A('GOOG-DELTA-ACK', 'opaque', undefined, 'Google')],
  [0xc060, A('GOOG-MESSAGE-INTEGRITY-32', 'opaque', undefined, 'Google')],
  [0xff04, A('GOOG-MULTI-MAPPING', 'opaque', undefined, 'Google')],
  [0xff05, A('GOOG-LOGGING-ID', 'opaque', undefined, 'Google')],
])

/**
 * [MS-TURN] messages carry the MAGIC-COOKIE attribute (0x000F) and follow the older TURN draft,
 * where some numbers mean something else: 0x0014 is NONCE and 0x0015 REALM ([MS-TURN]
 * §2.2.2.9/10), 0x0012 is a plain REMOTE-ADDRESS (§2.2.2.11), and an Allocate response's
 * MAPPED-ADDRESS is the relayed address the server allocated (§2.2.2.1).
 */
export function msTurnAttribute(type: number, method: number): AttributeInfo | undefined {
  switch (type) {
    case 0x0001:
      return method === METHOD_ALLOCATE ? A('MAPPED-ADDRESS', 'address', 'relayed') : ATTRIBUTES.get(type)
    case 0x0012:
      return A('REMOTE-ADDRESS', 'address', 'peer', 'Microsoft')
    case 0x0014:
      return A('NONCE', 'opaque', undefined, 'Microsoft')
    case 0x0015:
      return A('REALM', 'text', undefined, 'Microsoft')
    default:
      return ATTRIBUTES.get(type)
  }
}

/**
 * Zoom's STUN-like exchange on UDP 3478/3479 (zoom.pcap): RFC 3489-shaped messages without
 * the magic cookie whose only attributes are 0x0101 (request) and 0x0103 (response). 0x0103 has
 * the MAPPED-ADDRESS layout and carries a public address for a client on a private one, so it is
 * read as the reflexive (mapped) address; the name says that this is our inference.
 */
export const ZOOM_MAPPED_ADDRESS = 'ZOOM-MAPPED-ADDRESS (0x0103, inferred)'
export const ZOOM_ATTRIBUTES: ReadonlyMap<number, AttributeInfo> = new Map([
  [0x0101, A('ZOOM-0101', 'opaque')],
  [0x0103, A(ZOOM_MAPPED_ADDRESS, 'address', 'mapped')],
])

export const METHOD_BINDING = 0x001
export const METHOD_ALLOCATE = 0x003

/** RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1 method names; Google's GOOG-PING. */
const METHODS = new Map<number, string>([
  [0x001, 'Binding'],
  [0x002, 'SharedSecret'],
  [0x003, 'Allocate'],
  [0x004, 'Refresh'],
  [0x006, 'Send'],
  [0x007, 'Data'],
  [0x008, 'CreatePermission'],
  [0x009, 'ChannelBind'],
  [0x00a, 'Connect'],
  [0x00b, 'ConnectionBind'],
  [0x00c, 'ConnectionAttempt'],
  [0x080, 'GooglePing'],
])

export const CLASS_NAMES = ['Request', 'Indication', 'Success Response', 'Error Response'] as const
export type StunClass = (typeof CLASS_NAMES)[number]

export function methodName(method: number): string {
  return METHODS.get(method) ?? `Method 0x${method.toString(16).padStart(3, '0')}`
}

/**
 * Message type names. RFC 3489 §11.1 called the responses "Binding Response" / "Binding Error
 * Response"; the old TURN draft that [MS-TURN] follows used 0x0115 for Data Indication.
 */
export function messageTypeName(type: number, method: number, cls: number, classic: boolean): string {
  if (classic) {
    if (type === 0x0101) return 'Binding Response'
    if (type === 0x0111) return 'Binding Error Response'
    if (type === 0x0102) return 'Shared Secret Response'
    if (type === 0x0112) return 'Shared Secret Error Response'
    if (type === 0x0002) return 'Shared Secret Request'
    if (type === 0x0115) return 'Data Indication'
  }
  return `${methodName(method)} ${CLASS_NAMES[cls]}`
}
