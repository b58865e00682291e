/**
 * MaxMind DB data section encoder (MaxMind DB File Format Specification 2.0, "Output Data
 * Section"). Every field starts with a control byte: the top 3 bits hold the type (1..7), or 0
 * for an "extended" type whose number minus 7 follows in the next byte; the low 5 bits hold the
 * payload size (< 29 directly; 29, 30, 31 mean 1, 2 or 3 more size bytes, biased by 29, 285 and
 * 65821). Identical values are written once and referred to by pointers (type 1), which keeps the
 * data section small when many networks share a record (an ASN table has ~500k ranges, ~80k
 * distinct holders).
 */
import {isTyped, type MmdbMap, type MmdbValue} from './values.js'

const TYPE = {
  pointer: 1,
  utf8: 2,
  double: 3,
  bytes: 4,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  uint128: 10,
  array: 11,
  boolean: 14,
  float: 15,
} as const

/** Growable byte buffer. */
class ByteSink {
  buffer = Buffer.alloc(1 << 16)
  length = 0

  reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return
    let size = this.buffer.length * 2
    while (size < this.length + extra) size *= 2
    const next = Buffer.alloc(size)
    this.buffer.copy(next, 0, 0, this.length)
    this.buffer = next
  }

  byte(value: number): void {
    this.reserve(1)
    this.buffer[this.length++] = value
  }

  bytes(values: Uint8Array): void {
    this.reserve(values.length)
    this.buffer.set(values, this.length)
    this.length += values.length
  }

  contents(): Buffer {
    return this.buffer.subarray(0, this.length)
  }
}

export class DataEncoder {
  private readonly sink = new ByteSink()
  /** Serialised value → offset where it was written, for pointer deduplication. */
  private readonly written = new Map<string, number>()

  /**
   * @param dedupe write repeated values as pointers. False for the metadata section: readers
   *   decode it on its own, and pointers there would be relative to a different base.
   */
  constructor(private readonly dedupe = true) {}

  /**
   * Encode a value and return its offset from the start of the data section. A value written
   * before returns its first offset (the search tree then points straight at it, no pointer).
   */
  write(value: MmdbValue): number {
    const key = this.dedupe ? dedupeKey(value) : undefined
    const previous = key === undefined ? undefined : this.written.get(key)
    return previous ?? this.encode(value)
  }

  get size(): number {
    return this.sink.length
  }

  contents(): Buffer {
    return this.sink.contents()
  }

  private encode(value: MmdbValue): number {
    const key = this.dedupe ? dedupeKey(value) : undefined
    if (key !== undefined) {
      const previous = this.written.get(key)
      if (previous !== undefined) return this.pointer(previous)
    }
    const offset = this.sink.length
    this.encodeFresh(value)
    if (key !== undefined) this.written.set(key, offset)
    return offset
  }

  /** Emit a pointer to `target`; returns the offset of the pointer itself. */
  private pointer(target: number): number {
    const offset = this.sink.length
    // Pointer sizes (spec "Pointer - 1"): SS=0: 11 bits; SS=1: 19 bits + 2048;
    // SS=2: 27 bits + 526336; SS=3: 32-bit value, the 3 low control bits unused.
    if (target < 2048) {
      this.sink.byte((TYPE.pointer << 5) | (target >> 8))
      this.sink.byte(target & 0xff)
    } else if (target < 2048 + 524288) {
      const v = target - 2048
      this.sink.byte((TYPE.pointer << 5) | (1 << 3) | (v >> 16))
      this.sink.byte((v >> 8) & 0xff)
      this.sink.byte(v & 0xff)
    } else if (target < 526336 + 134217728) {
      const v = target - 526336
      this.sink.byte((TYPE.pointer << 5) | (2 << 3) | (v >>> 24))
      this.sink.byte((v >>> 16) & 0xff)
      this.sink.byte((v >>> 8) & 0xff)
      this.sink.byte(v & 0xff)
    } else {
      this.sink.byte((TYPE.pointer << 5) | (3 << 3))
      const b = Buffer.alloc(4)
      b.writeUInt32BE(target)
      this.sink.bytes(b)
    }
    return offset
  }

