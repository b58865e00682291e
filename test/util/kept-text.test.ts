import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {describe, expect, it} from 'vitest'
import {isoTime} from '../../src/capture/timestamp.js'
import {flatText} from '../../src/util/flat-text.js'
import {InternPool} from '../../src/util/intern.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap bytes retained by what `make` returns for 0..n-1, measured after full collections. */
function retainedBytes(n: number, make: (i: number) => string): number {
  gc()
  const before = process.memoryUsage().heapUsed
  const kept: string[] = new Array(n)
  for (let i = 0; i < n; i++) kept[i] = make(i)
  gc()
  const after = process.memoryUsage().heapUsed
  expect(kept.length).toBe(n)
  return after - before
}

const timeLike = (i: number) => `2024-01-01T${String(i % 24).padStart(2, '0')}:${i % 60}:${(i >> 3) % 60}.${String(i).padStart(6, '0')}Z`

describe('flatText', () => {
  it('returns the text unchanged', () => {
    for (const text of ['', 'a', timeLike(12345), `x${'y'.repeat(100)}z`]) expect(flatText(text)).toBe(text)
  })

  it('keeps concatenated text at the size of its characters, not of its parts', () => {
    const n = 50_000
    const tree = retainedBytes(n, timeLike)
    const flat = retainedBytes(n, (i) => flatText(timeLike(i)))
    // A 27-character string is about 56 bytes flat; as a concatenation tree several times that.
    expect(flat / n).toBeLessThan(120)
    expect(flat).toBeLessThan(tree / 2)
  })

  it('is what isoTime hands out', () => {
    const n = 50_000
    const perString = retainedBytes(n, (i) => isoTime(1_700_000_000 + (i >> 4), i * 997, 6)) / n
    // Flat: ~56 bytes of string and 8 of array slot; the same time as a tree costs over 250.
    expect(perString).toBeLessThan(120)
  })
})

describe('InternPool', () => {
  it('hands back equal text and stays within its bound', () => {
    const pool = new InternPool(100)
    for (let i = 0; i < 1000; i++) {
      const text = `name-${i % 150}.example`
      expect(pool.intern(text)).toBe(text)
      expect(pool.size).toBeLessThanOrEqual(100)
    }
    expect(pool.internOrNull(null)).toBeNull()
  })

  it('keeps one copy of repeated text', () => {
    const pool = new InternPool()
    const n = 50_000
    const fresh = retainedBytes(n, (i) => flatText(`resolver-${i % 10}.example.org`))
    const interned = retainedBytes(n, (i) => pool.intern(flatText(`resolver-${i % 10}.example.org`)))
    // Ten distinct values: the interned array holds ten strings, the other 50 000.
    expect(interned).toBeLessThan(fresh / 4)
  })
})
