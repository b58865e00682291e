/**
 * What an IKE message says in clear, from its payload chain: the exchange type, the identities of
 * IKEv1 messages that are not encrypted (Aggressive Mode sends them, RFC 2409 §5.4; Main Mode and
 * IKEv2 encrypt them), the Vendor ID payloads (which name the VPN software), and the IKEv1
 * authentication methods proposed or chosen.
 *
 * Header (RFC 2408 §3.1, RFC 7296 §3.1): next payload at byte 16, version at 17, exchange type at
 * 18, flags at 19 (IKEv1: 0x01 = the payloads are encrypted), length at 24. Every payload starts
 * with a generic header (RFC 2408 §3.2, RFC 7296 §3.2): next payload, a reserved (IKEv2: critical)
 * byte, and the payload's length including that header. Lengths are checked before every read.
 */

const HEADER = 28
const MAX_PAYLOADS = 64

/** IKEv1 payload types (RFC 2408 §3.1) and IKEv2's (RFC 7296 §3.2) that are read. */
const V1 = {sa: 1, proposal: 2, transform: 3, id: 5, vendorId: 13} as const
const V2 = {vendorId: 43, encrypted: 46, encryptedFragment: 53} as const

const EXCHANGES_V1: Record<number, string> = {1: 'Base', 2: 'Main Mode', 3: 'Authentication Only', 4: 'Aggressive Mode', 5: 'Informational', 32: 'Quick Mode', 33: 'New Group Mode'}
const EXCHANGES_V2: Record<number, string> = {34: 'IKE_SA_INIT', 35: 'IKE_AUTH', 36: 'CREATE_CHILD_SA', 37: 'INFORMATIONAL', 43: 'IKE_INTERMEDIATE', 44: 'IKE_FOLLOWUP_KE'}

/** IKEv1 authentication methods (RFC 2409 Appendix A; XAUTH: draft-beaulieu-ike-xauth §6). */
const AUTH_METHODS: Record<number, string> = {
  1: 'pre-shared key', 2: 'DSS signatures', 3: 'RSA signatures', 4: 'RSA encryption', 5: 'revised RSA encryption',
  9: 'ECDSA signatures', 64221: 'hybrid RSA', 65001: 'XAUTH pre-shared key', 65002: 'XAUTH pre-shared key', 65005: 'XAUTH RSA signatures', 65006: 'XAUTH RSA signatures',
}

/** Whether an authentication method rests on a pre-shared key (whose Aggressive Mode hash can be
 * guessed offline). */
export function isPreSharedKey(method: string): boolean {
  return method.includes('pre-shared key')
}

/** Well-known Vendor IDs (hex prefix → name), as Wireshark's packet-isakmp.c names them. */
const VENDOR_IDS: ReadonlyArray<[string, string]> = [
  ['4a131c81070358455c5728f20e95452f', 'RFC 3947 NAT-T'],
  ['90cb80913ebb696e086381b5ec427b1f', 'draft-ietf-ipsec-nat-t-ike-02'],
  ['afcad71368a1f1c96b8696fc77570100', 'RFC 3706 DPD'],
  ['09002689dfd6b712', 'XAUTH'],
  ['12f5f28c457168a9702d9fe274cc0100', 'Cisco Unity'],
  ['4048b7d56ebce88525e7de7f00d6c2d3', 'Cisco Fragmentation'],
  ['1e2b516905991c7d7c96fcbfb587e461', 'Microsoft (MS NT5 ISAKMPOAKLEY)'],
  ['882fe56d6fd20dbc2251613b2ebe5beb', 'strongSwan'],
  ['f4ed19e0c114eb516faaac0ee37daf28', 'Check Point'],
  ['fb1de3cdf341b7ea16b7e5be0855f120', 'MS-Negotiation Discovery Capable'],
]

/** The name of a Vendor ID: a well-known one's, else its bytes when they are printable ASCII
 * (Cisco sends "CISCO-DYNAMIC-ROUTE", "FLEXVPN-SUPPORTED"), else null. */
