import {hashKey, KEY_WORDS} from './flow-table.js'

/**
 * Fragmented datagrams that arrived whole and whose flow is known, remembered for a while so
 * that a duplicate of one of their fragments (the same packet captured twice, on two interfaces
 * or through a mirror port) still counts on its flow.
 *
 * Held in typed arrays, with no object per datagram: thousands of them stay remembered for a
 * minute of capture time, and on the JavaScript heap they would outlive V8's young generation,
 * which grows with what survives it: the flows command's memory would then grow with the length
 * of the capture (issue 2: flat when the file doubles).
 *
 * A key is KEY_WORDS 32-bit words, as wide as a flow key and hashed the same way (see
 * FragmentTracker.keyWords: IP version and protocol, both addresses, the identification).
 * Entries live in a ring in the order they were added; when it is full the oldest is forgotten.
 * The index is open addressing with linear probing, deletion by backward shift (Knuth, TAOCP
 * vol. 3, §6.4, Algorithm R), so no tombstones pile up.
 */
const EMPTY = -1

export class CompletedDatagrams {
  private readonly keys: Uint32Array
  private readonly hashes: Int32Array
  private readonly slots: Int32Array
  private readonly senderIsA: Uint8Array
  private readonly lastSec: Float64Array
  /** 1 while the ring entry is in the index (0 once replaced by a newer datagram of the same key). */
  private readonly live: Uint8Array
  private readonly index: Int32Array
  private readonly mask: number
  /** Ring position of the oldest entry, and the number of entries. */
  private head = 0
  private count = 0

  constructor(private readonly capacity: number) {
    this.keys = new Uint32Array(capacity * KEY_WORDS)
    this.hashes = new Int32Array(capacity)
    this.slots = new Int32Array(capacity)
    this.senderIsA = new Uint8Array(capacity)
    this.lastSec = new Float64Array(capacity)
    this.live = new Uint8Array(capacity)
    let size = 16
    while (size < capacity * 2) size *= 2
    this.index = new Int32Array(size).fill(EMPTY)
    this.mask = size - 1
  }

  /** The entry of `key`, or -1 when none is remembered or its last fragment is more than
   * `timeoutSeconds` older than `now` (the tracker's own timeout for datagrams in progress). */
  find(key: Uint32Array, now: number, timeoutSeconds: number): number {
    const at = this.indexOf(key, hashKey(key))
    if (at < 0) return -1
    const entry = this.index[at]!
    return now - this.lastSec[entry]! <= timeoutSeconds ? entry : -1
  }

  /** Flow slot of an entry. */
  slot(entry: number): number {
    return this.slots[entry]!
  }

  /** Whether the entry's datagram was sent by endpoint A of its flow. */
  sentByA(entry: number): boolean {
    return this.senderIsA[entry] === 1
  }

  /** A duplicate fragment of the entry's datagram arrived at `sec`. */
  touch(entry: number, sec: number): void {
    this.lastSec[entry] = sec
  }

  /** Remember a datagram of `key`, replacing an older one of the same key. */
  add(key: Uint32Array, slot: number, senderIsA: boolean, lastSec: number): void {
    const hash = hashKey(key)
    const previous = this.indexOf(key, hash)
    if (previous >= 0) {
      this.live[this.index[previous]!] = 0
      this.removeAt(previous)
    }
    if (this.count === this.capacity) {
      const oldest = this.head
      if (this.live[oldest] === 1) this.removeAt(this.positionOf(oldest))
      this.head = (this.head + 1) % this.capacity
      this.count--
    }
    const entry = (this.head + this.count) % this.capacity
    this.count++
    this.keys.set(key, entry * KEY_WORDS)
    this.hashes[entry] = hash
    this.slots[entry] = slot
    this.senderIsA[entry] = senderIsA ? 1 : 0
    this.lastSec[entry] = lastSec
    this.live[entry] = 1
    let at = hash & this.mask
    while (this.index[at] !== EMPTY) at = (at + 1) & this.mask
    this.index[at] = entry
  }

  /** Forget everything (flow slots were renumbered). */
  clear(): void {
    this.index.fill(EMPTY)
    this.live.fill(0)
    this.head = 0
    this.count = 0
  }

  /** Index position holding `key`, or -1. */
  private indexOf(key: Uint32Array, hash: number): number {
    const keys = this.keys
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const entry = this.index[at]!
      if (entry === EMPTY) return -1
      if (this.hashes[entry] !== hash) continue
      const k = entry * KEY_WORDS
      let same = true
      for (let i = 0; i < KEY_WORDS && same; i++) same = keys[k + i] === key[i]
      if (same) return at
    }
  }

  /** Index position holding ring entry `entry` (which is in the index). */
  private positionOf(entry: number): number {
    let at = this.hashes[entry]! & this.mask
    while (this.index[at] !== entry) at = (at + 1) & this.mask
    return at
  }

  /** Empty index position `hole`, moving later entries of its probe run back into it. */
  private removeAt(hole: number): void {
    const index = this.index
    const mask = this.mask
    let i = hole
    let j = hole
    for (;;) {
      j = (j + 1) & mask
      const entry = index[j]!
      if (entry === EMPTY) break
      // The entry at j may move to i unless its home position lies cyclically in (i, j].
      const home = this.hashes[entry]! & mask
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue
      index[i] = entry
      i = j
    }
    index[i] = EMPTY
  }
}
