import {describe, expect, it} from 'vitest'
import {PayloadSampler} from '../../../src/protocols/rtp/payload-content.js'
import {detBytes} from '../../support/packet-builder.js'

/** Deterministic PRNG for synthetic "speech". */
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** ITU-T G.711 μ-law encoding of a 16-bit sample. */
function ulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0
  let s = Math.min(Math.abs(sample), 32635) + 0x84
  let exponent = 7
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (s >> (exponent + 3)) & 0x0f
  s = ~(sign | (exponent << 4) | mantissa) & 0xff
  return s
}

describe('payload content verdict', () => {
  it('random payloads (SRTP) look encrypted', () => {
    const s = new PayloadSampler()
    for (let i = 0; i < 32; i++) s.add(detBytes(`srtp${i}`, 120), 0, 120, 111)
    const a = s.assess(111)
    expect(a.verdict).toBe('encrypted')
    expect(a.entropy).toBeGreaterThan(7.8)
    expect(a.firstByteShare).toBeLessThan(0.3)
    expect(a.reason).toMatch(/indistinguishable from random/)
  })

  it('PCMU with silence looks plain', () => {
    const s = new PayloadSampler()
    const next = lcg(1)
    for (let i = 0; i < 32; i++) {
      const frame = Buffer.alloc(160)
      for (let j = 0; j < 160; j++) frame[j] = i % 3 === 0 ? 0xff : ulaw(Math.round((next() - 0.5) * 4000))
      s.add(frame, 0, 160, 0)
    }
    const a = s.assess(0)
    expect(a.verdict).toBe('plain')
    expect(a.reason).toMatch(/PCMU silence/)
  })

  it('G.711 speech without silence still looks plain (skewed companded bytes)', () => {
    const s = new PayloadSampler()
    const next = lcg(2)
    for (let i = 0; i < 32; i++) {
      const frame = Buffer.alloc(160)
      // Laplacian-ish amplitudes, as speech has
      for (let j = 0; j < 160; j++) frame[j] = ulaw(Math.round(Math.log(next() + 1e-9) * 2000 * (next() < 0.5 ? -1 : 1)))
      s.add(frame, 0, 160, 0)
    }
    expect(s.assess(0).verdict).toBe('plain')
  })

  it('a stable first byte (Opus TOC) on compressed data below random entropy looks plain', () => {
    const s = new PayloadSampler()
    const next = lcg(3)
    for (let i = 0; i < 32; i++) {
      const frame = Buffer.alloc(80)
      frame[0] = 0x78 // Opus TOC: config 15 (SILK-only WB 20 ms), mono, one frame
      for (let j = 1; j < 80; j++) frame[j] = Math.floor(next() ** 1.5 * 256) // compressed but not uniform
      s.add(frame, 0, 80, 111)
    }
    const a = s.assess(111)
    expect(a.firstByteShare).toBe(1)
    expect(a.verdict).toBe('plain')
  })

  it('random data behind a stable first byte is not called either way', () => {
    const s = new PayloadSampler()
    for (let i = 0; i < 32; i++) {
      const frame = detBytes(`x${i}`, 200)
      frame[0] = 0x90
      s.add(frame, 0, 200, 96)
    }
    expect(s.assess(96).verdict).toBe('unknown')
  })

  it('too little payload is unknown', () => {
    const s = new PayloadSampler()
    for (let i = 0; i < 3; i++) s.add(detBytes(`y${i}`, 50), 0, 50, 111)
    const a = s.assess(111)
    expect(a.verdict).toBe('unknown')
    expect(a.reason).toMatch(/too little payload/)
  })

  it('ignores empty and out-of-range payloads', () => {
    const s = new PayloadSampler()
    s.add(Buffer.alloc(4), 3, 3, 0)
    s.add(Buffer.alloc(4), 0, 9, 0)
    expect(s.packets).toBe(0)
  })
})
