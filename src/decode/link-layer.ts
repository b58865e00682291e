import {u16be, u16le, u32be, u32le} from '../capture/bytes.js'
import {avsLength, decode80211Data, prismLength, radiotapLength} from './ieee80211.js'

/**
 * Link-layer decoders, keyed by LINKTYPE (tcpdump.org/linktypes.html). Each finds where the
 * network header starts and which EtherType it carries; VLAN, QinQ, PPPoE and MPLS shims
 * are peeled off on the way. Every length is checked before it is read.
 */

export const ETHERTYPE_IPV4 = 0x0800
export const ETHERTYPE_IPV6 = 0x86dd
/** IEEE 802.1Q VLAN tag. */
export const ETHERTYPE_8021Q = 0x8100

export const LINKTYPE_NULL = 0
export const LINKTYPE_ETHERNET = 1
export const LINKTYPE_PPP = 9
export const LINKTYPE_RAW_OLD = 12
export const LINKTYPE_RAW_OPENBSD = 14
export const LINKTYPE_PPP_HDLC = 50
export const LINKTYPE_PPP_ETHER = 51
export const LINKTYPE_RAW = 101
export const LINKTYPE_C_HDLC = 104
export const LINKTYPE_IEEE802_11 = 105
export const LINKTYPE_LOOP = 108
export const LINKTYPE_LINUX_SLL = 113
export const LINKTYPE_PRISM_HEADER = 119
export const LINKTYPE_IEEE802_11_RADIOTAP = 127
export const LINKTYPE_IEEE802_11_AVS = 163
export const LINKTYPE_PPI = 192
export const LINKTYPE_IPV4 = 228
export const LINKTYPE_IPV6 = 229
export const LINKTYPE_PKTAP = 258
export const LINKTYPE_LINUX_SLL2 = 276

export const LINKTYPE_NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'EN10MB',
  9: 'PPP',
  12: 'RAW',
  14: 'RAW',
  50: 'PPP_HDLC',
  51: 'PPP_ETHER',
  101: 'RAW',
  104: 'C_HDLC',
  105: 'IEEE802_11',
  108: 'LOOP',
  113: 'LINUX_SLL',
  119: 'PRISM_HEADER',
  127: 'IEEE802_11_RADIOTAP',
  163: 'IEEE802_11_AVS',
  192: 'PPI',
  228: 'IPV4',
  229: 'IPV6',
  258: 'PKTAP',
  276: 'LINUX_SLL2',
}

export function linkTypeName(linkType: number): string {
  return LINKTYPE_NAMES[linkType] ?? `LINKTYPE_${linkType}`
}

/** Where the network layer starts. Reused between packets. */
export interface LinkResult {
  offset: number
  etherType: number
  /** Set when the frame was an IEEE 802.11 data frame with the Protected bit (WEP/WPA): its
   * contents cannot be read without the network's keys. The caller clears it. */
  protectedFrame?: boolean
  /** Set (with a false answer) when the frame was an IEEE 802.11 QoS data frame whose body is an
   * A-MSDU: where its first subframe starts. Its packets are not at one place: the caller walks
   * the subframes (amsduSubframe). The caller sets -1 before decoding. */
  amsdu?: number
  /** amsduSubframe's answer: where the subframe's packet ends (its MSDU's end), and where the next
   * subframe starts (-1: none). */
  packetEnd?: number
  nextSubframe?: number
}

const MAX_SHIMS = 8
/** The PKTAP header's fixed fields, up to the effective command name (Wireshark: MIN_PKTAP_HDR_LEN). */
const MIN_PKTAP_HEADER = 108

/** Decode the link layer of the frame in `b[start, end)`; returns false when it carries no
 * IPv4/IPv6 we can find. Offsets in `out` are absolute positions in `b`. */
