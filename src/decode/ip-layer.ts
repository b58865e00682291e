import {u16be, u32be} from '../capture/bytes.js'
import {ETHERTYPE_IPV4, ETHERTYPE_IPV6} from './link-layer.js'
import {type NetLayer, PROTO_ICMP, PROTO_ICMPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP} from './net-layer.js'

/** IPv6 extension headers we step over (RFC 8200 §4; AH RFC 4302 counts in 4-byte units). */
const HOP_BY_HOP = 0
const ROUTING = 43
const FRAGMENT = 44
const AUTH = 51
const NO_NEXT = 59
const DEST_OPTS = 60
const MOBILITY = 135
const HIP = 139
const SHIM6 = 140
const MAX_EXT_HEADERS = 16

/** Decode the IP header at `offset` (IPv4 or IPv6 per `etherType`) and its transport header
 * into `out`. Returns false when there is no valid IP header. */
export function decodeIp(etherType: number, b: Uint8Array, offset: number, end: number, out: NetLayer): boolean {
  return etherType === ETHERTYPE_IPV4 ? decodeIpv4(b, offset, end, out) : etherType === ETHERTYPE_IPV6 && decodeIpv6(b, offset, end, out)
}

/** Clear what a transport decoder may leave unset, before the next packet is decoded into `out`. */
function clearTransport(out: NetLayer): void {
  out.hasTransport = false
  out.sport = 0
  out.dport = 0
  out.tcpFlags = 0
  out.icmpType = -1
}

/** IPv4, RFC 791 §3.1. Ethernet padding beyond Total Length is excluded. */
function decodeIpv4(b: Uint8Array, o: number, end: number, out: NetLayer): boolean {
  if (end - o < 20 || b[o]! >> 4 !== 4) return false
  const headerLength = (b[o]! & 0x0f) * 4
  if (headerLength < 20 || end - o < headerLength) return false
  const totalLength = u16be(b, o + 2)
  // Total Length 0 is what TCP segmentation offload captures show: trust the capture.
  let ipEnd = totalLength === 0 ? end : Math.min(end, o + totalLength)
  if (ipEnd < o + headerLength) ipEnd = o + headerLength
  out.truncated = totalLength > end - o
  out.ipVersion = 4
  const src = out.src
  const dst = out.dst
  src[0] = u32be(b, o + 12)
  dst[0] = u32be(b, o + 16)
  src[1] = src[2] = src[3] = 0
  dst[1] = dst[2] = dst[3] = 0
  const proto = b[o + 9]!
  out.proto = proto
  out.ipStart = o
  out.ipEnd = ipEnd
  const flagsOffset = u16be(b, o + 6)
  const moreFragments = (flagsOffset & 0x2000) !== 0
  const fragOffset = (flagsOffset & 0x1fff) * 8
  out.moreFragments = moreFragments
  out.fragOffset = fragOffset
  out.fragId = u16be(b, o + 4)
  out.isFragment = moreFragments || fragOffset > 0
  const l4 = o + headerLength
  out.l4Start = l4
  out.fragDataStart = l4
  if (fragOffset === 0) decodeTransport(b, l4, ipEnd, out, proto)
  else clearTransport(out)
  return true
}

