import {describe, expect, it} from 'vitest'
import {StreamWindow} from '../../../src/protocols/http/stream-window.js'
import {TcpByteStream} from '../../../src/protocols/tcp-byte-stream.js'

const b = (s: string) => Buffer.from(s, 'latin1')
const text = (u: Uint8Array) => Buffer.from(u).toString('latin1')

describe('StreamWindow', () => {
  it('hands out the unconsumed bytes in order, across segments', () => {
    const w = new StreamWindow(1024)
    w.push(100, b('hello '), 100)
    w.push(106, b('world'), 100)
    expect(text(w.view)).toBe('hello world')
    w.consume(6)
    expect(text(w.view)).toBe('world')
  })

  it('skips ahead past bytes that have not arrived, dropping them when they do', () => {
    const w = new StreamWindow(1024)
    w.push(0, b('HEAD'), 0)
    w.consume(4 + 10) // a 10-byte body not yet seen
    expect(w.view.length).toBe(0)
    w.push(4, b('0123456789NEXT'), 0)
    expect(text(w.view)).toBe('NEXT')
  })

  it('restarts past a skipped body larger than half the window, dropping it unbuffered', () => {
    const w = new StreamWindow(64)
    w.push(0, b('HEAD'), 0)
    w.consume(4 + 100)
    w.push(4, b('x'.repeat(60)), 0)
    expect(w.view.length).toBe(0)
    w.push(64, b(`${'y'.repeat(40)}NEXT`), 0)
    expect(text(w.view)).toBe('NEXT')
  })

  it('keeps working far beyond its size when what it holds is consumed', () => {
    const w = new StreamWindow(64)
    let seq = 5000
    for (let i = 0; i < 100; i++) {
      const chunk = b(`msg${String(i).padStart(3, '0')};`)
      w.push(seq, chunk, 5000)
      seq += chunk.length
      expect(text(w.view)).toBe(`msg${String(i).padStart(3, '0')};`)
      w.consume(chunk.length)
    }
  })

  it('waits behind a hole, and does not restart while segments are waiting', () => {
    const w = new StreamWindow(1024)
    w.push(0, b('ab'), 0)
    w.consume(2)
    w.push(4, b('ef'), 0) // hole at 2..3
    expect(w.view.length).toBe(0)
    expect(w.isAhead(4)).toBe(true)
    w.push(2, b('cd'), 0)
    expect(text(w.view)).toBe('cdef')
  })

  it('says whether a sequence number is beyond the next expected byte (mod 2^32)', () => {
    const w = new StreamWindow(1024)
    expect(w.isAhead(10)).toBe(false)
    w.push(0xfffffffe, b('abcd'), 0xfffffffe)
    expect(w.isAhead(2)).toBe(false) // exactly the next byte
    expect(w.isAhead(3)).toBe(true)
    expect(w.isAhead(0xfffffffe)).toBe(false) // a retransmission
    expect(text(w.view)).toBe('abcd')
  })

  it('is full when unconsumed bytes fill it', () => {
    const w = new StreamWindow(16)
    w.push(0, b('x'.repeat(20)), 0)
    expect(w.full).toBe(true)
    expect(w.view.length).toBe(16)
  })
})

/**
 * The window as it was first written, over `TcpByteStream` (which keeps the stream from its
 * start, consumed bytes included): the reference the byte-saving window must agree with.
 */
class ReferenceWindow {
  private stream: TcpByteStream | null = null
  private base = -1
  private consumed = 0

  constructor(private readonly maxBytes: number) {}

  push(seq: number, data: Uint8Array, streamStart: number): void {
    if (this.base < 0) this.base = streamStart >= 0 ? streamStart >>> 0 : seq >>> 0
    this.stream ??= new TcpByteStream(this.maxBytes)
    this.stream.push(seq, data, this.base)
    this.compact()
  }

  get view(): Uint8Array {
    if (!this.stream) return new Uint8Array(0)
    const bytes = this.stream.bytes
    return bytes.subarray(Math.min(this.consumed, bytes.length))
  }

