import {u16be} from '../capture/bytes.js'
import {decode80211Data} from './ieee80211.js'
import {decodeEthernet, decodePppFrame, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ipByVersion, type LinkResult} from './link-layer.js'
import {
  type NetLayer,
  PROTO_GRE,
  PROTO_IPIP,
  PROTO_IPV6,
  PROTO_UDP,
  TUNNEL_6IN4,
  TUNNEL_CAPWAP,
  TUNNEL_GENEVE,
  TUNNEL_GRE,
  TUNNEL_GTPU,
  TUNNEL_IP6IP,
  TUNNEL_IPIP,
  TUNNEL_L2TP,
  TUNNEL_NONE,
  TUNNEL_TEREDO,
  TUNNEL_TZSP,
  TUNNEL_VXLAN,
} from './net-layer.js'

const GTPU_PORT = 2152
const VXLAN_PORT = 4789
const TEREDO_PORT = 3544
const GENEVE_PORT = 6081
/** CAPWAP data channel (RFC 5415 §3.1): from the access point to the controller and back. */
const CAPWAP_DATA_PORT = 5247
/** TZSP: what MikroTik routers' packet sniffer streams to a collector (Wireshark's packet-tzsp.c). */
const TZSP_PORT = 37008
/** L2TP (RFC 2661 §8.1): LAC and LNS both send from and to 1701, but NAT may change a source. */
const L2TP_PORT = 1701
/** The bits of L2TPv2's first word that RFC 2661 §3.1 reserves (sent as 0). */
const L2TP_RESERVED = 0x34f0

/**
 * If `layer`'s payload is a tunnel we decode, find the inner network header and return the
 * tunnel kind (TUNNEL_*); `out` then says where the inner IP starts. TUNNEL_NONE otherwise.
 * Dispatch is on IP protocol (IP-in-IP, GRE) and UDP port plus a header check (GTP-U,
 * VXLAN, Geneve, Teredo), so ordinary traffic on those ports is not misread.
 */
export function findTunnel(b: Uint8Array, layer: NetLayer, out: LinkResult): number {
  // mayBeTunnel gates every case below, so a tunnel added here without it fails its tests
  // instead of being skipped by the decoder's shortcut.
  if (!layer.hasTransport || layer.isFragment || !mayBeTunnel(layer)) return TUNNEL_NONE
  const p = layer.payloadStart
  const end = layer.payloadEnd
  switch (layer.proto) {
    case PROTO_IPIP:
      return ipByVersion(b, layer.l4Start, layer.ipEnd, out) && out.etherType === ETHERTYPE_IPV4 ? (layer.ipVersion === 4 ? TUNNEL_IPIP : TUNNEL_IP6IP) : TUNNEL_NONE
    case PROTO_IPV6:
      return ipByVersion(b, layer.l4Start, layer.ipEnd, out) && out.etherType === ETHERTYPE_IPV6 ? (layer.ipVersion === 4 ? TUNNEL_6IN4 : TUNNEL_IP6IP) : TUNNEL_NONE
    case PROTO_GRE:
      return decodeGre(b, layer.l4Start, layer.ipEnd, out) ? TUNNEL_GRE : TUNNEL_NONE
    case PROTO_UDP:
      if (layer.sport === GTPU_PORT || layer.dport === GTPU_PORT) return decodeGtpu(b, p, end, out) ? TUNNEL_GTPU : TUNNEL_NONE
      if (layer.dport === VXLAN_PORT) return decodeVxlan(b, p, end, out) ? TUNNEL_VXLAN : TUNNEL_NONE
      if (layer.dport === GENEVE_PORT) return decodeGeneve(b, p, end, out) ? TUNNEL_GENEVE : TUNNEL_NONE
      if (layer.sport === TEREDO_PORT || layer.dport === TEREDO_PORT) return decodeTeredo(b, p, end, out) ? TUNNEL_TEREDO : TUNNEL_NONE
      if (layer.sport === CAPWAP_DATA_PORT || layer.dport === CAPWAP_DATA_PORT) return decodeCapwapData(b, p, end, out) ? TUNNEL_CAPWAP : TUNNEL_NONE
      if (layer.dport === TZSP_PORT) return decodeTzsp(b, p, end, out) ? TUNNEL_TZSP : TUNNEL_NONE
      if (layer.sport === L2TP_PORT || layer.dport === L2TP_PORT) return decodeL2tp(b, p, end, out) ? TUNNEL_L2TP : TUNNEL_NONE
      return TUNNEL_NONE
    default:
      return TUNNEL_NONE
  }
}