export function vendorIdName(hex: string): string | null {
  let best: [string, string] | undefined
  for (const entry of VENDOR_IDS) if (hex.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry
  if (best) return best[1]
  if (hex.length < 8) return null
  let text = ''
  for (let i = 0; i < hex.length; i += 2) {
    const c = Number.parseInt(hex.slice(i, i + 2), 16)
    if (c < 0x20 || c > 0x7e) return null
    text += String.fromCharCode(c)
  }
  return text
}

/** IKEv1 identification types (RFC 2407 §4.6.2.1). */
const ID_TYPES: Record<number, string> = {
  1: 'IPv4 address', 2: 'FQDN', 3: 'user FQDN', 4: 'IPv4 subnet', 5: 'IPv6 address', 6: 'IPv6 subnet', 7: 'IPv4 range', 8: 'IPv6 range', 9: 'distinguished name', 10: 'general name', 11: 'key id',
}

export interface IkeIdentity {
  type: string
  /** The identity as text (names as sent, addresses written out; binary ones as a size). Untrusted. */
  value: string
}

export interface IkeMessageInfo {
  exchange: string
  /** IKEv1: the payloads are encrypted (flag 0x01); IKEv2: an SK payload follows the clear ones. */
  encrypted: boolean
  identities: IkeIdentity[]
  vendorIds: string[]
  authMethods: string[]
}

const u16 = (d: Uint8Array, at: number) => (d[at]! << 8) | d[at + 1]!

/** What an IKE message (whose header ikeVersion accepted, `d` holding exactly the message) says in clear. */
export function readIkeMessage(d: Uint8Array, version: 1 | 2): IkeMessageInfo {
  const exchangeType = d[18]!
  const info: IkeMessageInfo = {
    exchange: (version === 1 ? EXCHANGES_V1 : EXCHANGES_V2)[exchangeType] ?? `exchange ${exchangeType}`,
    encrypted: version === 1 && (d[19]! & 0x01) !== 0,
    identities: [],
    vendorIds: [],
    authMethods: [],
  }
  if (info.encrypted) return info
  let next = d[16]!
  let at = HEADER
  for (let n = 0; next !== 0 && n < MAX_PAYLOADS && at + 4 <= d.length; n++) {
    const length = u16(d, at + 2)
    if (length < 4 || at + length > d.length) break
    const type = next
    const body = at + 4
    const end = at + length
    if (version === 2 && (type === V2.encrypted || type === V2.encryptedFragment)) {
      info.encrypted = true
      break
    }
    if (version === 1 && type === V1.id) readIdentity(d, body, end, info)
    else if (type === (version === 1 ? V1.vendorId : V2.vendorId)) info.vendorIds.push(hex(d, body, end))
    else if (version === 1 && type === V1.sa) readSaAuthMethods(d, body, end, info)
    next = d[at]!
    at = end
  }
  return info
}

/** RFC 2407 §4.6.2: ID type, protocol id, port, then the identification data. */
function readIdentity(d: Uint8Array, at: number, end: number, info: IkeMessageInfo): void {
  if (at + 4 > end) return
  const idType = d[at]!
  const data = d.subarray(at + 4, end)
  const type = ID_TYPES[idType] ?? `type ${idType}`
  let value: string
  if (idType === 1 && data.length === 4) value = `${data[0]}.${data[1]}.${data[2]}.${data[3]}`
  else if (idType === 5 && data.length === 16) value = Array.from({length: 8}, (_, i) => u16(data, 2 * i).toString(16)).join(':')
  else if (idType === 2 || idType === 3 || idType === 11) value = latin1(data)
  else value = `${data.length} bytes`
  info.identities.push({type, value})
}

/** RFC 2408 §3.4-3.6: SA (DOI, situation), proposals, transforms; attribute type 3 is the
 * authentication method (RFC 2409 Appendix A), a basic attribute (AF bit set). */
function readSaAuthMethods(d: Uint8Array, at: number, end: number, info: IkeMessageInfo): void {
  let p = at + 8
  for (let n = 0; n < MAX_PAYLOADS && p + 8 <= end; n++) {
    const proposalLength = u16(d, p + 2)
    if (proposalLength < 8 || p + proposalLength > end) return
    const proposalEnd = p + proposalLength
    const spiSize = d[p + 6]!
    let t = p + 8 + spiSize
    for (let m = 0; m < MAX_PAYLOADS && t + 8 <= proposalEnd; m++) {
      const transformLength = u16(d, t + 2)
      if (transformLength < 8 || t + transformLength > proposalEnd) break
      const transformEnd = t + transformLength
      for (let a = t + 8; a + 4 <= transformEnd; ) {
        const attr = u16(d, a)
        if (attr & 0x8000) {
          if ((attr & 0x7fff) === 3) {
            const method = u16(d, a + 2)
            const name = AUTH_METHODS[method] ?? `method ${method}`
            if (!info.authMethods.includes(name)) info.authMethods.push(name)
          }
          a += 4
        } else a += 4 + u16(d, a + 2)
      }
      if (d[t] === 0) break
      t = transformEnd
    }
    if (d[p] === 0) return
    p = proposalEnd
  }
}

function latin1(d: Uint8Array): string {
  let s = ''
  for (let i = 0; i < d.length && i < 256; i++) s += String.fromCharCode(d[i]!)
  return s
}

function hex(d: Uint8Array, from: number, to: number): string {
  let s = ''
  for (let i = from; i < to && i < from + 32; i++) s += d[i]!.toString(16).padStart(2, '0')
  return s
}
