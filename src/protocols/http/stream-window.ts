/**
 * A consumable window over one direction of a TCP stream, built on `TcpByteStream` (in-order
 * reassembly). `TcpByteStream` keeps the stream from its first byte, up to its cap; a parser that
 * reads message after message (HTTP keep-alive) consumes what it has read, and skips bodies it
 * does not want without buffering more than half the window. To do so the window restarts the
 * reassembler at the first unconsumed sequence number once half its room is consumed (or skipped)
 * and nothing is waiting behind a hole (restarting then loses nothing); segments that end before
 * that point are dropped by the reassembler itself (RFC 9293 §3.4 modular arithmetic).
 */
import {TcpByteStream} from '../tcp-byte-stream.js'

const EMPTY = new Uint8Array(0)

export class StreamWindow {
  /** Created on the first segment: many directions never carry one. */
  private stream: TcpByteStream | null = null
  /** Sequence number of `stream.bytes[0]`, or -1 before the first segment. */
  private base = -1
  /** Bytes of `stream.bytes` already consumed (may exceed its length when skipping ahead). */
  private consumed = 0

  constructor(private readonly maxBytes = 64 * 1024) {}

  /** Add a segment (`streamStart` as in `PayloadPacket`). */
  push(seq: number, data: Uint8Array, streamStart: number): void {
    if (this.base < 0) this.base = streamStart >= 0 ? streamStart >>> 0 : seq >>> 0
    this.stream ??= new TcpByteStream(this.maxBytes)
    this.stream.push(seq, data, this.base)
    this.compact()
  }

  /** The unconsumed contiguous bytes (a view: copy what you keep). */
  get view(): Uint8Array {
    if (!this.stream) return EMPTY
    const bytes = this.stream.bytes
    return this.consumed >= bytes.length ? bytes.subarray(bytes.length) : bytes.subarray(this.consumed)
  }

  /** Whether `seq` lies beyond the next byte this direction expects (a hole before it). */
  isAhead(seq: number): boolean {
    if (this.base < 0) return false
    const next = (this.base + Math.max(this.consumed, this.stream?.bytes.length ?? 0)) >>> 0
    const distance = (seq - next) >>> 0
    return distance > 0 && distance < 0x80000000
  }

  /** Mark `n` bytes consumed; `n` may run past what has arrived (a body being skipped). */
  consume(n: number): void {
    this.consumed += n
    this.compact()
  }

  /** Drop the buffer for good: the window reads nothing more (its view is empty from now on). */
  release(): void {
    this.stream = null
  }

  /** At the cap with nothing left to compact: the unconsumed bytes fill the whole window. */
  get full(): boolean {
    return this.stream?.full ?? false
  }

  private compact(): void {
    // Restart only once half the room is spent (consumed, or skipped ahead): a restart
    // allocates, and most messages are small enough to be consumed in place.
    if (!this.stream || this.consumed < this.maxBytes / 2 || this.stream.hasGap) return
    const bytes = this.stream.bytes
    // A view: pushing it back moves it to the front of the same buffer (a typed array set()
    // from an overlapping view of its own buffer copies as if through a temporary).
    const rest = this.consumed < bytes.length ? bytes.subarray(this.consumed) : EMPTY
    this.base = (this.base + this.consumed) >>> 0
    this.consumed = 0
    this.stream.restart()
    if (rest.length > 0) this.stream.push(this.base, rest, this.base)
  }
}