  isAhead(seq: number): boolean {
    if (this.base < 0) return false
    const next = (this.base + Math.max(this.consumed, this.stream?.bytes.length ?? 0)) >>> 0
    const distance = (seq - next) >>> 0
    return distance > 0 && distance < 0x80000000
  }

  consume(n: number): void {
    this.consumed += n
    this.compact()
  }

  release(): void {
    this.stream = null
  }

  get full(): boolean {
    return this.stream?.full ?? false
  }

  private compact(): void {
    if (!this.stream || this.consumed < this.maxBytes / 2 || this.stream.hasGap) return
    const bytes = this.stream.bytes
    const rest = this.consumed < bytes.length ? bytes.slice(this.consumed) : new Uint8Array(0)
    this.base = (this.base + this.consumed) >>> 0
    this.consumed = 0
    // A fresh reassembler from the new base (what the old window's restart() amounted to).
    this.stream = new TcpByteStream(this.maxBytes)
    if (rest.length > 0) this.stream.push(this.base, rest, this.base)
  }
}

/** Deterministic pseudo-random numbers (xorshift32). */
function randomSource(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1
  return (n) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % n
  }
}

describe('StreamWindow against the TcpByteStream-based reference', () => {
  it('agrees on view, length, fullness and holes over random segments, consumes and skips', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = randomSource(seed)
      const size = [16, 64, 256, 1024][rnd(4)]!
      const isn = rnd(3) === 0 ? 0xffffffff - rnd(2 * size) : rnd(1_000_000)
      const streamStart = rnd(2) === 0 ? isn : -1
      const w = new StreamWindow(size)
      const ref = new ReferenceWindow(size)
      // The stream's bytes are a function of their offset, except in segments sent with a salt
      // (a retransmission that disagrees: which copy is kept must not change either).
      let salt = 0
      const byteAt = (offset: number) => ((offset * 7 + seed) & 0xff) ^ salt
      let sent = 0
      for (let step = 0; step < 400; step++) {
        const op = rnd(10)
        salt = rnd(4) === 0 ? 1 + rnd(255) : 0
        if (op === 0 && rnd(8) === 0) {
          // A burst of segments beyond a hole, more than the window keeps waiting, then the hole.
          for (const k of [...Array.from({length: 40}, (_, j) => j + 1), 0]) {
            const from = sent + 2 * k
            const data = Uint8Array.from({length: 2}, (_, i) => byteAt(from + i))
            w.push((isn + from) >>> 0, data, streamStart)
            ref.push((isn + from) >>> 0, data, streamStart)
          }
        } else if (op < 6) {
          // A segment: mostly in order, sometimes a retransmission, a hole, or before the start.
          const from = Math.max(-size, sent + [0, 0, 0, -rnd(size), rnd(size), -rnd(4 * size)][rnd(6)]!)
          const length = rnd(3) === 0 ? rnd(2 * size) : rnd(size / 2)
          const data = Uint8Array.from({length}, (_, i) => byteAt(from + i))
          const seq = (isn + from) >>> 0
          w.push(seq, data, streamStart)
          ref.push(seq, data, streamStart)
          if (from <= sent) sent = Math.max(sent, from + length)
        } else if (op < 9) {
          const n = rnd(3) === 0 ? rnd(3 * size) : Math.min(ref.view.length, rnd(size / 2))
          w.consume(n)
          ref.consume(n)
        } else if (rnd(20) === 0) {
          w.release()
          ref.release()
        }
        const probes = [sent, sent + 1, sent + size, sent - 1].map((p) => (isn + p) >>> 0)
        const agrees =
          Buffer.from(w.view).equals(Buffer.from(ref.view)) &&
          w.available === ref.view.length &&
          w.full === ref.full &&
          probes.every((seq) => w.isAhead(seq) === ref.isAhead(seq))
        if (!agrees) {
          // Spelled out only on a disagreement: expect() on every step would dominate the run.
          expect({seed, step, view: Array.from(w.view), available: w.available, full: w.full, ahead: probes.map((q) => w.isAhead(q))}).toEqual({
            seed,
            step,
            view: Array.from(ref.view),
            available: ref.view.length,
            full: ref.full,
            ahead: probes.map((q) => ref.isAhead(q)),
          })
        }
      }
    }
  })
})