/** Whether findTunnel could find anything in `layer`: a cheap test on its protocol and ports
 * that spares ordinary traffic the call (PacketDecoder asks it first; findTunnel asks it too). */
export function mayBeTunnel(layer: NetLayer): boolean {
  const proto = layer.proto
  if (proto === PROTO_UDP) return mayBeUdpTunnel(layer.sport, layer.dport)
  return proto === PROTO_IPIP || proto === PROTO_IPV6 || proto === PROTO_GRE
}

/** mayBeTunnel for a UDP datagram between these ports (the flow collector's fast path asks it
 * without a decoded layer). */
export function mayBeUdpTunnel(s: number, d: number): boolean {
  return s === GTPU_PORT || d === GTPU_PORT || d === VXLAN_PORT || d === GENEVE_PORT || s === TEREDO_PORT || d === TEREDO_PORT || s === CAPWAP_DATA_PORT || d === CAPWAP_DATA_PORT || d === TZSP_PORT || s === L2TP_PORT || d === L2TP_PORT
}

/** GTP-U (3GPP TS 29.281 §5.1): version 1, PT 1, G-PDU (0xFF); optional fields when any of
 * E/S/PN is set; extension headers chained by their last byte, length in 4-byte units. */
function decodeGtpu(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 8) return false
  const flags = b[o]!
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || b[o + 1] !== 0xff) return false
  let p = o + 8
  if (flags & 0x07) {
    if (end - p < 4) return false
    let next = b[p + 3]!
    p += 4
    if (flags & 0x04) {
      for (let n = 0; next !== 0 && n < 16; n++) {
        if (end - p < 4) return false
        const length = b[p]! * 4
        if (length === 0 || end - p < length) return false
        next = b[p + length - 1]!
        p += length
      }
    }
  }
  return ipByVersion(b, p, end, out)
}

/** VXLAN (RFC 7348 §5): 8-byte header with the I flag, then an Ethernet frame. */
function decodeVxlan(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 8 || (b[o]! & 0x08) === 0) return false
  return decodeEthernet(b, o + 8, end, out)
}

/** Geneve (RFC 8926 §3.4): version 0, options length in 4-byte units, protocol type. */
function decodeGeneve(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 8 || b[o]! >> 6 !== 0) return false
  const p = o + 8 + (b[o]! & 0x3f) * 4
  return inner(u16be(b, o + 2), b, p, end, out)
}

/** Teredo (RFC 4380 §5.1.1): IPv6 in UDP, optionally after authentication and origin
 * indication headers. */
function decodeTeredo(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  let p = o
  if (end - p >= 2 && b[p] === 0 && b[p + 1] === 1) {
    // Authentication header: indicator, ID length, AU length, ID, AU, nonce (8), confirmation (1).
    if (end - p < 4) return false
    p += 4 + b[p + 2]! + b[p + 3]! + 9
  }
  if (end - p >= 2 && b[p] === 0 && b[p + 1] === 0) p += 8 // origin indication
  if (end - p < 40 || b[p]! >> 4 !== 6) return false
  // The IPv6 payload length must fit the datagram, or this is not Teredo.
  if (40 + u16be(b, p + 4) > end - p) return false
  out.offset = p
  out.etherType = ETHERTYPE_IPV6
  return true
}

/**
 * CAPWAP data (RFC 5415 §4.3): preamble (version 0, type 0), then HLEN (header length in 4-byte
 * words), RID, WBID and the T/F/L/W/M/K flags. A whole (unfragmented, not keep-alive) frame follows
 * the header: an IEEE 802.3 frame when T is 0, else the binding's native frame (WBID 1: IEEE
 * 802.11, RFC 5416 §3).
 */
function decodeCapwapData(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 8 || b[o] !== 0) return false
  const word = (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
  const hlen = (word >> 19) & 0x1f
  const wbid = (word >> 9) & 0x1f
  const native = (word >> 8) & 1
  const fragment = (word >> 7) & 1
  const keepAlive = (word >> 3) & 1
  if (hlen < 2 || fragment || keepAlive) return false
  const p = o + hlen * 4
  if (p >= end) return false
  if (!native) return decodeEthernet(b, p, end, out)
  // Cisco controllers byte-swap the frame control field inside CAPWAP.
  return wbid === 1 ? decode80211Data(b, p, end, out, true) : false
}

