import type {PacketRecord} from '../capture/packet-record.js'
import {decodeIp, decodeTransport} from './ip-layer.js'
import {u16be} from '../capture/bytes.js'
import {decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINKTYPE_ETHERNET, type LinkResult} from './link-layer.js'
import {NetLayer, PROTO_UDP} from './net-layer.js'
import {findTunnel, mayBeTunnel} from './tunnels.js'

/** Tunnels inside tunnels are followed this deep, no further (a loop cannot hang us). */
export const MAX_LAYERS = 4

/**
 * Decodes a packet record into IP layers, outermost first, reusing the same objects for every
 * packet. `decode` returns how many layers were found (0 = no IP: ARP, non-IP link types...).
 */
export class PacketDecoder {
  readonly layers: NetLayer[] = Array.from({length: MAX_LAYERS}, () => new NetLayer())
  private readonly link: LinkResult = {offset: 0, etherType: 0, protectedFrame: false}
  /** Whether the last frame `decode` found no IP in was a protected (encrypted) 802.11 frame. */
  lastFrameProtected = false

  decode(record: PacketRecord): number {
    const b = record.buffer
    let end = record.offset + record.capLen
    const link = this.link
    link.protectedFrame = false
    const ethernetType = record.linkType === LINKTYPE_ETHERNET && end - record.offset >= 14 ? u16be(b, record.offset + 12) : 0
    if (ethernetType === ETHERTYPE_IPV4 || ethernetType === ETHERTYPE_IPV6) {
      // Plain Ethernet II carrying IP, most frames of most captures: no need for the general walk.
      link.offset = record.offset + 14
      link.etherType = ethernetType
    } else if (!decodeLink(record.linkType, b, record.offset, end, link)) {
      // decodeLink may have set it (TypeScript cannot see that through the call).
      this.lastFrameProtected = Boolean(link.protectedFrame)
      return 0
    }
    const first = this.layers[0]!
    if (!decodeIp(link.etherType, b, link.offset, end, first)) return 0
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
