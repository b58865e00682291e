/**
 * Does an RTP stream's payload look encrypted (SRTP, RFC 3711) or plain? SRTP encrypts only the
 * payload with a stream cipher (AES-CM/GCM), so the header stays readable and the payload bytes
 * are indistinguishable from uniform random. Plain media is not: G.711 is companded PCM with a
 * skewed byte distribution and distinctive silence bytes (PCMU 0xFF/0x7F, PCMA 0xD5/0x55), and
 * compressed codecs, though high in entropy, start every payload with a structured byte (Opus TOC,
 * RFC 6716 §3.1: the same config in most packets of a stream; VP8 payload descriptor; H.264 NAL
 * header) whereas SRTP makes that first byte vary like the rest.
 *
 * The verdict therefore needs two measurements over the first packets of a stream:
 *   - byte entropy of the payloads, compared with what a uniform source gives for the same sample
 *     size (the plug-in estimate is biased low by about 255 / (2 n ln 2) bits, Miller-Madow);
 *   - the share of packets whose first payload byte is the stream's most common one.
 * "encrypted": entropy within 0.1 bit of uniform AND first byte varying (share < 30 %).
 * "plain": entropy at least 0.3 bit below uniform (at the sample sizes used, several standard
 * deviations: a stream cipher cannot produce it), or G.711 with silence bytes, or entropy 0.12 bit
 * below uniform with a stable first byte (share ≥ 50 %).
 * Anything else is "unknown": e.g. a stable first byte on random-looking data is what an app's
 * own encryption behind a clear codec header would show, and we cannot tell.
 */

export type ContentVerdict = 'encrypted' | 'plain' | 'unknown'

export interface ContentAssessment {
  verdict: ContentVerdict
  reason: string
  /** Shannon entropy of the sampled payload bytes, bits per byte. */
  entropy: number
  /** What a uniform random source gives for this many bytes (bias-corrected reference). */
  uniformEntropy: number
  /** Share of sampled packets starting with the most common first payload byte. */
  firstByteShare: number
  sampledPackets: number
  sampledBytes: number
  /** Whole 16-byte blocks sampled (aligned to the payload start) and how many of them repeat a
   * block seen earlier in the stream: ciphertext from a good cipher mode never repeats, AES in
   * ECB mode repeats whenever the plaintext does (silence, static video). */
  blocks: number
  repeatedBlocks: number
  /** The distinct blocks look random while whole blocks repeat far beyond chance: encrypted,
   * but deterministically, block by block (AES-ECB). */
  ecbSuspect: boolean
}

/** Enough bytes for the entropy estimate to mean something. */
const MIN_BYTES = 512
const MIN_PACKETS = 8

export class PayloadSampler {
  private readonly histogram = new Uint32Array(256)
  private readonly firstBytes = new Uint16Array(256)
  private silence = 0
  /** Hashes of the 16-byte blocks seen (bounded: SAMPLE_PACKETS payloads at most). */
  private readonly blockHashes = new BlockHashSet()
  /** Byte histogram of the payload bytes outside the distinct blocks (repeated blocks, the
   * tail after the last whole block, blocks past the cap): `histogram` minus this is the
   * histogram of the distinct blocks, without a second pass over every distinct block. */
  private readonly excludedHistogram = new Uint32Array(256)
  private distinctBytes = 0
  private blocks = 0
  private repeatedBlocks = 0
  bytes = 0
  packets = 0

  /** Add one payload (b[start, end)) of a packet with payload type `pt`. */
  add(b: Uint8Array, start: number, end: number, pt: number): void {
    if (end <= start || end > b.length) return
    this.packets++
    this.firstBytes[b[start]!]!++
    const h = this.histogram
    for (let i = start; i < end; i++) h[b[i]!]!++
    this.bytes += end - start
    const seen = this.blockHashes
    const excluded = this.excludedHistogram
    let p = start
    for (; p + 16 <= end && seen.size < MAX_BLOCKS; p += 16) {
      // blockHash inlined: the two lanes go to the set as they are (no 52-bit number to box).
      let h1 = 0x811c9dc5
      let h2 = 0x01000193
      for (let i = 0; i < 16; i++) {
        h1 = Math.imul(h1 ^ b[p + i]!, 0x01000193)
        h2 = Math.imul(h2 ^ b[p + 15 - i]!, 0x811c9dc5)
      }
      this.blocks++
      if (seen.add(h1 >>> 0, h2 & 0xfffff)) this.distinctBytes += 16
      else {
        this.repeatedBlocks++
        for (let i = p; i < p + 16; i++) excluded[b[i]!]!++
      }
    }
    for (let i = p; i < end; i++) excluded[b[i]!]!++
    if (pt === 0 || pt === 8) {
      // RFC 3551 §4.5.14: G.711 silence is PCMU 0xFF/0x7F (μ-law zero), PCMA 0xD5/0x55 (A-law).
      const s1 = pt === 0 ? 0xff : 0xd5
      const s2 = pt === 0 ? 0x7f : 0x55
      for (let i = start; i < end; i++) if (b[i] === s1 || b[i] === s2) this.silence++
    }
  }