/** IPv6, RFC 8200 §3, with the extension header chain and the Fragment header (§4.5). */
function decodeIpv6(b: Uint8Array, o: number, end: number, out: NetLayer): boolean {
  if (end - o < 40 || b[o]! >> 4 !== 6) return false
  const payloadLength = u16be(b, o + 4)
  // Payload Length 0 means a jumbogram (RFC 2675) or offload: trust the capture.
  const ipEnd = payloadLength === 0 ? end : Math.min(end, o + 40 + payloadLength)
  out.truncated = 40 + payloadLength > end - o
  out.ipVersion = 6
  out.isFragment = false
  out.moreFragments = false
  out.fragOffset = 0
  out.fragId = 0
  out.fragDataStart = 0
  for (let i = 0; i < 4; i++) {
    out.src[i] = u32be(b, o + 8 + 4 * i)
    out.dst[i] = u32be(b, o + 24 + 4 * i)
  }
  out.ipStart = o
  out.ipEnd = ipEnd
  let next = b[o + 6]!
  let p = o + 40
  // Whether the chain was followed to its end: an extension header cut short (by the snapshot
  // length) or too many of them leave no transport header to decode, as in Wireshark.
  let chainEnded = false
  for (let n = 0; n < MAX_EXT_HEADERS; n++) {
    if (next === HOP_BY_HOP || next === ROUTING || next === DEST_OPTS || next === MOBILITY || next === HIP || next === SHIM6) {
      if (ipEnd - p < 8) break
      const length = (b[p + 1]! + 1) * 8
      next = b[p]!
      p += length
    } else if (next === AUTH) {
      if (ipEnd - p < 8) break
      const length = (b[p + 1]! + 2) * 4
      next = b[p]!
      p += length
    } else if (next === FRAGMENT) {
      if (ipEnd - p < 8) break
      const offsetFlags = u16be(b, p + 2)
      out.fragOffset = offsetFlags & 0xfff8
      out.moreFragments = (offsetFlags & 1) !== 0
      out.fragId = u32be(b, p + 4)
      out.isFragment = out.moreFragments || out.fragOffset > 0
      next = b[p]!
      p += 8
      out.fragDataStart = p
      // In a later fragment what follows is data, not headers.
      if (out.fragOffset > 0) {
        chainEnded = true
        break
      }
    } else {
      chainEnded = true
      break
    }
  }
  out.proto = next
  // Past ipEnd when the extension headers run past the packet: in a first fragment they go on in
  // the next one, and the reassembled datagram's transport header starts there.
  out.l4Start = p
  if (chainEnded && next !== NO_NEXT && out.fragOffset === 0 && p <= ipEnd) decodeTransport(b, p, ipEnd, out, next)
  else clearTransport(out)
  return true
}

/** TCP (RFC 9293 §3.1), UDP (RFC 768), SCTP common header ports, ICMP type: every transport
 * field of `out` is set, decoded or cleared. */
/** Whether the TCP header at b[o, end) can be read (RFC 9293 §3.1: 20 bytes, data offset ≥ 5). */
export function tcpHeaderReadable(b: Uint8Array, o: number, end: number): boolean {
  return end - o >= 20 && b[o + 12]! >> 4 >= 5
}

/** Where the payload of the (readable) TCP segment at b[o, end) starts: after its data offset. */
export function tcpPayloadStart(b: Uint8Array, o: number, end: number): number {
  return Math.min(end, o + (b[o + 12]! >> 4) * 4)
}

/** Where the payload of the whole UDP datagram at b[o, end) ends: its Length field (RFC 768),
 * within the packet; the packet's end when the field is shorter than the header. */
export function udpPayloadEnd(b: Uint8Array, o: number, end: number): number {
  const length = u16be(b, o + 4)
  return length >= 8 ? Math.min(end, o + length) : end
}

export function decodeTransport(b: Uint8Array, o: number, end: number, out: NetLayer, proto: number): void {
  out.payloadStart = out.payloadEnd = end
  if (proto === PROTO_TCP) {
    out.icmpType = -1
    if (!tcpHeaderReadable(b, o, end)) {
      out.hasTransport = false
      out.sport = out.dport = out.tcpFlags = 0
      return
    }
    out.sport = u16be(b, o)
    out.dport = u16be(b, o + 2)
    out.tcpSeq = u32be(b, o + 4)
    out.tcpFlags = b[o + 13]!
    out.payloadStart = tcpPayloadStart(b, o, end)
    out.hasTransport = true
    return
  }
  out.tcpFlags = 0
  if (proto === PROTO_UDP) {
    out.icmpType = -1
    if (end - o < 8) {
      out.hasTransport = false
      out.sport = out.dport = 0
      return
    }
    out.sport = u16be(b, o)
    out.dport = u16be(b, o + 2)
    out.payloadStart = o + 8
    // A fragmented datagram's UDP length covers all fragments: keep the captured end.
    out.payloadEnd = out.moreFragments ? end : udpPayloadEnd(b, o, end)
    out.hasTransport = true
    return
  }
  clearTransport(out)
  switch (proto) {
    case PROTO_SCTP:
      if (end - o < 12) return
      out.sport = u16be(b, o)
      out.dport = u16be(b, o + 2)
      out.payloadStart = o + 12
      out.hasTransport = true
      return
    case PROTO_ICMP:
    case PROTO_ICMPV6:
      if (end - o < 4) return
      out.icmpType = b[o]!
      out.payloadStart = o + 4
      out.hasTransport = true
      return
    default:
      out.payloadStart = o
      out.hasTransport = true
  }
}
