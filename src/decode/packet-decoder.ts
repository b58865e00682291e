import type {PacketRecord} from '../capture/packet-record.js'
import {decodeIp, decodeTransport} from './ip-layer.js'
import {u16be} from '../capture/bytes.js'
import {decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINKTYPE_ETHERNET, type LinkResult} from './link-layer.js'
import {NetLayer, PROTO_UDP} from './net-layer.js'
import {findTunnel, mayBeTunnel} from './tunnels.js'
import {amsduSubframe} from './ieee80211.js'

/** Tunnels inside tunnels are followed this deep, no further (a loop cannot hang us). */
export const MAX_LAYERS = 4

/** Most A-MSDU subframes read from one frame: more than the largest MPDU 802.11ac/ax allow (11 454
 * octets) holds of the smallest subframes that carry IP (14 + 8 + 20 octets, padded to 44). */
export const MAX_AMSDU_SUBFRAMES = 264

/**
 * Decodes a packet record into IP layers, outermost first, reusing the same objects for every
 * packet. `decode` returns how many layers were found (0 = no IP: ARP, non-IP link types...).
 *
 * A frame may hold several packets: an IEEE 802.11 A-MSDU (IEEE 802.11-2020 §9.3.2.2) one per
 * subframe. `decode` then gives the first subframe's packet (0 when it holds no IP or cannot be
 * read), and while `morePackets` is true each `decodeNext` gives the next one's, into the same
 * layers; the record's bytes must stay put until then.
 */
export class PacketDecoder {
  readonly layers: NetLayer[] = Array.from({length: MAX_LAYERS}, () => new NetLayer())
  private readonly link: LinkResult = {offset: 0, etherType: 0, protectedFrame: false, amsdu: -1, packetEnd: 0, nextSubframe: -1}
  /** Whether the last frame `decode` found no IP in was a protected (encrypted) 802.11 frame. */
  lastFrameProtected = false
  /** Whether the frame `decode` read has packets `decodeNext` has not given yet. */
  morePackets = false
  /** The A-MSDU being split: its frame's bytes, where it starts, where its next subframe starts,
   * where the captured frame ends, the subframes read. */
  private frame: Uint8Array = new Uint8Array(0)
  private aggregateStart = 0
  private subframe = -1
  private frameEnd = 0
  private subframes = 0

  decode(record: PacketRecord): number {
    const b = record.buffer
    let end = record.offset + record.capLen
    const link = this.link
    link.protectedFrame = false
    link.amsdu = -1
    this.morePackets = false
    const ethernetType = record.linkType === LINKTYPE_ETHERNET && end - record.offset >= 14 ? u16be(b, record.offset + 12) : 0
    if (ethernetType === ETHERTYPE_IPV4 || ethernetType === ETHERTYPE_IPV6) {
      // Plain Ethernet II carrying IP, most frames of most captures: no need for the general walk.
      link.offset = record.offset + 14
      link.etherType = ethernetType
    } else if (!decodeLink(record.linkType, b, record.offset, end, link)) {
      // decodeLink may have set them (TypeScript cannot see that through the call).
      this.lastFrameProtected = Boolean(link.protectedFrame)
      const amsdu = link.amsdu as number
      if (amsdu < 0) return 0
      this.frame = b
      this.aggregateStart = this.subframe = amsdu
      this.frameEnd = end
      this.subframes = 0
      return this.decodeNext()
    }
    const first = this.layers[0]!
    if (!decodeIp(link.etherType, b, link.offset, end, first)) return 0
    first.tunnel = 0
    return this.tunnelsIn(b, 1)
  }

  /**
   * The packet of the next A-MSDU subframe of the frame `decode` read (see `morePackets`): its
   * layers, 0 when it holds no IP or cannot be read. A malformed subframe ends the frame; past
   * MAX_AMSDU_SUBFRAMES subframes, the rest of the frame is given as one packet without IP.
   */
  decodeNext(): number {
    const p = this.subframe
    this.subframe = -1
    this.morePackets = false
    if (p < 0 || ++this.subframes > MAX_AMSDU_SUBFRAMES) return 0
    const link = this.link
    const b = this.frame
    const found = amsduSubframe(b, this.aggregateStart, p, this.frameEnd, link)
    const next = link.nextSubframe as number
    if (next >= 0) {
      this.subframe = next
      this.morePackets = true
    }
    if (!found) return 0
    const first = this.layers[0]!
    if (!decodeIp(link.etherType, b, link.offset, link.packetEnd as number, first)) return 0
    first.tunnel = 0
    return this.tunnelsIn(b, 1)
  }

  /**
   * The layers inside a datagram reassembled from IP fragments (`datagram`: its IP payload, the
   * transport or tunnel header first; `proto`: the IP protocol of its packet). Layer 0 is the
   * datagram itself; the tunnel it carries, if any, is followed as `decode` follows one.
   */
  decodeDatagram(datagram: Uint8Array, proto: number, ipVersion: number): number {
    const layer = this.layers[0]!
    layer.ipVersion = ipVersion
    layer.isFragment = false
    layer.moreFragments = false
    layer.fragOffset = 0
    layer.truncated = false
    layer.ipStart = 0
    layer.l4Start = 0
    layer.ipEnd = datagram.length
    layer.proto = proto
    layer.tunnel = 0
    decodeTransport(datagram, 0, datagram.length, layer, proto)
    return this.tunnelsIn(datagram, 1)
  }

  /** Follow tunnels from layers[count - 1] inwards; returns the number of layers in all. */
  private tunnelsIn(b: Uint8Array, count: number): number {
    const link = this.link
    for (;;) {
      const outer = this.layers[count - 1]!
      if (count === MAX_LAYERS || !mayBeTunnel(outer)) return count
      const tunnel = findTunnel(b, outer, link)
      if (tunnel === 0) return count
      // The inner packet cannot extend past the datagram (UDP) or IP packet that carries it.
      const end = outer.proto === PROTO_UDP ? outer.payloadEnd : outer.ipEnd
      const layer = this.layers[count]!
      if (!decodeIp(link.etherType, b, link.offset, end, layer)) return count
      layer.tunnel = tunnel
      count++
    }
  }
}
