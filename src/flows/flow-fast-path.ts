import {i32be, u16be} from '../capture/bytes.js'
import {ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_8021Q, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW} from '../decode/link-layer.js'
import {PROTO_TCP, PROTO_UDP, TCP_SYN} from '../decode/net-layer.js'
import {tcpHeaderReadable, tcpPayloadStart, udpPayloadEnd} from '../decode/ip-layer.js'
import {mayBeUdpTunnel} from '../decode/tunnels.js'
import {hasPcapdroidTrailer} from '../decode/pcapdroid-trailer.js'
import type {RawPacketTaker} from '../capture/packet-record.js'
import type {FlowTable} from './flow-table.js'
import {packetSignature} from './packet-signature.js'

/**
 * The packet most captures are made of, counted straight from its bytes: TCP, or UDP off the
 * tunnel ports, of a flow the table already holds, in an unfragmented IPv4 packet or an IPv6
 * packet without extension headers, framed by Ethernet II (with at most one 802.1Q tag), Linux
 * cooked headers (SLL, SLL2: `tcpdump -i any`) or nothing (raw IP). For such a packet the
 * general path (PacketRecord, PacketDecoder's NetLayer, FlowTable.lookup, the collector's
 * per-layer loop) comes down to finding the flow, counting the packet, following TCP and, while
 * protocol analyzers run, handing them the payload: done here from the record's position, with
 * no object filled in between.
 *
 * `take` answers false, having changed nothing the general path depends on, for every other
 * packet: new flows and SYNs that start a new connection on a reused 4-tuple (creation and
 * orientation stay in one place, FlowTable.create), fragments, tunnels, other link layers and
 * shims (a second VLAN tag, MPLS, PPPoE...), a transport header the general path would reject
 * or count as undecoded, and a full table (lookup grows or evicts first). Same decisions as the
 * general path, byte for byte: test/flows/flow-fast-path.test.ts pins each decline on raw bytes
 * and reads every fixture and corpus capture both ways.
 */
export class FlowFastPath implements RawPacketTaker {
  private readonly src6 = new Uint32Array(4)
  private readonly dst6 = new Uint32Array(4)

  /**
   * @param inspect when protocol analyzers run: the collector's hand-over of a packet's payload
   *   to them, called as the general path calls it (after counting), unless they are done with
   *   the flow (FlowTable.inspect 2).
   */
  constructor(
    private readonly table: FlowTable,
    private readonly inspect?: PayloadInspector,
  ) {}

