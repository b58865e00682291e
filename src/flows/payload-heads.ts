/**
 * The first payload bytes of each flow, per direction, kept for the protocol parsers that come
 * after the flow table (DNS, TLS, QUIC, STUN, RTP...). Capped per flow, so memory stays
 * O(flows): parsers only need handshakes and the first packets of a stream.
 */

export interface PayloadSegment {
  frame: number
  capture: number
  sec: number
  nsec: number
  /** true: client to server. */
  toServer: boolean
  /** A copy of the transport payload (TCP segment data, whole UDP datagram). */
  data: Uint8Array
}

export interface PayloadHeadOptions {
  /** Segments kept per direction. */
  maxSegments: number
  /** Payload bytes kept per direction. */
  maxBytes: number
}

export const DEFAULT_HEAD_OPTIONS: PayloadHeadOptions = {maxSegments: 16, maxBytes: 16 * 1024}

export interface PayloadHead {
  segments: PayloadSegment[]
  /** Bytes kept so far, [toServer, toClient]. */
  held: [number, number]
  /** Segments kept so far, [toServer, toClient]. */
  count: [number, number]
}

export class PayloadHeads {
  /** Flow id → head. */
  readonly byFlow = new Map<number, PayloadHead>()

  constructor(readonly options: PayloadHeadOptions = DEFAULT_HEAD_OPTIONS) {}

  add(flowId: number, toServer: boolean, frame: number, capture: number, sec: number, nsec: number, payload: Uint8Array): void {
    if (payload.length === 0) return
    let head = this.byFlow.get(flowId)
    if (!head) {
      head = {segments: [], held: [0, 0], count: [0, 0]}
      this.byFlow.set(flowId, head)
    }
    const dir = toServer ? 0 : 1
    if (head.count[dir] >= this.options.maxSegments) return
    const room = this.options.maxBytes - head.held[dir]
    if (room <= 0) return
    const data = payload.slice(0, room)
    head.segments.push({frame, capture, sec, nsec, toServer, data})
    head.held[dir] += data.length
    head.count[dir]++
  }

  /** Drop the heads of flows no longer in the table (after eviction). */
  retain(liveIds: Set<number>): void {
    for (const id of this.byFlow.keys()) if (!liveIds.has(id)) this.byFlow.delete(id)
  }
}