export function decodeLink(linkType: number, b: Uint8Array, start: number, end: number, out: LinkResult): boolean {
  const o = start
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(b, o, end, out)
    case LINKTYPE_LINUX_SLL:
      // SLL: packet type, ARPHRD, address length, 8 address bytes, protocol (big-endian).
      if (end - o < 16) return false
      return decodeEtherType(u16be(b, o + 14), b, o + 16, end, out)
    case LINKTYPE_LINUX_SLL2:
      // SLL2: protocol first, then reserved, ifindex, ARPHRD, packet type, address: 20 bytes.
      if (end - o < 20) return false
      return decodeEtherType(u16be(b, o), b, o + 20, end, out)
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return decodeNull(linkType, b, o, end, out)
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_OLD:
    case LINKTYPE_RAW_OPENBSD:
      return ipByVersion(b, o, end, out)
    case LINKTYPE_IPV4:
      return found(out, o, ETHERTYPE_IPV4)
    case LINKTYPE_IPV6:
      return found(out, o, ETHERTYPE_IPV6)
    case LINKTYPE_PPP:
    case LINKTYPE_PPP_HDLC:
      return decodePpp(b, o, end, out)
    case LINKTYPE_PPP_ETHER:
      // PPPoE without the Ethernet header: 6-byte PPPoE header, then PPP protocol.
      return end - o >= 8 && decodePppProtocol(u16be(b, o + 6), o + 8, out)
    case LINKTYPE_C_HDLC:
      // Cisco HDLC: address, control, then an EtherType.
      return end - o >= 4 && decodeEtherType(u16be(b, o + 2), b, o + 4, end, out)
    case LINKTYPE_IEEE802_11:
      return decode80211Data(b, o, end, out)
    case LINKTYPE_IEEE802_11_RADIOTAP: {
      const length = radiotapLength(b, o, end)
      return length > 0 && decode80211Data(b, o + length, end, out)
    }
    case LINKTYPE_PRISM_HEADER: {
      const length = prismLength(b, o, end)
      return length > 0 && decode80211Data(b, o + length, end, out)
    }
    case LINKTYPE_IEEE802_11_AVS: {
      const length = avsLength(b, o, end)
      return length > 0 && decode80211Data(b, o + length, end, out)
    }
    case LINKTYPE_PKTAP: {
      // Apple's PKTAP (macOS `tcpdump -i pktap`, `-k`, iOS captures over rvictl): a header in the
      // capturing host's byte order (little-endian on every Apple platform): pth_length (the
      // header's length), pth_type_next (1 = a packet follows), pth_dlt (its DLT), then the
      // interface name, process and flow details (Wireshark's packet-pktap.c). DLT values equal
      // the LINKTYPE values for everything decoded here (DLT_RAW 12/14 included).
      if (end - o < MIN_PKTAP_HEADER) return false
      const headerLength = u32le(b, o)
      const inner = u32le(b, o + 8)
      if (u32le(b, o + 4) !== 1 || headerLength < MIN_PKTAP_HEADER || headerLength > end - o || inner === LINKTYPE_PKTAP) return false
      return decodeLink(inner, b, o + headerLength, end, out)
    }
    case LINKTYPE_PPI: {
      // PPI header (little-endian): version, flags, header length, DLT of what follows.
      if (end - o < 8) return false
      const headerLength = u16le(b, o + 2)
      const inner = u32le(b, o + 4)
      if (headerLength < 8 || headerLength > end - o || inner === LINKTYPE_PPI) return false
      return decodeLink(inner, b, o + headerLength, end, out)
    }
    default:
      return false
  }
}

/** Ethernet II (and 802.3 with LLC/SNAP) starting at `offset`. */
export function decodeEthernet(b: Uint8Array, offset: number, end: number, out: LinkResult): boolean {
  if (end - offset < 14) return false
  const type = u16be(b, offset + 12)
  if (type <= 1500) {
    // IEEE 802.3 length field: only LLC/SNAP (AA AA 03, OUI, EtherType) can carry IP.
    if (end - offset < 22 || b[offset + 14] !== 0xaa || b[offset + 15] !== 0xaa || b[offset + 16] !== 0x03) return false
    return decodeEtherType(u16be(b, offset + 20), b, offset + 22, end, out)
  }
  return decodeEtherType(type, b, offset + 14, end, out)
}

