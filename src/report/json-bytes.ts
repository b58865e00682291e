import {Buffer} from 'node:buffer'
import {jsonNumber} from './json-text.js'
import {isoTime, utcFields} from '../capture/timestamp.js'

/** Bytes per chunk handed out; a chunk is closed once less than CHUNK_SLACK bytes are left. */
const CHUNK_BYTES = 1 << 20
const CHUNK_SLACK = 4096
/** Up to this many bytes or characters, a loop copies faster than a call into Buffer's or
 * TypedArray's native code. */
const SHORT_COPY = 16
const POWERS_OF_TEN = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

/**
 * JSON written by hand straight into bytes: the tool's own ASCII text and numbers go into a
 * buffer with no string made per value (on a listing of 100 k flows the strings, their joins and
 * their garbage cost more than everything else). Filled chunks are collected in `chunks` and
 * never reused, so a consumer may hold them while they are written out.
 *
 * `ascii` is only for text known to be ASCII (addresses, times, names the tool chose); anything
 * from a capture must come as safeJsonStringify's text through `text`.
 */
export class JsonBytes {
  readonly chunks: Uint8Array[] = []
  private buf: Buffer
  /** `buf` as a DataView, for `frag`'s four-byte stores. */
  private view: DataView
  private pos = 0

  /** With a pool, a new chunk takes a buffer the writer handed back (see ChunkPool). */
  constructor(private readonly pool?: ChunkPool) {
    this.buf = pool?.take() ?? Buffer.allocUnsafe(CHUNK_BYTES)
    this.view = viewOf(this.buf)
  }

  /** Close the current chunk when it is nearly full (call between records). */
  breakIfFull(): void {
    if (this.pos > CHUNK_BYTES - CHUNK_SLACK) this.close()
  }

  /** The bytes written since the last `take`, as chunks (the writer starts a new chunk). */
  take(): Uint8Array[] {
    this.close()
    return this.chunks.splice(0)
  }

