/**
 * A reader of ASN.1 aligned PER (ITU-T X.691, BASIC-PER ALIGNED), the encoding of H.225.0's
 * messages: bits read most significant first, some fields aligned on the next octet. Only the
 * forms H.225.0's call-signalling messages need up to their aliases and vendor. Every read is
 * checked against the end: past it, `ok` turns false and reads give 0, so a caller decodes on and
 * tests `ok` once.
 */
export class PerReader {
  /** Position in bits from the start of `b`. */
  private bit: number
  private readonly endBit: number
  ok = true

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    end: number,
  ) {
    this.bit = start * 8
    this.endBit = end * 8
  }

  /** `n` bits (n ≤ 24) as an unsigned number. */
  bits(n: number): number {
    if (!this.ok || this.bit + n > this.endBit) {
      this.ok = false
      return 0
    }
    let v = 0
    for (let i = 0; i < n; i++, this.bit++) v = (v << 1) | ((this.bytes[this.bit >> 3]! >> (7 - (this.bit & 7))) & 1)
    return v
  }

  bool(): boolean {
    return this.bits(1) === 1
  }

  /** Skip to the next octet boundary (X.691 §10.1.3: octet-aligned fields). */
  align(): void {
    this.bit = (this.bit + 7) & ~7
  }

  /** The byte offset the reader is at (aligned first). */
  octet(): number {
    this.align()
    return this.bit >> 3
  }

  /** Skip `n` octets (aligned first). */
  skipOctets(n: number): void {
    this.align()
    if (!this.ok || this.bit + n * 8 > this.endBit) {
      this.ok = false
      return
    }
    this.bit += n * 8
  }

  /** A constrained whole number in [lb, lb + range) (X.691 §11.5.7, aligned variant): a bit-field
   * of the fewest bits up to a range of 255, one aligned octet for 256, two aligned octets up to 64K. */
  constrained(lb: number, range: number): number {
    if (range <= 1) return lb
    if (range <= 255) return lb + this.bits(Math.ceil(Math.log2(range)))
    this.align()
    if (range === 256) return lb + this.bits(8)
    if (range <= 65536) return lb + this.bits(16)
    // Longer ranges (not used by the fields read here) take a length first (§11.5.7.4).
    const octets = this.constrained(1, 4)
    return lb + this.bits(Math.min(24, octets * 8))
  }

  /** An unconstrained length determinant (X.691 §11.9.3.6-8): one or two aligned octets; a
   * fragmented length (over 16K items) is not followed and makes the read fail. */
  length(): number {
    this.align()
    const first = this.bits(8)
    if ((first & 0x80) === 0) return first
    if ((first & 0xc0) === 0x80) return ((first & 0x3f) << 8) | this.bits(8)
    this.ok = false
    return 0
  }

  /** A normally small non-negative whole number (X.691 §11.6): the index of a CHOICE's extension
   * alternative, or the count of a SEQUENCE's extension additions less one. */
  normallySmall(): number {
    if (!this.bool()) return this.bits(6)
    return this.length()
  }

  /** A CHOICE index: `root` alternatives before the extension marker (X.691 §23); -1 - index for
   * an extension alternative (whose value follows as an open type). */
  choice(root: number, extensible: boolean): number {
    if (extensible && this.bool()) return -1 - this.normallySmall()
    return this.constrained(0, root)
  }

  /** Skip an open type (X.691 §11.2: a length, then that many octets). */
  skipOpenType(): void {
    this.skipOctets(this.length())
  }

  /** Octets [start, end) of `n` octets read aligned, or undefined past the end. */
  octets(n: number): {start: number; end: number} | undefined {
    const start = this.octet()
    this.skipOctets(n)
    return this.ok ? {start, end: start + n} : undefined
  }

  /**
   * Skip a SEQUENCE's extension additions (X.691 §19.7): when its extension bit was set, a
   * bitmap of which additions are present, then each as an open type.
   */
  skipExtensionAdditions(): void {
    const count = this.normallySmall() + 1
    let present = 0
    for (let i = 0; i < count; i++) if (this.bool()) present++
    for (let i = 0; i < present && this.ok; i++) this.skipOpenType()
  }
}

/** A structure a reader does not follow (a field of many forms it does not read, bytes that end
 * too soon): the read ends with what it had. */
export class Unfollowed extends Error {}

/** Throw Unfollowed once `r` has read past its end. */
export function check(r: PerReader): void {
  if (!r.ok) throw new Unfollowed()
}
