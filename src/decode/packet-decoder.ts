import type {PacketRecord} from '../capture/packet-record.js'
import {decodeIp} from './ip-layer.js'
import {decodeLink, type LinkResult} from './link-layer.js'
import {NetLayer, PROTO_UDP} from './net-layer.js'
import {findTunnel} from './tunnels.js'

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
    if (!decodeLink(record.linkType, b, record.offset, end, link)) {
      // decodeLink may have set it (TypeScript cannot see that through the call).
      this.lastFrameProtected = Boolean(link.protectedFrame)
      return 0
    }
    let count = 0
    let tunnel = 0
    for (;;) {
      const layer = this.layers[count]!
      if (!decodeIp(link.etherType, b, link.offset, end, layer)) return count
      layer.tunnel = tunnel
      count++
      if (count === MAX_LAYERS) return count
      tunnel = findTunnel(b, layer, link)
      if (tunnel === 0) return count
      // The inner packet cannot extend past the datagram (UDP) or IP packet that carries it.
      end = layer.proto === PROTO_UDP ? layer.payloadEnd : layer.ipEnd
    }
  }
}
