/**
 * A bounded big-endian reader for handshake parsing (TLS, DTLS, QUIC). Reading past the end never
 * throws and never reads outside the window: it yields 0 (or an empty view), sets `failed`, and
 * every later read fails too, so a parser can read a whole structure and check `failed` once.
 */
import {capText as capWireText, decodeWireText} from '../../util/wire-text.js'
export class ByteReader {
  /** A read went past the end of the window; every value read since is meaningless. */
  failed = false

  constructor(
    readonly data: Uint8Array,
    public pos = 0,
    readonly end = data.length,
  ) {
    if (this.end > data.length) this.end = data.length
    if (this.pos > this.end) this.failed = true
  }

  get remaining(): number {
    return this.failed ? 0 : this.end - this.pos
  }

  private has(n: number): boolean {
    if (this.failed || n < 0 || this.pos + n > this.end) {
      this.failed = true
      return false
    }
    return true
  }

  u8(): number {
    if (!this.has(1)) return 0
    return this.data[this.pos++]!
  }

  u16(): number {
    if (!this.has(2)) return 0
    const d = this.data
    const v = (d[this.pos]! << 8) | d[this.pos + 1]!
    this.pos += 2
    return v
  }

  u24(): number {
    if (!this.has(3)) return 0
    const d = this.data
    const v = (d[this.pos]! << 16) | (d[this.pos + 1]! << 8) | d[this.pos + 2]!
    this.pos += 3
    return v
  }

  u32(): number {
    if (!this.has(4)) return 0
    const d = this.data
    const v = ((d[this.pos]! << 24) | (d[this.pos + 1]! << 16) | (d[this.pos + 2]! << 8) | d[this.pos + 3]!) >>> 0
    this.pos += 4
    return v
  }

  /** 48-bit unsigned (DTLS record sequence numbers). */
  u48(): number {
    const high = this.u16()
    return high * 0x100000000 + this.u32()
  }

  /** A view of the next `n` bytes (not a copy). */
  take(n: number): Uint8Array {
    if (!this.has(n)) return EMPTY
    const v = this.data.subarray(this.pos, this.pos + n)
    this.pos += n
    return v
  }

  skip(n: number): void {
    if (this.has(n)) this.pos += n
  }

  /** A reader over the next `n` bytes; this reader moves past them. */
  sub(n: number): ByteReader {
    if (!this.has(n)) return FAILED_READER()
    const r = new ByteReader(this.data, this.pos, this.pos + n)
    this.pos += n
    return r
  }

  /** Length-prefixed vectors of RFC 8446 §3.4: `opaque x<0..2^8-1>` and friends. */
  vec8(): ByteReader {
    return this.sub(this.u8())
  }

  vec16(): ByteReader {
    return this.sub(this.u16())
  }

  vec24(): ByteReader {
    return this.sub(this.u24())
  }

  /**
   * QUIC variable-length integer (RFC 9000 §16): the two high bits of the first byte give the
   * length (1, 2, 4, 8 bytes). Values above 2^53 cannot be represented here and fail the read.
   */
  varint(): number {
    if (!this.has(1)) return 0
    const first = this.data[this.pos]!
    const length = 1 << (first >> 6)
    if (!this.has(length)) return 0
    let v = first & 0x3f
    for (let i = 1; i < length; i++) v = v * 256 + this.data[this.pos + i]!
    this.pos += length
    if (v > Number.MAX_SAFE_INTEGER) {
      this.failed = true
      return 0
    }
    return v
  }

  /** Big-endian u16 list filling the rest of this reader (odd trailing byte fails the read). */
  u16List(max: number): number[] {
    const out: number[] = []
    while (this.remaining >= 2) {
      const v = this.u16()
      if (out.length < max) out.push(v)
    }
    if (this.remaining !== 0) this.failed = true
    return out
  }

  u8List(max: number): number[] {
    const out: number[] = []
    while (this.remaining >= 1) {
      const v = this.u8()
      if (out.length < max) out.push(v)
    }
    return out
  }
}

const EMPTY = new Uint8Array(0)

function FAILED_READER(): ByteReader {
  const r = new ByteReader(EMPTY)
  r.failed = true
  return r
}

/** Longest text kept from a capture (SNI, ALPN, certificate fields...), in characters. */
export const MAX_TEXT = 255

/**
 * Text from the wire, kept raw but bounded: UTF-8 with each invalid byte as a visible `\xHH`,
 * cut to `max` characters with a mark (see util/wire-text.ts). Renderers neutralise control
 * characters.
 */
export function wireText(bytes: Uint8Array, max = MAX_TEXT): string {
  return decodeWireText(bytes, max)
}

/** Cut a string from a library (e.g. an X.509 field) to `max` characters, with a mark. */
export function capText(text: string, max = MAX_TEXT): string {
  return capWireText(text, max)
}

export function hex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16)
  return s
}

/** `0x1301`-style four-digit hex of a 16-bit code point. */
export function hex4(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0')
}
