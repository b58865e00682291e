import type {PacketPlace} from '../protocols/analyzer.js'

/**
 * TCP segments that reached the capture before the segment holding their direction's first byte
 * (sent out of order, or the first segment lost and retransmitted later). The collector holds
 * them back until that first segment comes and then offers them in sequence order, so that the
 * analyzers probe a flow on the first bytes of its stream and read its messages whole, as
 * Wireshark does with `tcp.reassemble_out_of_order`. Only directions whose start is known (the
 * handshake was captured) are held.
 *
 * Bounded: a direction holds at most MAX_SEGMENTS segments, all flows together MAX_BYTES; past
 * either the segments are offered as they come, in capture order, as before.
 */
export interface HeldSegment extends PacketPlace {
  seq: number
  tcpFlags: number
  data: Uint8Array
}

/** Segments a direction may hold while its first segment is missing. */
export const MAX_SEGMENTS = 16
/** Bytes held in all, over every flow. */
const MAX_BYTES = 16 * 1024 * 1024

export class EarlySegments {
  /** Flow id * 2 + (0 toServer, 1 toClient) → segments in arrival order. */
  private readonly held = new Map<number, HeldSegment[]>()
  private bytes = 0

  /** Whether any segment is held (the collector's check before anything else). */
  get size(): number {
    return this.held.size
  }

  /** Hold a copy of bytes[start, end). False when a bound says to offer it now instead. */
  hold(flowId: number, toServer: boolean, bytes: Uint8Array, start: number, end: number, seq: number, tcpFlags: number, place: PacketPlace): boolean {
    const key = flowId * 2 + (toServer ? 0 : 1)
    let list = this.held.get(key)
    if ((list && list.length >= MAX_SEGMENTS) || this.bytes + (end - start) > MAX_BYTES) return false
    if (!list) this.held.set(key, (list = []))
    list.push({frame: place.frame, capture: place.capture, sec: place.sec, nsec: place.nsec, seq, tcpFlags, data: bytes.slice(start, end)})
    this.bytes += end - start
    return true
  }

  /**
   * Remove and return what a direction holds, in sequence order from `streamStart` (arrival order
   * among equal sequence numbers); undefined if nothing.
   */
  take(flowId: number, toServer: boolean, streamStart: number): HeldSegment[] | undefined {
    const key = flowId * 2 + (toServer ? 0 : 1)
    const list = this.held.get(key)
    if (!list) return undefined
    this.held.delete(key)
    for (const s of list) this.bytes -= s.data.length
    // Sort is stable: retransmissions keep their order.
    return list.sort((a, b) => ((a.seq - streamStart) >>> 0) - ((b.seq - streamStart) >>> 0))
  }

  /** The flow ids that hold something (ascending: a deterministic order for the end of the read). */
  flowIds(): number[] {
    return [...new Set([...this.held.keys()].map((key) => Math.floor(key / 2)))].sort((a, b) => a - b)
  }

  /** Flows evicted from the table: their segments go with them. */
  forget(flowIds: Iterable<number>): void {
    for (const id of flowIds) {
      for (const key of [id * 2, id * 2 + 1]) {
        const list = this.held.get(key)
        if (!list) continue
        for (const s of list) this.bytes -= s.data.length
        this.held.delete(key)
      }
    }
  }
}
