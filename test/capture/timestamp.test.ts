import {describe, expect, it} from 'vitest'
import {isoTime, resolutionFromTsresol, type SecNsec, splitTimestamp} from '../../src/capture/timestamp.js'

/** The reference: BigInt arithmetic on the 64-bit count. */
function reference(value: bigint, tsresol: number): SecNsec {
  const binary = (tsresol & 0x80) !== 0
  const exp = BigInt(tsresol & 0x7f)
  const units = binary ? 1n << exp : 10n ** exp
  return {sec: Number(value / units), nsec: Number(((value % units) * 1_000_000_000n) / units)}
}

describe('pcapng timestamps (if_tsresol)', () => {
  const values = [0n, 1n, 999_999_999n, 1_700_000_000_123_456_789n, 1_569_520_469_201_006n, (1n << 63n) + 12345n, (1n << 64n) - 1n]
  for (const tsresol of [6, 9, 3, 0, 0x80 | 20, 0x80 | 30, 0x80 | 32, 0x80 | 40, 12]) {
    it(`splits exactly at tsresol 0x${tsresol.toString(16)}`, () => {
      const out = {sec: 0, nsec: 0}
      for (const value of values) {
        splitTimestamp(Number(value >> 32n), Number(value & 0xffffffffn), resolutionFromTsresol(tsresol), out)
        const want = reference(value, tsresol)
        // Seconds beyond 2^53 cannot be exact in a double; every realistic capture is far below.
        if (want.sec < 2 ** 53) expect(out, `${value}`).toEqual(want)
      }
    })
  }

  it('splits exactly on both sides of 2^53 and next to every multiple of the unit', () => {
    // Below 2^53 one double division is used (its rounding corrected), above it long division:
    // values one below, at and one above a whole second are where a rounded quotient goes wrong.
    let seed = 0x2545f491n
    const next = (): bigint => (seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n))
    for (const tsresol of [0, 3, 6, 9]) {
      const units = 10n ** BigInt(tsresol)
      const res = resolutionFromTsresol(tsresol)
      const out = {sec: 0, nsec: 0}
      const cases: bigint[] = [(1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n]
      for (let i = 0; i < 400; i++) {
        const bits = BigInt(1 + (i % 60))
        const whole = (next() & ((1n << bits) - 1n)) * units
        cases.push(whole, whole + 1n, whole > 0n ? whole - 1n : 0n, next() >> BigInt(i % 12))
      }
      for (const value of cases) {
        if (value >= 1n << 64n) continue
        const want = reference(value, tsresol)
        if (want.sec >= 2 ** 53) continue
        splitTimestamp(Number(value >> 32n), Number(value & 0xffffffffn), res, out)
        expect(out, `${value} at tsresol ${tsresol}`).toEqual(want)
      }
    }
  })

  it('knows how many digits each resolution deserves', () => {
    expect(resolutionFromTsresol(6).precision).toBe(6)
    expect(resolutionFromTsresol(9).precision).toBe(9)
    expect(resolutionFromTsresol(0x80 | 20).precision).toBe(7)
    expect(resolutionFromTsresol(12).precision).toBe(9)
  })
})

describe('isoTime', () => {
  it('prints the capture precision, UTC', () => {
    expect(isoTime(1569520469, 201006000, 6)).toBe('2019-09-26T17:54:29.201006Z')
    expect(isoTime(1569520469, 201006123, 9)).toBe('2019-09-26T17:54:29.201006123Z')
    expect(isoTime(0, 0, 0)).toBe('1970-01-01T00:00:00Z')
  })

  it('agrees with Date for every precision, second after second and call after call', () => {
    // isoTime keeps the text of the last second (and its bytes): a reused second, a new
    // second, a new day and every precision must all come out as Date prints them.
    const reference = (sec: number, nsec: number, precision: number): string => {
      const whole = new Date(sec * 1000).toISOString().slice(0, 19)
      const digits = Math.min(9, precision)
      return digits <= 0 ? `${whole}Z` : `${whole}.${String(nsec).padStart(9, '0').slice(0, digits)}Z`
    }
    let x = 7
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0)
    let sec = 1569520469
    for (let i = 0; i < 5000; i++) {
      if (i % 7 === 0) sec += next() % 3 === 0 ? 86400 * (next() % 400) : next() % 90
      const nsec = i % 11 === 0 ? [0, 999_999_999, 1, 5_000_000][i % 4]! : next() % 1_000_000_000
      const precision = [0, 1, 3, 6, 9, 12][next() % 6]!
      expect(isoTime(sec, nsec, precision)).toBe(reference(sec, nsec, precision))
      expect(isoTime(sec, nsec, precision, false)).toBe(reference(sec, nsec, precision))
    }
  })

  it('does not throw on seconds outside the Date range', () => {
    expect(isoTime(2 ** 52, 5, 9)).toBe(`${2 ** 52}.000000005`)
  })

  it('gives the same text kept (flat, made from character codes) as written at once, at every precision', () => {
    // Interleaved seconds, days and precisions, so the reused code arrays are rewritten between calls.
    let seed = 12345
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648)
    for (let i = 0; i < 3000; i++) {
      const sec = [1569520469, 0, 253402300799, 1700000000 + (next() % 200000)][i % 4]!
      const nsec = i % 7 === 0 ? [0, 999_999_999, 5, 100_000_000][i % 4]! : next() % 1_000_000_000
      const precision = next() % 11
      expect(isoTime(sec, nsec, precision)).toBe(isoTime(sec, nsec, precision, false))
    }
    expect(isoTime(1569520469, 201006123, 3)).toBe('2019-09-26T17:54:29.201Z')
    expect(isoTime(1569520469, 7, 9)).toBe('2019-09-26T17:54:29.000000007Z')
  })
})