  private control(type: number, size: number): void {
    const sizeBytes: number[] = []
    let sizeField = size
    if (size >= 65821) {
      const v = size - 65821
      if (v > 0xffffff) throw new RangeError(`MMDB field too large (${size})`)
      sizeField = 31
      sizeBytes.push((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    } else if (size >= 285) {
      const v = size - 285
      sizeField = 30
      sizeBytes.push(v >> 8, v & 0xff)
    } else if (size >= 29) {
      sizeField = 29
      sizeBytes.push(size - 29)
    }
    if (type <= 7) {
      this.sink.byte((type << 5) | sizeField)
    } else {
      // Extended type: type bits 0, next byte = type - 7, then the size bytes.
      this.sink.byte(sizeField)
      this.sink.byte(type - 7)
    }
    for (const b of sizeBytes) this.sink.byte(b)
  }

  private encodeFresh(value: MmdbValue): void {
    if (typeof value === 'string') {
      const bytes = Buffer.from(value, 'utf8')
      this.control(TYPE.utf8, bytes.length)
      this.sink.bytes(bytes)
    } else if (typeof value === 'boolean') {
      this.control(TYPE.boolean, value ? 1 : 0) // the size field is the value
    } else if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0 && value <= 0xffffffff) this.unsigned(TYPE.uint32, BigInt(value), 4)
      else if (Number.isInteger(value) && value < 0 && value >= -0x80000000) this.int32(value)
      else this.double(value)
    } else if (typeof value === 'bigint') {
      if (value < 0n) throw new RangeError('MMDB has no signed 64/128-bit type')
      if (value < 1n << 64n) this.unsigned(TYPE.uint64, value, 8)
      else this.unsigned(TYPE.uint128, value, 16)
    } else if (value instanceof Uint8Array) {
      this.control(TYPE.bytes, value.length)
      this.sink.bytes(value)
    } else if (Array.isArray(value)) {
      this.control(TYPE.array, value.length)
      for (const item of value) this.encode(item)
    } else if (isTyped(value)) {
      const v = value.value
      switch (value.mmdbType) {
        case 'uint16': this.unsigned(TYPE.uint16, BigInt(v), 2); break
        case 'uint32': this.unsigned(TYPE.uint32, BigInt(v), 4); break
        case 'uint64': this.unsigned(TYPE.uint64, BigInt(v), 8); break
        case 'uint128': this.unsigned(TYPE.uint128, BigInt(v), 16); break
        case 'int32': this.int32(Number(v)); break
        case 'double': this.double(Number(v)); break
        case 'float': {
          this.control(TYPE.float, 4)
          const b = Buffer.alloc(4)
          b.writeFloatBE(Number(v))
          this.sink.bytes(b)
          break
        }
      }
    } else {
      this.map(value)
    }
  }

  private map(value: MmdbMap): void {
    // Keys sorted so equal maps serialise identically (determinism and deduplication).
    const keys = Object.keys(value).sort()
    this.control(TYPE.map, keys.length)
    for (const key of keys) {
      this.encode(key)
      this.encode(value[key] as MmdbValue)
    }
  }

  /** Unsigned integers are stored big-endian in as few bytes as needed (0 bytes for zero). */
  private unsigned(type: number, value: bigint, maxBytes: number): void {
    if (value < 0n || value >= 1n << BigInt(maxBytes * 8)) throw new RangeError(`value ${value} out of range for MMDB type ${type}`)
    const bytes: number[] = []
    for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn))
    this.control(type, bytes.length)
    for (const b of bytes) this.sink.byte(b)
  }

  private int32(value: number): void {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`value ${value} out of range for int32`)
    if (value >= 0) {
      this.unsigned(TYPE.int32, BigInt(value), 4)
      return
    }
    // Negative values need all 4 bytes so the sign bit is present.
    const b = Buffer.alloc(4)
    b.writeInt32BE(value)
    this.control(TYPE.int32, 4)
    this.sink.bytes(b)
  }

  private double(value: number): void {
    const b = Buffer.alloc(8)
    b.writeDoubleBE(value)
    this.control(TYPE.double, 8)
    this.sink.bytes(b)
  }
}

/** Key for deduplication: only values whose encoding is larger than a pointer are worth it. */
function dedupeKey(value: MmdbValue): string | undefined {
  if (typeof value === 'string') return value.length >= 3 ? `s${value}` : undefined
  if (typeof value === 'object' && !(value instanceof Uint8Array) && !isTyped(value)) return `j${stableJson(value)}`
  return undefined
}

function stableJson(value: MmdbValue): string {
  if (typeof value === 'bigint') return `"${value}n"`
  if (value instanceof Uint8Array) return `"b${Buffer.from(value).toString('hex')}"`
  if (isTyped(value)) return `{"t":"${value.mmdbType}","v":"${String(value.value)}"}`
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson(value[k] as MmdbValue)}`).join(',')}}`
  }
  // Distinguish 1 (uint32) from "1" and from 1.5 (double): JSON does that already.
  return JSON.stringify(value)
}
