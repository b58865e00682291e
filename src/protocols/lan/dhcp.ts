/**
 * DHCP (RFC 2131 §2, options RFC 2132) and DHCPv6 (RFC 8415 §8, §21): what a client tells the
 * whole LAN about itself when it asks for an address — its host name, vendor class (the OS or
 * device family), fully qualified name, hardware address — and what the server hands back.
 *
 * DHCPv4 message: op, htype, hlen, hops (1 each), xid (4), secs, flags (2 each), ciaddr, yiaddr,
 * siaddr, giaddr (4 each), chaddr (16), sname (64), file (128) = 236 octets, then the magic
 * cookie 99.130.83.99 and options (code, length, value; 0 pad, 255 end). Option 52 "overload"
 * (RFC 2132 §9.3) moves more options into `file` (1), `sname` (2) or both (3).
 */
import {ipv4TextAt} from '../dns/dns-message.js'
import {decodeUtf8Lenient, readName} from '../dns/dns-name.js'
import {intern} from '../../util/intern.js'

const MAX_TEXT = 255
const MAX_LIST = 64

export interface DhcpMessage {
  version: 4 | 6
  /** DHCPDISCOVER, DHCPREQUEST... (option 53), SOLICIT, REQUEST... for DHCPv6. */
  messageType: string
  /** Transaction id, hex. */
  xid: string
  /** Client hardware address (chaddr, Ethernet only), DHCPv4. */
  clientMac: string | null
  /** Option 12 (DHCPv4). */
  hostname: string | null
  /** Option 60 (DHCPv4) / option 16 (DHCPv6): vendor class, e.g. "MSFT 5.0", "android-dhcp-13". */
  vendorClass: string | null
  /** Option 81 (RFC 4702) / DHCPv6 option 39 (RFC 4704): client FQDN. */
  clientFqdn: string | null
  /** Option 50. */
  requestedIp: string | null
  /** yiaddr: the address the server assigns. */
  yourIp: string | null
  /** Option 54. */
  serverId: string | null
  /** Option 15: the domain the server gives the client. */
  domainName: string | null
  /** Option 55: parameter request list (an OS fingerprint). */
  parameterRequestList: number[]
}