  /** Count the packet at b[o, o + capLen) if it is of the common kind above; false otherwise. */
  take(b: Uint8Array, o: number, capLen: number, origLen: number, sec: number, nsec: number, linkType: number, frame: number): boolean {
    // Where the IP header starts, as decodeLink finds it for a frame carrying IP directly.
    let etherType: number
    let ip: number
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        if (capLen < 14) return false
        // PCAPdroid's frames name the Android app in a trailer: the general path reads it. Their
        // destination MAC is zero, which no real frame's is (many real ones start with a 0 byte).
        if ((b[o]! | b[o + 1]! | b[o + 2]! | b[o + 3]! | b[o + 4]! | b[o + 5]!) === 0 && hasPcapdroidTrailer(b, o, o + capLen)) return false
        etherType = u16be(b, o + 12)
        ip = o + 14
        if (etherType === ETHERTYPE_8021Q) {
          // One 802.1Q tag (IEEE 802.1Q §9.6: TCI, then the EtherType), stepped over as
          // decodeEtherType does; a second tag goes the general way.
          if (capLen < 18) return false
          etherType = u16be(b, o + 16)
          ip = o + 18
        }
        break
      case LINKTYPE_LINUX_SLL:
        if (capLen < 16) return false
        etherType = u16be(b, o + 14)
        ip = o + 16
        break
      case LINKTYPE_LINUX_SLL2:
        if (capLen < 20) return false
        etherType = u16be(b, o)
        ip = o + 20
        break
      case LINKTYPE_RAW:
        if (capLen < 1) return false
        etherType = b[o]! >> 4 === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6
        ip = o
        break
      case LINKTYPE_IPV4:
        etherType = ETHERTYPE_IPV4
        ip = o
        break
      case LINKTYPE_IPV6:
        etherType = ETHERTYPE_IPV6
        ip = o
        break
      default:
        return false
    }
    const end = o + capLen
    let ipEnd: number
    let proto: number
    let l4: number
    let slot: number
    let sport: number
    let dport: number
    const table = this.table
    if (etherType === ETHERTYPE_IPV4) {
      // RFC 791 §3.1, as decodeIpv4 reads it.
      if (end - ip < 20) return false
      const first = b[ip]!
      if (first >> 4 !== 4) return false
      const headerLength = (first & 0x0f) * 4
      if (headerLength < 20 || end - ip < headerLength) return false
      // Any fragment (More Fragments or an offset) goes the general way, to the fragment tracker.
      if ((u16be(b, ip + 6) & 0x3fff) !== 0) return false
      proto = b[ip + 9]!
      if (proto !== PROTO_TCP && proto !== PROTO_UDP) return false
      const totalLength = u16be(b, ip + 2)
      ipEnd = totalLength === 0 ? end : Math.min(end, ip + totalLength)
      if (ipEnd < ip + headerLength) ipEnd = ip + headerLength
      l4 = ip + headerLength
      if (!transportReadable(b, l4, ipEnd, proto)) return false
      sport = u16be(b, l4)
      dport = u16be(b, l4 + 2)
      if (proto === PROTO_UDP && mayBeUdpTunnel(sport, dport)) return false
      slot = table.existing4(proto, i32be(b, ip + 12), i32be(b, ip + 16), sport, dport)
    } else if (etherType === ETHERTYPE_IPV6) {
      // RFC 8200 §3, TCP or UDP as the first next header (no extension header to walk).
      if (end - ip < 40 || b[ip]! >> 4 !== 6) return false
      proto = b[ip + 6]!
      if (proto !== PROTO_TCP && proto !== PROTO_UDP) return false
      const payloadLength = u16be(b, ip + 4)
      ipEnd = payloadLength === 0 ? end : Math.min(end, ip + 40 + payloadLength)
      l4 = ip + 40
      if (!transportReadable(b, l4, ipEnd, proto)) return false
      sport = u16be(b, l4)
      dport = u16be(b, l4 + 2)
      if (proto === PROTO_UDP && mayBeUdpTunnel(sport, dport)) return false
      const src = this.src6
      const dst = this.dst6
      for (let i = 0; i < 4; i++) {
        src[i] = i32be(b, ip + 8 + 4 * i)
        dst[i] = i32be(b, ip + 24 + 4 * i)
      }
      slot = table.existing6(proto, src, dst, sport, dport)
    } else {
      return false
    }
    if (slot < 0) return false
    const senderIsA = table.senderIsA
    const tcp = proto === PROTO_TCP
    const flags = tcp ? b[l4 + 13]! : 0
    // 32-bit words travel as int32 (i32be): see there. trackTcp stores seq in a Uint32Array,
    // the others take either form.
    const seq = tcp ? i32be(b, l4 + 4) : 0
    // A SYN with a fresh initial sequence number starts a new flow: lookup makes it.
    if ((flags & TCP_SYN) !== 0 && table.startsNewConnection(slot, flags, seq, senderIsA)) return false
    table.noteSignature(slot, packetSignature(b, ip, l4, ipEnd, proto), sec, nsec, frame)
    table.count1(slot, senderIsA, origLen, sec, nsec)
    if (tcp) table.trackTcp(slot, senderIsA, flags, seq, sec, nsec)
    const inspect = this.inspect
    if (inspect !== undefined && table.inspect[slot] !== 2) {
      const start = payloadStart(b, l4, ipEnd, proto)
      const end = payloadEnd(b, l4, ipEnd, proto)
      if (end > start) inspect(slot, senderIsA === (table.clientIsA[slot] === 1), b, start, end, seq, flags, frame, sec, nsec)
    }
    return true
  }
}

/** How the collector offers a flow's payload bytes[start, end) to the protocol analyzers; `seq`
 * may come as int32 or uint32 (the same 32 bits). */
export type PayloadInspector = (slot: number, toServer: boolean, bytes: Uint8Array, start: number, end: number, seq: number, tcpFlags: number, frame: number, sec: number, nsec: number) => void

/** Whether decodeTransport would decode the TCP or UDP (RFC 768: 8 bytes) header at l4;
 * otherwise the general path counts it as undecoded. */
function transportReadable(b: Uint8Array, l4: number, ipEnd: number, proto: number): boolean {
  return proto === PROTO_TCP ? tcpHeaderReadable(b, l4, ipEnd) : ipEnd - l4 >= 8
}

/** Where decodeTransport says the payload starts. */
function payloadStart(b: Uint8Array, l4: number, ipEnd: number, proto: number): number {
  return proto === PROTO_TCP ? tcpPayloadStart(b, l4, ipEnd) : l4 + 8
}

/** Where decodeTransport says the payload ends (an unfragmented packet: UDP's Length counts). */
function payloadEnd(b: Uint8Array, l4: number, ipEnd: number, proto: number): number {
  return proto === PROTO_TCP ? ipEnd : udpPayloadEnd(b, l4, ipEnd)
}
