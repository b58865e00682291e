/** Unsigned integer reads on plain byte arrays. Callers check bounds first; these do not. */

export function u16le(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8)
}

export function u16be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000
}

export function u32be(b: Uint8Array, o: number): number {
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!)
}

/** The same four bytes as u32be, as a signed int32. Hot paths pass 32-bit words this way: V8
 * holds an int32 untagged (a small integer), while a uint32 of 2^31 or more leaving a function
 * that was not inlined, as a return value or an argument, becomes a heap-number allocation. */
export function i32be(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
}

export function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? u16le(b, o) : u16be(b, o)
}

export function u32(b: Uint8Array, o: number, le: boolean): number {
  return le ? u32le(b, o) : u32be(b, o)
}

/** Unsigned 64-bit value as a double (exact below 2^53; counters never get near that). */
export function u64(b: Uint8Array, o: number, le: boolean): number {
  return le ? u32le(b, o) + u32le(b, o + 4) * 4294967296 : u32be(b, o) * 4294967296 + u32be(b, o + 4)
}
