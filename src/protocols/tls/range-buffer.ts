/**
 * Reassembly of a byte sequence from pieces that arrive in any order and may overlap or repeat:
 * QUIC CRYPTO frames (offset + data, RFC 9000 §19.6) and DTLS handshake fragments
 * (fragment_offset + fragment_length, RFC 6347 §4.2.3). Bounded: bytes at or beyond `maxBytes`
 * are dropped (`truncated`), and at most MAX_RANGES disjoint ranges are tracked.
 */

const MAX_RANGES = 64

export class RangeBuffer {
  private buffer: Uint8Array
  /** Disjoint, sorted, non-adjacent [start, end) ranges received. */
  private readonly ranges: Array<[number, number]> = []
  /** A piece was (partly) dropped: beyond the cap, or too many holes. */
  truncated = false

  constructor(readonly maxBytes: number) {
    this.buffer = new Uint8Array(Math.min(maxBytes, 2048))
  }

  /** Store `data` at `offset`. Overlaps are written again (retransmissions carry the same bytes). */
  add(offset: number, data: Uint8Array): void {
    if (data.length === 0 || offset < 0 || !Number.isSafeInteger(offset)) return
    if (offset >= this.maxBytes) {
      this.truncated = true
      return
    }
    let piece = data
    if (offset + piece.length > this.maxBytes) {
      piece = piece.subarray(0, this.maxBytes - offset)
      this.truncated = true
    }
    const end = offset + piece.length
    if (!this.insertRange(offset, end)) {
      this.truncated = true
      return
    }
    if (end > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(this.buffer.length * 2, end)))
      grown.set(this.buffer)
      this.buffer = grown
    }
    this.buffer.set(piece, offset)
  }

  private insertRange(start: number, end: number): boolean {
    const ranges = this.ranges
    let i = 0
    while (i < ranges.length && ranges[i]![1] < start) i++
    // Merge every range that touches [start, end).
    let j = i
    let s = start
    let e = end
    while (j < ranges.length && ranges[j]![0] <= end) {
      s = Math.min(s, ranges[j]![0])
      e = Math.max(e, ranges[j]![1])
      j++
    }
    if (j === i && ranges.length >= MAX_RANGES) return false
    ranges.splice(i, j - i, [s, e])
    return true
  }

  /** Bytes received contiguously from offset 0. */
  get contiguous(): number {
    const first = this.ranges[0]
    return first && first[0] === 0 ? first[1] : 0
  }

  /** True when [0, length) has been received. */
  has(length: number): boolean {
    return this.contiguous >= length
  }

  /** A view of [start, end) of the buffer (only meaningful for received bytes). */
  view(start: number, end: number): Uint8Array {
    return this.buffer.subarray(Math.max(0, start), Math.min(end, this.buffer.length))
  }

  /** Highest offset received (exclusive). */
  get extent(): number {
    const last = this.ranges[this.ranges.length - 1]
    return last ? last[1] : 0
  }
}