  private close(): void {
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos))
    this.setBuffer(this.pool?.take() ?? Buffer.allocUnsafe(CHUNK_BYTES))
    this.pos = 0
  }

  private setBuffer(buf: Buffer): void {
    this.buf = buf
    this.view = viewOf(buf)
  }

  /** Room for `n` bytes in the current chunk (a piece larger than a chunk gets its own). */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    if (n <= CHUNK_BYTES) {
      this.close()
      return
    }
    // A piece larger than a chunk: a buffer of its own (no pooled buffer taken for nothing).
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos))
    this.setBuffer(Buffer.allocUnsafe(n))
    this.pos = 0
  }

  /** A constant fragment (see `fragment`): four bytes per store, where a byte loop or
   * TypedArray.prototype.set's call took twice as long for the short keys and separators between
   * a record's values, the most frequent writes of a listing. */
  frag(f: Fragment): void {
    this.room(f.length)
    const words = f.words
    const view = this.view
    let at = this.pos
    for (let i = 0; i < words.length; i++) {
      view.setInt32(at, words[i]!)
      at += 4
    }
    const tail = f.tail
    const buf = this.buf
    for (let i = 0; i < tail.length; i++) buf[at++] = tail[i]!
    this.pos = at
  }

  /** Pre-encoded bytes (memoised text, a time's cached date part; constant JSON goes through
   * `frag`). A loop for a few bytes, where it beats TypedArray.prototype.set's call; set for
   * longer ones. */
  bytes(b: Uint8Array): void {
    const n = b.length
    this.room(n)
    const buf = this.buf
    if (n > SHORT_COPY) {
      buf.set(b, this.pos)
      this.pos += n
      return
    }
    let at = this.pos
    for (let i = 0; i < n; i++) buf[at++] = b[i]!
    this.pos = at
  }

  /** ASCII text the tool made itself. */
  ascii(s: string): void {
    const n = s.length
    this.room(n)
    if (n > 64) {
      this.pos += this.buf.write(s, this.pos, 'latin1')
      return
    }
    const buf = this.buf
    let at = this.pos
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i)
    this.pos = at
  }

  /** Per caller slot (a record's first and last time alternate): the second whose
   * date-and-time part `timeBase` holds. */
  private readonly timeSec = [Number.NaN, Number.NaN]
  private readonly timeBase: Uint8Array[] = [new Uint8Array(19), new Uint8Array(19)]
  private readonly nanos = new Uint8Array(9)

  /** `isoTime(sec, nsec, precision)`'s text, written without making it. `slot` (0 or 1) keeps
   * one cached second per kind of time, so alternating first and last times both hit. */
  isoTime(sec: number, nsec: number, precision: number, slot: 0 | 1): void {
    if (sec !== this.timeSec[slot]) {
      const t = utcFields(sec)
      if (!t) {
        // Outside the years 0000-9999: isoTime's own fallback text, not cached.
        this.ascii(isoTime(sec, nsec, precision, false))
        return
      }
      // YYYY-MM-DDTHH:MM:SS, as isoTime writes it.
      const b = this.timeBase[slot]!
      const two = (at: number, v: number): void => {
        b[at] = 48 + Math.floor(v / 10)
        b[at + 1] = 48 + (v % 10)
      }
      two(0, Math.floor(t.year / 100))
      two(2, t.year % 100)
      b[4] = 45
      two(5, t.month)
      b[7] = 45
      two(8, t.day)
      b[10] = 84
      two(11, t.hour)
      b[13] = 58
      two(14, t.minute)
      b[16] = 58
      two(17, t.second)
      this.timeSec[slot] = sec
    }
    this.bytes(this.timeBase[slot]!)
    const digits = Math.min(9, precision)
    this.room(digits + 2)
    const buf = this.buf
    if (digits > 0) {
      const d = this.nanos
      // Below 10^9: int32 arithmetic (V8 turns the division by ten into a multiplication).
      let m = nsec | 0
      for (let i = 8; i >= 0; i--) {
        const q = (m / 10) | 0
        d[i] = 48 + m - q * 10
        m = q
      }
      buf[this.pos++] = 46
      for (let i = 0; i < digits; i++) buf[this.pos++] = d[i]!
    }
    buf[this.pos++] = 90
  }

  /** Any text, as UTF-8 (already escaped JSON from safeJsonStringify). */
  text(s: string): void {
    const n = s.length
    if (n > SHORT_COPY) {
      // Measured only when the chunk might not hold it (UTF-8 takes at most 3 bytes per UTF-16
      // unit): measuring is a pass over the text as long as the write itself.
      if (this.pos + 3 * n > this.buf.length) this.room(Buffer.byteLength(s, 'utf8'))
      this.pos += this.buf.write(s, this.pos, 'utf8')
      return
    }
    // Short text (indents, separators, keys, small values) is mostly ASCII: copied by a loop, a
    // fraction of the cost of Buffer's write call; the first non-ASCII character sends it to
    // write after all.
    this.room(3 * n)
    const buf = this.buf
    let at = this.pos
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c > 127) {
        this.pos += buf.write(s, this.pos, 'utf8')
        return
      }
      buf[at++] = c
    }
    this.pos = at
  }

  byte(c: number): void {
    this.room(1)
    this.buf[this.pos++] = c
  }

  /** A non-negative integer below 2^53, as its decimal digits. */
  uint(n: number): void {
    this.room(16)
    const buf = this.buf
    if (n < 10) {
      buf[this.pos++] = 48 + n
      return
    }
    if (n <= 0x7fffffff) {
      // Ids, ports, counts and frame numbers fit in 31 bits: int32 arithmetic, whose division by
      // ten V8 makes a multiplication, is ~3× faster than Math.floor on doubles.
      let m = n | 0
      let at = this.pos + (m < 100 ? 2 : m < 1000 ? 3 : m < 10000 ? 4 : m < 100000 ? 5 : m < 1000000 ? 6 : m < 10000000 ? 7 : m < 100000000 ? 8 : m < 1000000000 ? 9 : 10)
      this.pos = at
      do {
        const q = (m / 10) | 0
        buf[--at] = 48 + m - q * 10
        m = q
      } while (m > 0)
      return
    }
    let digits = 0
    for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++
    let at = this.pos + digits
    this.pos = at
    for (let m = n; m >= 1; m = Math.floor(m / 10)) buf[--at] = 48 + (m % 10)
  }

  /**
   * `count / 1e9` as JSON.stringify writes it, for an integer count of nanoseconds (a duration),
   * without making the string (see `scaled`).
   */
  nanosAsSeconds(count: number): void {
    if (!this.scaled(count, 9)) this.ascii(jsonNumber(count / 1e9))
  }

  /**
   * `value` as JSON.stringify writes it, without making the string when it is a non-negative
   * multiple of 10^-digits (milliseconds to the microsecond: digits 3); through jsonNumber
   * otherwise.
   */
  decimal(value: number | null, digits: number): void {
    if (value !== null && value >= 0) {
      const scale = POWERS_OF_TEN[digits]!
      const count = Math.round(value * scale)
      // The same double: its shortest text is the count's (see `scaled`).
      if (count / scale === value && this.scaled(count, digits)) return
    }
    this.number(value)
  }

  /**
   * `count / 10^digits` (digits 1 to 9) as JSON.stringify writes it, for an integer count; false,
   * having written nothing, for any other count. Below 10^15 the count's decimal text,
   * `int.fraction` with the fraction's trailing zeros dropped, has at most 15 significant digits:
   * no other decimal of that length rounds to the same double (DBL_DIG is 15), so it is the
   * shortest text that does, which is what Number's toString prints (plain notation from 10^-6
   * up, hence the lower bound).
   */
  private scaled(count: number, digits: number): boolean {
    const scale = POWERS_OF_TEN[digits]!
    if (!(Number.isInteger(count) && count >= 0 && count < 1e15 && (count === 0 || count * 1e6 >= scale))) return false
    const whole = Math.floor(count / scale)
    let fraction = count - whole * scale
    if (fraction < 0 || fraction >= scale) return false
    this.uint(whole)
    if (fraction === 0) return true
    let kept = digits
    while (fraction % 10 === 0) {
      fraction /= 10
      kept--
    }
    this.room(kept + 1)
    const buf = this.buf
    buf[this.pos] = 46
    let at = this.pos + kept
    this.pos = at + 1
    for (let i = 0; i < kept; i++) {
      const q = (fraction / 10) | 0
      buf[at--] = 48 + fraction - q * 10
      fraction = q
    }
    return true
  }

  /** A number as JSON.stringify writes it (see jsonNumber). */
  number(n: number | null): void {
    if (n !== null && Number.isInteger(n) && n >= 0 && n < 9007199254740992) this.uint(n)
    else this.ascii(jsonNumber(n))
  }

  /** An IPv4 address held as a 32-bit number, dotted. */
  ipv4(v: number): void {
    this.uint(v >>> 24)
    this.byte(46)
    this.uint((v >>> 16) & 255)
    this.byte(46)
    this.uint((v >>> 8) & 255)
    this.byte(46)
    this.uint(v & 255)
  }
}