/**
 * TZSP (TaZmen Sniffer Protocol, as Wireshark's packet-tzsp.c reads it): version 1, a type (0: a
 * received packet, 1: a sent one), the encapsulation (1: Ethernet, 18: IEEE 802.11), then tagged
 * fields (0: one byte of padding; 1: the end; any other: type, length, value) before the frame.
 */
function decodeTzsp(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 5 || b[o] !== 1 || b[o + 1]! > 1) return false
  const encapsulation = u16be(b, o + 2)
  let p = o + 4
  for (;;) {
    if (p >= end) return false
    const tag = b[p]!
    if (tag === 1) break
    if (tag === 0) p += 1
    else {
      if (end - p < 2) return false
      p += 2 + b[p + 1]!
    }
  }
  p += 1
  if (encapsulation === 1) return decodeEthernet(b, p, end, out)
  return encapsulation === 18 ? decode80211Data(b, p, end, out, false) : false
}

/** GRE (RFC 2784, key and sequence RFC 2890; version 1 = PPTP enhanced GRE, RFC 2637). */
function decodeGre(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 4) return false
  const flags = u16be(b, o)
  const version = flags & 0x07
  const protocol = u16be(b, o + 2)
  let p = o + 4
  if (version === 0) {
    if (flags & 0x8000) p += 4 // checksum + reserved
    if (flags & 0x2000) p += 4 // key
    if (flags & 0x1000) p += 4 // sequence number
    if (protocol === 0x88be) {
      // ERSPAN (draft-foschiano-erspan §4.1, §4.2): type II sets the GRE sequence number and has
      // an 8-byte header before the mirrored Ethernet frame; type I has neither.
      return decodeEthernet(b, flags & 0x1000 ? p + 8 : p, end, out)
    }
    if (protocol === 0x22eb) {
      // ERSPAN type III (§4.3): a 12-byte header whose last bit (O) adds an 8-byte platform
      // subheader; its frame type FT (bits 1-5 of byte 10) is 0 for Ethernet, 2 for IP.
      if (end - p < 12) return false
      const frameType = (b[p + 10]! >> 2) & 0x1f
      const q = p + 12 + (b[p + 11]! & 1 ? 8 : 0)
      if (frameType === 0) return decodeEthernet(b, q, end, out)
      return frameType === 2 && q < end && ipByVersion(b, q, end, out)
    }
    return inner(protocol, b, p, end, out)
  }
  if (version === 1 && protocol === 0x880b) {
    p += 4 // key (payload length + call id) is always present
    if (flags & 0x1000) p += 4
    if (flags & 0x0080) p += 4 // acknowledgement
    return decodePppFrame(b, p, end, out)
  }
  return false
}

/**
 * L2TPv2 data message (RFC 2661 §3.1): flags and version 2 (T clear: not a control message),
 * the optional length, tunnel and session ids, optional Ns/Nr and an optional offset pad, then
 * the PPP frame the tunnel carries. Reserved bits must be clear, or this is not L2TP.
 */
function decodeL2tp(b: Uint8Array, o: number, end: number, out: LinkResult): boolean {
  if (end - o < 6) return false
  const flags = u16be(b, o)
  if ((flags & 0x000f) !== 2 || (flags & (0x8000 | L2TP_RESERVED)) !== 0) return false
  let p = o + 2
  if (flags & 0x4000) {
    // The length covers the whole message: the PPP frame ends there (padding may follow).
    const length = u16be(b, p)
    if (length < 6 || length > end - o) return false
    end = o + length
    p += 2
  }
  p += 4 // tunnel id, session id
  if (flags & 0x0800) p += 4 // Ns, Nr
  if (flags & 0x0200) {
    if (end - p < 2) return false
    p += 2 + u16be(b, p) // offset size, then that many bytes of pad
  }
  return p < end && decodePppFrame(b, p, end, out)
}

function inner(protocol: number, b: Uint8Array, p: number, end: number, out: LinkResult): boolean {
  if (p >= end) return false
  if (protocol === ETHERTYPE_IPV4 || protocol === ETHERTYPE_IPV6) return ipByVersion(b, p, end, out) && out.etherType === protocol
  if (protocol === 0x6558) return decodeEthernet(b, p, end, out) // transparent Ethernet bridging
  return false
}