  assess(pt: number): ContentAssessment {
    const entropy = shannon(this.histogram, this.bytes)
    const uniformEntropy = this.bytes > 0 ? Math.max(0, 8 - 255 / (2 * this.bytes * Math.LN2)) : 0
    let top = 0
    for (const c of this.firstBytes) if (c > top) top = c
    const firstByteShare = this.packets > 0 ? top / this.packets : 0
    const base = {
      entropy: round2(entropy),
      uniformEntropy: round2(uniformEntropy),
      firstByteShare: round2(firstByteShare),
      sampledPackets: this.packets,
      sampledBytes: this.bytes,
      blocks: this.blocks,
      repeatedBlocks: this.repeatedBlocks,
      ecbSuspect: false,
    }
    const stats = `byte entropy ${base.entropy} bits/byte over ${this.bytes} bytes (uniform random: ${base.uniformEntropy}), first payload byte repeated in ${Math.round(firstByteShare * 100)} % of ${this.packets} packets`
    if (this.bytes < MIN_BYTES || this.packets < MIN_PACKETS) {
      return {verdict: 'unknown', reason: `too little payload to judge (${this.packets} packets, ${this.bytes} bytes)`, ...base}
    }
    // Whole blocks repeating while the distinct blocks are random: deterministic block
    // encryption. The byte entropy of such a payload is low only because of the repeats, so
    // judge it before the entropy tests below would call it plain.
    const distinctHistogram = new Uint32Array(256)
    for (let i = 0; i < 256; i++) distinctHistogram[i] = this.histogram[i]! - this.excludedHistogram[i]!
    const distinctEntropy = shannon(distinctHistogram, this.distinctBytes)
    const distinctUniform = this.distinctBytes > 0 ? Math.max(0, 8 - 255 / (2 * this.distinctBytes * Math.LN2)) : 0
    if (
      this.repeatedBlocks >= ECB_MIN_REPEATS &&
      this.repeatedBlocks / this.blocks >= ECB_MIN_SHARE &&
      this.distinctBytes >= 256 &&
      distinctUniform - distinctEntropy <= 0.15
    ) {
      return {
        verdict: 'encrypted',
        reason: `${this.repeatedBlocks} of ${this.blocks} 16-byte blocks repeat an earlier block while the ${this.blockHashes.size} distinct blocks look random (entropy ${round2(distinctEntropy)} bits/byte, random: ${round2(distinctUniform)}): encrypted block by block, as AES-ECB does`,
        ...base,
        ecbSuspect: true,
      }
    }
    const silenceShare = this.silence / this.bytes
    if ((pt === 0 || pt === 8) && silenceShare >= 0.2) {
      return {verdict: 'plain', reason: `${pt === 0 ? 'PCMU' : 'PCMA'} silence bytes make up ${Math.round(silenceShare * 100)} % of the payload (plain G.711); ${stats}`, ...base}
    }
    const gap = uniformEntropy - entropy
    if (gap <= 0.1 && firstByteShare < 0.3) {
      return {verdict: 'encrypted', reason: `payload indistinguishable from random: ${stats}`, ...base}
    }
    if (gap >= 0.3) {
      return {verdict: 'plain', reason: `payload bytes far from uniform, which a cipher's output would be: ${stats}`, ...base}
    }
    if (gap >= 0.12 && firstByteShare >= 0.5) {
      return {verdict: 'plain', reason: `structured payload (a stable first byte such as an Opus TOC or a video payload descriptor, and bytes below random entropy): ${stats}`, ...base}
    }
    return {verdict: 'unknown', reason: `neither clearly random nor clearly structured: ${stats}`, ...base}
  }
}

/** Repeats needed, and share of sampled blocks, before repetition counts as far beyond chance:
 * for a cipher in a proper mode (CTR, GCM, as SRTP uses) the expected number of repeated
 * 128-bit blocks among a few thousand is zero; the floors keep one-off oddities quiet. */
const ECB_MIN_REPEATS = 8
const ECB_MIN_SHARE = 0.02

/** Blocks remembered per stream. */
const MAX_BLOCKS = 8192

/**
 * The set of 52-bit block hashes seen: two FNV-1a lanes over the 16 bytes (forwards and
 * backwards), the first lane whole and 20 bits of the second, exact enough that a false repeat
 * among a few thousand blocks is out of the question (collision odds ~1e-9). Open addressing in
 * a typed array: a Set of such numbers boxed each key (a heap number per sampled block).
 */
class BlockHashSet {
  /** (high * 2^20 + low) per slot, -1 when empty (a key is never negative). */
  // 1024 slots to begin with: a sampled audio stream fills a few hundred, and each doubling
  // rehashes every key.
  private keys: Float64Array<ArrayBuffer> = new Float64Array(1024).fill(-1)
  size = 0

  /** Add the hash (high: 32 bits, low: 20 bits); false when it was there already. */
  add(high: number, low: number): boolean {
    const key = high * 0x100000 + low
    let keys = this.keys
    if ((this.size + 1) * 2 > keys.length) keys = this.grow()
    const mask = keys.length - 1
    for (let i = (high ^ Math.imul(low, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!
      if (k === key) return false
      if (k < 0) {
        keys[i] = key
        this.size++
        return true
      }
    }
  }

  private grow(): Float64Array<ArrayBuffer> {
    const old = this.keys
    const keys = new Float64Array(old.length * 2).fill(-1)
    const mask = keys.length - 1
    for (const key of old) {
      if (key < 0) continue
      const high = Math.floor(key / 0x100000)
      const low = key - high * 0x100000
      let i = (high ^ Math.imul(low, 0x9e3779b1)) & mask
      while (keys[i]! >= 0) i = (i + 1) & mask
      keys[i] = key
    }
    this.keys = keys
    return keys
  }
}

function shannon(histogram: Uint32Array, total: number): number {
  if (total === 0) return 0
  let h = 0
  for (const c of histogram) {
    if (c === 0) continue
    const p = c / total
    h -= p * Math.log2(p)
  }
  return h
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}
