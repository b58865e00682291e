/**
 * One decoded IP layer of a packet, filled in place: decoders never allocate per packet.
 * A tunnelled packet fills several of these, outermost first.
 */
export class NetLayer {
  /** 4 or 6; 0 when no IP header was found. */
  ipVersion = 0
  /** Source and destination address: IPv4 as one uint32 in [0], IPv6 as four big-endian words. */
  readonly src = new Uint32Array(4)
  readonly dst = new Uint32Array(4)
  /** IP protocol number of the transport (after IPv6 extension headers). */
  proto = 0
  sport = 0
  dport = 0
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  tcpFlags = 0
  tcpSeq = 0
  /** ICMP/ICMPv6 type, or -1. */
  icmpType = -1
  /** Fragment identification (IPv4 16-bit, IPv6 32-bit) and offset in bytes. */
  fragId = 0
  fragOffset = 0
  /** Where the fragmentable part starts, which fragOffset counts from: the transport header for
   * IPv4, the byte after the Fragment header for IPv6 (RFC 8200 §4.5: extension headers after it,
   * such as Destination Options, are part of the fragmented data). */
  fragDataStart = 0
  moreFragments = false
  /** True for any fragment (first or later) of a fragmented datagram. */
  isFragment = false
  /** The capture holds less of the IP packet than its header declares (snaplen cut). */
  truncated = false
  /** True when the transport header was decoded (ports are valid). */
  hasTransport = false
  /** Byte range of the IP packet and of the transport payload within the frame. */
  ipStart = 0
  ipEnd = 0
  l4Start = 0
  payloadStart = 0
  payloadEnd = 0
  /** Tunnel that carried this layer (TUNNEL_* constant), 0 for the outermost layer. */
  tunnel = 0
}

export const TUNNEL_NONE = 0
export const TUNNEL_GTPU = 1
export const TUNNEL_GRE = 2
export const TUNNEL_VXLAN = 3
export const TUNNEL_IPIP = 4
export const TUNNEL_6IN4 = 5
export const TUNNEL_TEREDO = 6
export const TUNNEL_GENEVE = 7
export const TUNNEL_IP6IP = 8
export const TUNNEL_CAPWAP = 9
export const TUNNEL_TZSP = 10
export const TUNNEL_L2TP = 11

export const TUNNEL_NAMES = ['', 'gtp-u', 'gre', 'vxlan', 'ipip', '6in4', 'teredo', 'geneve', 'ip-in-ipv6', 'capwap', 'tzsp', 'l2tp'] as const

export const PROTO_ICMP = 1
export const PROTO_IPIP = 4
export const PROTO_TCP = 6
export const PROTO_UDP = 17
export const PROTO_IPV6 = 41
export const PROTO_GRE = 47
export const PROTO_ICMPV6 = 58
export const PROTO_SCTP = 132

export const TCP_FIN = 0x01
export const TCP_SYN = 0x02
export const TCP_RST = 0x04
export const TCP_ACK = 0x10
