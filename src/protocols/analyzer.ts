/**
 * The contract between the flow table and the protocol analyzers (src/protocols/<name>/).
 *
 * Analyzers are streaming: during the single read of the capture, every TCP/UDP packet that
 * carries payload is offered to the analyzers active on its flow, in capture order. An analyzer
 * looks only at the packets that can carry what it wants (handshakes, the first RTP packets)
 * and then steps aside by returning false from `feed`; when no analyzer is left on a flow the
 * flow costs nothing more. Several analyzers may share one flow (WebRTC multiplexes STUN, DTLS
 * and RTP on one 5-tuple, RFC 7983): each ignores the packets that are not its own.
 *
 * Analyzers never throw on bad bytes (every length is checked before it is read), keep bounded
 * state per flow, and copy from `packet.data` only what they keep (it is a view into a reused
 * buffer, valid during the call only).
 */

export interface Endpoint {
  ip: string
  port: number
}

/** The flow an analyzer works on. */
export interface FlowInfo {
  id: number
  transport: 'tcp' | 'udp'
  client: Endpoint
  server: Endpoint
  /** The tunnel the flow travels in, if any (e.g. 'gtp-u'). */
  tunnel?: string
}

/** Where and when a packet was seen: what Evidence is made of. */
export interface PacketPlace {
  /** 1-based frame number in its capture (Wireshark's frame.number). */
  frame: number
  /** Index of the capture file (several files can be read in one run). */
  capture: number
  sec: number
  nsec: number
}

/** One packet's payload, in capture order. The object is reused between calls. */
export interface PayloadPacket extends PacketPlace {
  toServer: boolean
  /**
   * TCP payload (segment data) or the whole UDP datagram payload (reassembled if fragmented), as
   * a view made on first use: per-packet hot paths that only peek at a few bytes (RTP counting,
   * RFC 7983 demultiplexing) read `bytes[start, end)` instead and cost no view per packet.
   */
  readonly data: Uint8Array
  /** The buffer holding the payload at [start, end) (a reused read buffer: valid during the call only). */
  readonly bytes: Uint8Array
  readonly start: number
  readonly end: number
  /** TCP sequence number of data[0]; 0 for UDP. */
  seq: number
  /** TCP flags of the segment (SYN 0x02, FIN 0x01, RST 0x04); 0 for UDP. */
  tcpFlags: number
  /** TCP: sequence number of the first byte of this direction's stream (ISN + 1) when the
   * handshake was captured, else -1. Pass it to TcpByteStream.push. -1 for UDP. */
  streamStart: number
}

const NO_BYTES = new Uint8Array(0)

/**
 * The PayloadPacket the collector (and analyzers handing bytes on to another) fill and reuse.
 * Making a `subarray` view costs ~0.1 µs, as much as counting an RTP packet, so the view is made
 * only when an analyzer asks for `data`.
 */
export class ReusedPayloadPacket implements PayloadPacket {
  frame = 0
  capture = 0
  sec = 0
  nsec = 0
  toServer = true
  bytes: Uint8Array = NO_BYTES
  start = 0
  end = 0
  seq = 0
  tcpFlags = 0
  streamStart = -1
  /** The view of bytes[start, end), once made for this packet. */
  private view: Uint8Array | undefined = NO_BYTES

  get data(): Uint8Array {
    return (this.view ??= this.bytes.subarray(this.start, this.end))
  }

  /** The payload is now bytes[start, end). */
  setPayload(bytes: Uint8Array, start: number, end: number): void {
    this.bytes = bytes
    this.start = start
    this.end = end
    this.view = undefined
  }

  /** The payload is now all of `data` (which becomes the view itself). */
  setData(data: Uint8Array): void {
    this.bytes = data
    this.start = 0
    this.end = data.length
    this.view = data
  }
}

/** A packet that carries no bytes, only where it was seen (evidence for a message cut short). */
export function placeOnlyPacket(place: PacketPlace, toServer: boolean): ReusedPayloadPacket {
  const packet = new ReusedPayloadPacket()
  copyPacketPlace(packet, place)
  packet.toServer = toServer
  return packet
}

/** A packet holding `data` at `place`, e.g. for tests. */
export function payloadPacketOf(data: Uint8Array, place: PacketPlace & Partial<Pick<PayloadPacket, 'toServer' | 'seq' | 'tcpFlags' | 'streamStart'>>): PayloadPacket {
  const packet = placeOnlyPacket(place, place.toServer ?? true)
  packet.setData(data)
  packet.seq = place.seq ?? 0
  packet.tcpFlags = place.tcpFlags ?? 0
  packet.streamStart = place.streamStart ?? -1
  return packet
}

/** Copy where and when a packet was seen (frame, capture, time) onto a reused packet object: an
 * analyzer that hands bytes on to another (OpenVPN's control channel to TLS) or remembers the last
 * packet for later evidence (DTLS) keeps one object instead of a copy per packet. */
export function copyPacketPlace(to: PacketPlace, from: PacketPlace): void {
  to.frame = from.frame
  to.capture = from.capture
  to.sec = from.sec
  to.nsec = from.nsec
}

/** Where a fact was seen: the frame a reader can open in Wireshark, and when. */
export interface Evidence {
  frame: number
  capture: number
  /** ISO-8601 UTC with the capture's precision. */
  time: string
}

/** Turns a packet's time into Evidence; given to analyzers so they need not know precision. */
export type EvidenceOf = (packet: PacketPlace) => Evidence

/** Payload packets per flow an analyzer sees unless it asks for more. */
export const DEFAULT_PACKET_BUDGET = 256

export interface ProtocolAnalyzer<State = unknown, Facts = unknown> {
  /** Short lowercase name, also the key of its facts in the flow record: 'dns', 'tls', ... */
  readonly name: string
  /**
   * Whether to start on this flow, judged from its first payload packet (either direction):
   * ports and cheap byte heuristics. Must not throw. Called once per flow.
   */
  probe(flow: FlowInfo, packet: PayloadPacket): boolean
  /**
   * Payload packets of a flow this analyzer is shown at most (default DEFAULT_PACKET_BUDGET).
   * Analyzers that count every packet of a stream (RTP, Zoom media) raise it; the rest have
   * what they want (handshakes, the first requests) long before.
   */
  readonly packetBudget?: number
  /** Fresh per-flow state. */
  start(flow: FlowInfo, evidenceOf: EvidenceOf): State
  /** Offer a packet of the flow (including the one that was probed). Return false to step aside. */
  feed(state: State, packet: PayloadPacket): boolean
  /** The facts learned, JSON-serialisable with a fixed key order, or undefined if nothing. */
  finish(state: State): Facts | undefined
  /**
   * Short human lines for `flows --detail`, e.g. `SNI ministry.zoom.us (frame 14)`. Raw text
   * from the capture: the renderer neutralises it, so do not escape here.
   */
  describe(facts: Facts): string[]
}