/** Follow an EtherType through VLAN tags, PPPoE and MPLS to IPv4/IPv6. */
function decodeEtherType(type: number, b: Uint8Array, offset: number, end: number, out: LinkResult): boolean {
  for (let shims = 0; shims < MAX_SHIMS; shims++) {
    switch (type) {
      case ETHERTYPE_IPV4:
      case ETHERTYPE_IPV6:
        return found(out, offset, type)
      case ETHERTYPE_8021Q:
      case 0x88a8: // 802.1ad (QinQ service tag)
      case 0x9100:
      case 0x9200:
        if (end - offset < 4) return false
        type = u16be(b, offset + 2)
        offset += 4
        break
      case 0x8864: // PPPoE session stage (RFC 2516 §4): 6-byte header then PPP protocol
        if (end - offset < 8) return false
        return decodePppProtocol(u16be(b, offset + 6), offset + 8, out)
      case 0x8847: // MPLS unicast / multicast (RFC 3032): labels until bottom-of-stack
      case 0x8848:
        return decodeMpls(b, offset, end, out)
      default:
        return false
    }
  }
  return false
}

function decodeMpls(b: Uint8Array, offset: number, end: number, out: LinkResult): boolean {
  for (let labels = 0; labels < 16; labels++) {
    if (end - offset < 4) return false
    const bottom = (b[offset + 2]! & 0x01) !== 0
    offset += 4
    if (bottom) break
  }
  if (end - offset < 1) return false
  const nibble = b[offset]! >> 4
  if (nibble === 4 || nibble === 6) return ipByVersion(b, offset, end, out)
  // Ethernet pseudowire with the RFC 4385 control word (first nibble 0).
  if (nibble === 0) return decodeEthernet(b, offset + 4, end, out)
  return false
}

function decodePpp(b: Uint8Array, offset: number, end: number, out: LinkResult): boolean {
  // Cisco HDLC framing on a PPP link (address 0x0F unicast / 0x8F broadcast, control 0):
  // Wireshark's PPP dissector recognises it the same way.
  if (end - offset >= 4 && (b[offset] === 0x0f || b[offset] === 0x8f) && b[offset + 1] === 0x00) {
    return decodeEtherType(u16be(b, offset + 2), b, offset + 4, end, out)
  }
  return decodePppFrame(b, offset, end, out)
}

/**
 * A PPP frame without HDLC flags and checksum, as links, PPTP's GRE and L2TP carry it: the
 * address and control bytes (0xFF 0x03, RFC 1662 §3.1) when not compressed away, then the
 * protocol, IPv4 (0x0021) or IPv6 (0x0057).
 */
export function decodePppFrame(b: Uint8Array, offset: number, end: number, out: LinkResult): boolean {
  if (end - offset >= 2 && b[offset] === 0xff && b[offset + 1] === 0x03) offset += 2
  if (end - offset < 1) return false
  // Protocol-Field-Compression (RFC 1661 §6.5): an odd first byte is a one-byte protocol.
  if (b[offset]! & 1) return decodePppProtocol(b[offset]!, offset + 1, out)
  if (end - offset < 2) return false
  return decodePppProtocol(u16be(b, offset), offset + 2, out)
}

function decodePppProtocol(protocol: number, offset: number, out: LinkResult): boolean {
  if (protocol === 0x0021) return found(out, offset, ETHERTYPE_IPV4)
  if (protocol === 0x0057) return found(out, offset, ETHERTYPE_IPV6)
  return false
}

/** BSD loopback: a 4-byte address family, host byte order (NULL) or network order (LOOP). */
function decodeNull(linkType: number, b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 4) return false
  let family = linkType === LINKTYPE_LOOP ? u32be(b, o) : u32le(b, o)
  // NULL is in the capturing host's byte order, which the file does not record.
  if (family > 0xffff) family = linkType === LINKTYPE_LOOP ? u32le(b, o) : u32be(b, o)
  if (family === 2) return found(out, o + 4, ETHERTYPE_IPV4)
  // AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux).
  if (family === 24 || family === 28 || family === 30 || family === 10) return found(out, o + 4, ETHERTYPE_IPV6)
  return false
}

/** Raw IP: the version nibble says which. */
export function ipByVersion(b: Uint8Array, offset: number, end: number, out: LinkResult): boolean {
  if (end - offset < 1) return false
  const version = b[offset]! >> 4
  if (version === 4) return found(out, offset, ETHERTYPE_IPV4)
  if (version === 6) return found(out, offset, ETHERTYPE_IPV6)
  return false
}

function found(out: LinkResult, offset: number, etherType: number): boolean {
  out.offset = offset
  out.etherType = etherType
  return true
}