/**
 * Chunk buffers handed back once written out, for the JsonBytes making the next chunks: a report
 * of 100 MB is otherwise a hundred dead mebibyte buffers that V8 collects only when their
 * external memory adds up (about 50 MB of `analyze`'s peak on the 1 GiB bench capture). Only a
 * writer that is done with a chunk, its bytes written and no reference kept, may release it;
 * chunks never released are never reused.
 */
export class ChunkPool {
  private readonly free: Buffer[] = []

  /** The written chunk's buffer may be filled again (only whole-chunk buffers are kept). */
  release(chunk: Uint8Array): void {
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === CHUNK_BYTES && this.free.length < MAX_FREE_CHUNKS) {
      this.free.push(Buffer.from(chunk.buffer as ArrayBuffer, 0, CHUNK_BYTES))
    }
  }

  take(): Buffer | undefined {
    return this.free.pop()
  }
}

const MAX_FREE_CHUNKS = 4

/** Constant JSON text (ASCII) made ready once for JsonBytes.frag: its bytes as big-endian 32-bit
 * words, and the zero to three bytes left over. */
export interface Fragment {
  readonly length: number
  readonly words: Int32Array
  readonly tail: Uint8Array
}

export function fragment(text: string): Fragment {
  const bytes = Buffer.from(text, 'latin1')
  const whole = bytes.length >> 2
  const words = new Int32Array(whole)
  for (let i = 0; i < whole; i++) words[i] = bytes.readInt32BE(4 * i)
  return {length: bytes.length, words, tail: Uint8Array.from(bytes.subarray(4 * whole))}
}

function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
}