const V4_TYPES = ['', 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM', 'FORCERENEW', 'LEASEQUERY', 'LEASEUNASSIGNED', 'LEASEUNKNOWN', 'LEASEACTIVE', 'BULKLEASEQUERY', 'LEASEQUERYDONE', 'ACTIVELEASEQUERY', 'LEASEQUERYSTATUS', 'TLS']
const V6_TYPES = ['', 'SOLICIT', 'ADVERTISE', 'REQUEST', 'CONFIRM', 'RENEW', 'REBIND', 'REPLY', 'RELEASE', 'DECLINE', 'RECONFIGURE', 'INFORMATION-REQUEST', 'RELAY-FORW', 'RELAY-REPL']

function text(b: Uint8Array, start: number, end: number): string {
  const s = decodeUtf8Lenient(b.subarray(start, Math.min(end, start + MAX_TEXT * 4)))
  // Some clients NUL-terminate option strings.
  const trimmed = s.replace(/\u0000+$/, '')
  // Interned (see `keep`): a client repeats its host name and vendor class in every message.
  return intern(trimmed.length > MAX_TEXT ? trimmed.slice(0, MAX_TEXT) : trimmed)
}

function hex(b: Uint8Array, start: number, end: number): string {
  let s = ''
  for (let i = start; i < end; i++) s += b[i]!.toString(16).padStart(2, '0')
  return s
}

/** A client FQDN: DNS wire format when `wire`, else ASCII (RFC 4702 §2.3.1). */
function fqdn(b: Uint8Array, start: number, end: number, wire: boolean): string | null {
  if (start >= end) return null
  if (!wire) return text(b, start, end)
  const name = readName(b.subarray(0, end), start)
  if (name.error && name.error !== 'truncated') return null
  // RFC 4702 §2.3.1 allows a partial name (no root label): keep what was read.
  return name.text === '.' ? null : intern(name.text)
}

function emptyMessage(version: 4 | 6): DhcpMessage {
  return {
    version,
    messageType: '',
    xid: '',
    clientMac: null,
    hostname: null,
    vendorClass: null,
    clientFqdn: null,
    requestedIp: null,
    yourIp: null,
    serverId: null,
    domainName: null,
    parameterRequestList: [],
  }
}

/** Parse a DHCPv4 (BOOTP) message; null when it is not one. */
export function parseDhcp(b: Uint8Array): DhcpMessage | null {
  if (b.length < 240 || (b[0] !== 1 && b[0] !== 2)) return null
  if (b[236] !== 99 || b[237] !== 130 || b[238] !== 83 || b[239] !== 99) return null
  const m = emptyMessage(4)
  m.xid = intern(hex(b, 4, 8))
  if (b[1] === 1 && b[2] === 6) m.clientMac = intern([...b.subarray(28, 34)].map((x) => x.toString(16).padStart(2, '0')).join(':'))
  if (b[16] !== 0 || b[17] !== 0 || b[18] !== 0 || b[19] !== 0) m.yourIp = ipv4TextAt(b, 16)
  let overload = 0
  const readOptions = (start: number, end: number): void => {
    for (let p = start; p < end; ) {
      const code = b[p]!
      if (code === 0) {
        p++
        continue
      }
      if (code === 255 || p + 1 >= end) return
      const length = b[p + 1]!
      const v = p + 2
      if (v + length > end) return
      switch (code) {
        case 53:
          if (length >= 1) m.messageType = V4_TYPES[b[v]!] || `TYPE${b[v]}`
          break
        case 12:
          m.hostname ??= text(b, v, v + length)
          break
        case 60:
          m.vendorClass ??= text(b, v, v + length)
          break
        case 81:
          // flags, RCODE1, RCODE2, domain name; flag E (0x04): canonical wire format.
          if (length >= 3) m.clientFqdn ??= fqdn(b, v + 3, v + length, (b[v]! & 0x04) !== 0)
          break
        case 50:
          if (length === 4) m.requestedIp = ipv4TextAt(b, v)
          break
        case 54:
          if (length === 4) m.serverId = ipv4TextAt(b, v)
          break
        case 15:
          m.domainName ??= text(b, v, v + length)
          break
        case 55:
          for (let i = v; i < v + length && m.parameterRequestList.length < MAX_LIST; i++) m.parameterRequestList.push(b[i]!)
          break
        case 52:
          if (length === 1) overload = b[v]!
          break
      }
      p = v + length
    }
  }
  readOptions(240, b.length)
  if (overload & 1) readOptions(108, 236)
  if (overload & 2) readOptions(44, 108)
  if (!m.messageType) m.messageType = b[0] === 1 ? 'BOOTREQUEST' : 'BOOTREPLY'
  m.parameterRequestList = sharedList(m.parameterRequestList)
  return m
}

/** Parse a DHCPv6 client/server message (not relayed); null when it is not one. */
export function parseDhcpv6(b: Uint8Array): DhcpMessage | null {
  if (b.length < 4) return null
  const type = b[0]!
  if (type === 0 || type > 11) return null
  const m = emptyMessage(6)
  m.messageType = V6_TYPES[type]!
  m.xid = intern(hex(b, 1, 4))
  for (let p = 4; p + 4 <= b.length; ) {
    const code = (b[p]! << 8) | b[p + 1]!
    const length = (b[p + 2]! << 8) | b[p + 3]!
    const v = p + 4
    if (v + length > b.length) break
    if (code === 39 && length >= 1) {
      // RFC 4704 §4: flags, then the name in DNS wire format (possibly partial).
      m.clientFqdn ??= fqdn(b, v + 1, v + length, true)
    } else if (code === 16 && length >= 6) {
      // RFC 8415 §21.16: enterprise number (4), then vendor-class-data as length-prefixed items.
      const items: string[] = []
      for (let i = v + 4; i + 2 <= v + length; ) {
        const n = (b[i]! << 8) | b[i + 1]!
        if (i + 2 + n > v + length) break
        items.push(text(b, i + 2, i + 2 + n))
        i += 2 + n
      }
      if (items.length) m.vendorClass ??= intern(items.join(' ').slice(0, MAX_TEXT))
    } else if (code === 6) {
      // Option request option: 16-bit option codes.
      for (let i = v; i + 2 <= v + length && m.parameterRequestList.length < MAX_LIST; i += 2) m.parameterRequestList.push((b[i]! << 8) | b[i + 1]!)
    }
    p = v + length
  }
  m.parameterRequestList = sharedList(m.parameterRequestList)
  return m
}

/** Parameter request lists remembered before the cache starts over. */
const MAX_CACHED_LISTS = 1024
let requestLists = new Map<string, number[]>()

/**
 * The kept copy of a parameter request list: exact size, and one frozen copy per distinct list
 * (an OS asks for the same options in every message: the list is its fingerprint).
 */
function sharedList(list: number[]): number[] {
  const key = list.join(',')
  let kept = requestLists.get(key)
  if (kept === undefined) {
    if (requestLists.size >= MAX_CACHED_LISTS) requestLists = new Map()
    requestLists.set(key, (kept = Object.freeze(list.slice()) as number[]))
  }
  return kept
}
