/**
 * Splits a byte stream that arrives in chunks of any size into self-delimiting units
 * (a pcap record, a pcapng block). Units that lie wholly inside a chunk are handed out as
 * views of that chunk (zero-copy); only a unit that straddles a chunk boundary is copied
 * into a carry buffer, and that buffer is bounded by the largest unit a format allows.
 */

/** Returned by unitLength: the input is damaged here; `damage` says why. */
export const DAMAGED = -2

export interface Damage {
  /** Byte offset in the (decompressed) stream where the damage begins. */
  offset: number
  message: string
}

export abstract class RecordFramer {
  /** Offset in the stream of the next byte to consume. */
  protected streamOffset = 0
  private carry: Uint8Array = new Uint8Array(0)
  private carryLength = 0
  damage: Damage | undefined

  /** Bytes needed before unitLength can answer (the header of the next unit). */
  protected abstract headerNeeded(): number
  /** Largest unit accepted; the carry buffer never grows past it. */
  protected abstract readonly maxUnitBytes: number

  /**
   * Length of the unit starting at `pos` (with `avail` bytes present), or DAMAGED
   * after setting `this.damage`. Only called with avail >= headerNeeded(); has no side effect
   * but `damage`, since it may be asked again about the same carried bytes.
   */
  protected abstract unitLength(buf: Uint8Array, pos: number, avail: number): number

  /** Consume one complete unit. May set `this.damage` to stop reading. */
  protected abstract handleUnit(buf: Uint8Array, pos: number, length: number): void

  /**
   * The hot path: consume, in one tight loop, the ordinary units that lie whole in
   * `buf[pos, end)`, advancing `streamOffset`; stop at the first unit that needs the general
   * path (cut by the chunk's end, damaged, anything to warn about) and return its position.
   * The default consumes nothing.
   */
  protected wholeUnits(_buf: Uint8Array, pos: number, _end: number): number {
    return pos
  }

  get stopped(): boolean {
    return this.damage !== undefined
  }

  /** Offset of the next unread byte: where reading stopped if the input ended or was damaged. */
  get offset(): number {
    return this.streamOffset
  }

  /** Feed the next chunk. The chunk may be reused by the caller after this returns. */
  feed(chunk: Uint8Array): void {
    if (this.damage) return
    let pos = 0
    if (this.carryLength > 0) {
      pos = this.completeCarry(chunk)
      if (pos < 0 || this.damage) return
    }
    const end = chunk.length
    while (pos < end && !this.damage) {
      pos = this.wholeUnits(chunk, pos, end)
      if (pos >= end || this.damage) break
      const avail = end - pos
      if (avail < this.headerNeeded()) {
        this.stash(chunk, pos, avail)
        return
      }
      const length = this.unitLength(chunk, pos, avail)
      if (length === DAMAGED) return
      if (length > avail) {
        this.stash(chunk, pos, avail)
        return
      }
      this.handleUnit(chunk, pos, length)
      this.streamOffset += length
      pos += length
    }
  }

  /** Bytes left over at end of input that do not make a whole unit (0 if none). */
  get pendingBytes(): number {
    return this.carryLength
  }

  /** A view of the leftover bytes, for formats that can salvage a partial last unit. */
  protected pendingView(): Uint8Array {
    return this.carry.subarray(0, this.carryLength)
  }

  /** Append chunk bytes to the carried partial unit until it is whole; returns the position in
   * `chunk` after the unit, or -1 when the chunk was used up without completing it. */
  private completeCarry(chunk: Uint8Array): number {
    let pos = 0
    const need = this.headerNeeded()
    if (this.carryLength < need) {
      const take = Math.min(need - this.carryLength, chunk.length)
      this.append(chunk, 0, take)
      pos = take
      if (this.carryLength < need) return -1
    }
    const length = this.unitLength(this.carry, 0, this.carryLength)
    if (length === DAMAGED) return -1
    const take = Math.min(length - this.carryLength, chunk.length - pos)
    if (take > 0) this.append(chunk, pos, take)
    pos += Math.max(0, take)
    if (this.carryLength < length) return -1
    this.carryLength = 0
    this.handleUnit(this.carry, 0, length)
    this.streamOffset += length
    return pos
  }

  private stash(chunk: Uint8Array, pos: number, count: number): void {
    this.carryLength = 0
    this.append(chunk, pos, count)
  }

  private append(chunk: Uint8Array, pos: number, count: number): void {
    const needed = this.carryLength + count
    if (needed > this.carry.length) {
      const size = Math.min(Math.max(needed, this.carry.length * 2, 4096), this.maxUnitBytes)
      if (needed > size) throw new Error(`internal: carry of ${needed} bytes exceeds the unit cap`)
      const grown = new Uint8Array(size)
      grown.set(this.carry.subarray(0, this.carryLength))
      this.carry = grown
    }
    this.carry.set(chunk.subarray(pos, pos + count), this.carryLength)
    this.carryLength = needed
  }
}
