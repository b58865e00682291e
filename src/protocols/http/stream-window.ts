/**
 * A consumable window over one direction of a TCP stream: in-order reassembly (the arithmetic of
 * `TcpByteStream`) for a parser that reads message after message (HTTP keep-alive), consumes what
 * it has read, and skips bodies it does not want.
 *
 * The window counts the stream from its first byte, up to a cap of `maxBytes`, and keeps a few
 * out-of-order segments. Once half its room is consumed (or skipped) and nothing is waiting
 * behind a hole, it restarts the count at the first unconsumed sequence number (restarting then
 * loses nothing); segments that end before that point are dropped (RFC 9293 §3.4 modular
 * arithmetic).
 *
 * Unlike `TcpByteStream`, it stores only the bytes not consumed yet: a body being skipped is
 * counted as it arrives but never copied, so the buffer holds little more than the message head
 * being read. Most segments of an HTTP connection are such body bytes. The view handed out is
 * kept until the window changes, since the parser asks for it (and its length) several times per
 * segment.
 */
import {drainPending} from '../tcp-byte-stream.js'

const EMPTY = new Uint8Array(0)
/** Out-of-order segments kept while waiting for a hole to fill (as `TcpByteStream`). */
const MAX_PENDING = 32
/** Smallest buffer allocated. */
const MIN_BUFFER = 256

interface PendingSegment {
  /** Offset in the stream (from `base`). */
  offset: number
  /** A copy: the packet's bytes are reused by the reader. */
  data: Uint8Array
}

export class StreamWindow {
  /** Sequence number of stream offset 0, or -1 before the first segment. */
  private base = -1
  /** Bytes of the stream already consumed (may exceed `length` when skipping ahead). */
  private consumed = 0
  /** Contiguous bytes received from offset 0 (at most `maxBytes`). */
  private length = 0
  /** False before the first segment and once released: the stream counts nothing then. */
  private started = false
  /** Segments beyond a hole, in arrival order. */
  private pending: PendingSegment[] = []
  /** Holds stream bytes [stored, length): all the unconsumed ones, [consumed, length). */
  private buffer: Uint8Array = EMPTY
  /** Stream offset of `buffer[0]` (bytes before `consumed` in it are stale). */
  private stored = 0
  /** `view`, made on first use after a change. */
  private unconsumed: Uint8Array | null = EMPTY

  constructor(private readonly maxBytes = 64 * 1024) {}

  /** Add a segment (`streamStart` as in `PayloadPacket`). */
  push(seq: number, data: Uint8Array, streamStart: number): void {
    if (this.base < 0) this.base = streamStart >= 0 ? streamStart >>> 0 : seq >>> 0
    this.started = true
    this.add(seq, data)
    this.compact()
  }

  /** The unconsumed contiguous bytes (a view: copy what you keep; valid until the next change). */
  get view(): Uint8Array {
    this.unconsumed ??= this.consumed >= this.length ? EMPTY : this.buffer.subarray(this.consumed - this.stored, this.length - this.stored)
    return this.unconsumed
  }

  /** Number of unconsumed contiguous bytes (`view.length`, without making the view). */
  get available(): number {
    return Math.max(0, this.length - this.consumed)
  }

  /** Whether `seq` lies beyond the next byte this direction expects (a hole before it). */
  isAhead(seq: number): boolean {
    if (this.base < 0) return false
    const next = (this.base + Math.max(this.consumed, this.length)) >>> 0
    const distance = (seq - next) >>> 0
    return distance > 0 && distance < 0x80000000
  }

  /** Mark `n` bytes consumed; `n` may run past what has arrived (a body being skipped). */
  consume(n: number): void {
    this.consumed += n
    this.unconsumed = null
    this.compact()
  }

  /** Drop the buffer for good: the window reads nothing more (its view is empty from now on). */
  release(): void {
    this.started = false
    this.length = 0
    this.pending = []
    this.buffer = EMPTY
    this.stored = 0
    this.unconsumed = null
  }

  /** At the cap with nothing left to compact: the window counts `maxBytes` of stream. */
  get full(): boolean {
    return this.length >= this.maxBytes
  }

  /** Place a segment in the stream, then any waiting segments it lets through. */
  private add(seq: number, data: Uint8Array): void {
    if (data.length === 0) return
    let offset = (seq - this.base) >>> 0
    let from = 0
    if (offset >= 0x80000000) {
      // Starts before the stream start: keep only the part after it.
      from = 0x100000000 - offset
      if (from >= data.length) return
      offset = 0
    }
    if (offset > this.length) {
      if (this.pending.length < MAX_PENDING && offset < this.maxBytes) this.pending.push({offset, data: data.slice(from, from + this.maxBytes - offset)})
      return
    }
    this.append(offset, data, from)
    if (this.pending.length > 0) drainPending(this.pending, () => this.length, (p) => this.append(p.offset, p.data, 0))
  }

  /**
   * `data[from..]`, which starts at stream offset `offset` (at most `length`): extend the stream
   * by its new bytes, up to the cap, storing only those not consumed yet.
   */
  private append(offset: number, data: Uint8Array, from: number): void {
    const skip = this.length - offset
    if (skip >= data.length - from) return
    const end = Math.min(this.length + (data.length - from - skip), this.maxBytes)
    // New stream bytes [length, end) are data[first..]; those before `consumed` are not kept.
    const keepFrom = Math.max(this.length, this.consumed)
    if (keepFrom < end) {
      if (this.consumed >= this.length) this.stored = keepFrom // nothing unconsumed held: start over
      this.reserve(end - this.stored)
      const first = from + skip + (keepFrom - this.length)
      const count = end - keepFrom
      const bytes = first === 0 && count === data.length ? data : data.subarray(first, first + count)
      this.buffer.set(bytes, keepFrom - this.stored)
    }
    this.length = end
    this.unconsumed = null
  }

  /** Room in `buffer` for `size` bytes from `stored`, dropping its stale consumed bytes first. */
  private reserve(size: number): void {
    if (size <= this.buffer.length) return
    if (this.consumed > this.stored) {
      // Only [consumed, length) is worth keeping: move it to the front.
      this.buffer.copyWithin(0, this.consumed - this.stored, this.length - this.stored)
      size -= this.consumed - this.stored
      this.stored = this.consumed
      if (size <= this.buffer.length) return
    }
    const grown = new Uint8Array(Math.min(this.maxBytes, Math.max(this.buffer.length * 2, size, MIN_BUFFER)))
    const held = this.length - this.stored
    if (held > 0) grown.set(this.buffer.subarray(0, held))
    this.buffer = grown
  }

  private compact(): void {
    // Restart the count only once half the room is spent (consumed, or skipped ahead), and not
    // while segments wait behind a hole (their offsets count from the current start).
    if (!this.started || this.consumed < this.maxBytes / 2 || this.pending.length > 0) return
    if (this.consumed < this.length) {
      this.buffer.copyWithin(0, this.consumed - this.stored, this.length - this.stored)
      this.length -= this.consumed
    } else {
      this.length = 0
    }
    this.stored = 0
    this.base = (this.base + this.consumed) >>> 0
    this.consumed = 0
    this.unconsumed = null
  }
}
