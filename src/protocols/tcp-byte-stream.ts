/**
 * In-order reassembly of one direction of a TCP connection, for analyzers that need a byte
 * stream (TLS records, HTTP headers). Bounded: it keeps at most `maxBytes` of stream and a few
 * out-of-order segments. Sequence numbers wrap modulo 2^32 (RFC 9293 §3.4).
 */
const EMPTY = new Uint8Array(0)

export class TcpByteStream {
  private buffer: Uint8Array
  private length = 0
  private base = -1
  private readonly pending: Array<{offset: number; data: Uint8Array}> = []
  /** Bytes beyond the cap were dropped. */
  truncated = false

  constructor(
    private readonly maxBytes = 64 * 1024,
    private readonly maxPending = 32,
  ) {
    // Sized on first use: most streams hold one short handshake, and a 4 KiB buffer per
    // direction of every flow showed up as garbage-collector time on busy captures.
    this.buffer = EMPTY
  }

  /**
   * Add a segment. `streamStart` is the sequence number of the first byte of the stream when
   * the handshake was seen (ISN + 1), or -1 when it was not: the first segment then starts it.
   */
  push(seq: number, data: Uint8Array, streamStart = -1): void {
    if (data.length === 0) return
    if (this.base < 0) this.base = streamStart >= 0 ? streamStart >>> 0 : seq >>> 0
    let offset = (seq - this.base) >>> 0
    let bytes = data
    if (offset >= 0x80000000) {
      // Starts before the stream start: keep only the part after it.
      const before = 0x100000000 - offset
      if (before >= bytes.length) return
      bytes = bytes.subarray(before)
      offset = 0
    }
    if (offset > this.length) {
      if (this.pending.length < this.maxPending && offset < this.maxBytes) this.pending.push({offset, data: bytes.slice(0, this.maxBytes - offset)})
      return
    }
    this.append(offset, bytes)
    if (this.pending.length > 0) drainPending(this.pending, () => this.length, (p) => this.append(p.offset, p.data))
  }

  /**
   * Make room for `bytes` of stream (capped at `maxBytes`) at once, when the caller knows how
   * much is coming (a TLS record's length): growing by doubling from a few hundred bytes made
   * five or six buffers for one certificate record, and allocating them cost more than copying.
   */
  reserve(bytes: number): void {
    const size = Math.min(this.maxBytes, bytes)
    if (size <= this.buffer.length) return
    const grown = new Uint8Array(size)
    grown.set(this.buffer.subarray(0, this.length))
    this.buffer = grown
  }

  private append(offset: number, data: Uint8Array): void {
    const skip = this.length - offset
    if (skip >= data.length) return
    let fresh = data.subarray(skip)
    const room = this.maxBytes - this.length
    if (fresh.length > room) {
      fresh = fresh.subarray(0, room)
      this.truncated = true
    }
    if (this.length + fresh.length > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(this.buffer.length * 2, this.length + fresh.length, 256)))
      grown.set(this.buffer.subarray(0, this.length))
      this.buffer = grown
    }
    this.buffer.set(fresh, this.length)
    this.length += fresh.length
  }


  /**
   * Forget the first `n` bytes held (read already): the stream now starts `n` bytes further on,
   * and the cap bounds what is held rather than the whole connection. A reader that consumes
   * the stream as it goes (a call's media framed in TCP: TURN over TCP, ICE-TCP) so reads all of
   * it. Segments that come again for forgotten bytes (retransmissions) are dropped as before the
   * stream start.
   */
  discard(n: number): void {
    const count = Math.min(n, this.length)
    if (count <= 0) return
    this.buffer.copyWithin(0, count, this.length)
    this.length -= count
    this.base = (this.base + count) >>> 0
    // Waiting segments lie beyond the held bytes (offset > length), so their offsets stay positive.
    for (const p of this.pending) p.offset -= count
  }

  /** The contiguous bytes from the start of the stream (a view; copy to keep). */
  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length)
  }

  /** True when segments are waiting behind a hole (a lost or not captured segment). */
  get hasGap(): boolean {
    return this.pending.length > 0
  }

  /** Segments waiting behind the hole. */
  get waiting(): number {
    return this.pending.length
  }

  /**
   * Stop waiting for the hole (the capture missed those bytes): what is held before it is
   * dropped and the stream goes on from the earliest waiting segment, with those that follow on
   * from it. For readers that can pick a text protocol up again at its next element.
   */
  skipGap(): void {
    if (this.pending.length === 0) return
    let first = this.pending[0]!.offset
    for (const p of this.pending) first = Math.min(first, p.offset)
    this.base = (this.base + first) >>> 0
    for (const p of this.pending) p.offset -= first
    this.length = 0
    drainPending(this.pending, () => this.length, (p) => this.append(p.offset, p.data))
  }

  get full(): boolean {
    return this.length >= this.maxBytes
  }
}

/**
 * Append the out-of-order segments waiting in `pending` that now touch the stream's end
 * (`end()`, re-read after each append), earliest arrival first, until none does.
 */
export function drainPending<T extends {offset: number}>(pending: T[], end: () => number, append: (segment: T) => void): void {
  for (let progress = true; progress; ) {
    progress = false
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!
      if (p.offset <= end()) {
        pending.splice(i, 1)
        append(p)
        progress = true
        break
      }
    }
  }
}
