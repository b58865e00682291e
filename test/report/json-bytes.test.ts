import {Buffer} from 'node:buffer'
import {describe, expect, it} from 'vitest'
import {isoTime} from '../../src/capture/timestamp.js'
import {ChunkPool, JsonBytes} from '../../src/report/json-bytes.js'

const textOf = (w: JsonBytes): string => Buffer.concat(w.take()).toString('utf8')

describe('JsonBytes: JSON written straight into bytes', () => {
  it('writes numbers exactly as JSON.stringify does', () => {
    const values = [0, -0, 1, 9, 10, 99, 100, 65535, 4294967295, 2 ** 53 - 1, 2 ** 53, 1e21, -1, 0.5, 1e-7, 123.456, 30127.233978, NaN, Infinity, -Infinity]
    for (const v of values) {
      const w = new JsonBytes()
      w.number(v)
      expect(textOf(w), String(v)).toBe(JSON.stringify(v))
    }
    const w = new JsonBytes()
    w.number(null)
    expect(textOf(w)).toBe('null')
  })

  it('writes a count of nanoseconds as seconds exactly as JSON.stringify writes count / 1e9', () => {
    // Plain decimal text is used below 10^15 ns (15 significant digits at most); the edges of
    // that range, fractions with every number of trailing zeros, and a spread of random counts.
    const counts = [0, 1, 7, 999, 1000, 1001, 999_999, 1e6, 1e9 - 1, 1e9, 1e9 + 1, 30127233978000, 123_456_789_012_345, 1e15 - 1, 1e15, 1e15 + 1, 2 ** 53 - 1, 2 ** 53, 1.5e20, -1, -1e9, 0.5, NaN, Infinity]
    for (let zeros = 0; zeros <= 9; zeros++) counts.push(123_456_789 * 10 ** zeros, 5 * 10 ** zeros + 86_400e9)
    let seed = 12345
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    for (let i = 0; i < 20_000; i++) counts.push(Math.floor(random() * 10 ** (3 + (i % 13))) * (i % 7 === 0 ? 1000 : 1))
    for (const count of counts) {
      const w = new JsonBytes()
      w.nanosAsSeconds(count)
      expect(textOf(w), String(count)).toBe(JSON.stringify(count / 1e9))
    }
  })

  it('writes values with a few decimals (milliseconds to the µs, seconds to the ns) exactly as JSON.stringify does', () => {
    // Counts made into values as roundMs and durationSeconds make them (count / 10^digits), values
    // that are no such multiple (they go through jsonNumber), and the edges of the fast range.
    let seed = 777
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    const values: Array<[number | null, number]> = [[null, 3], [NaN, 3], [Infinity, 9], [-0.001, 3], [-0, 3], [0, 9], [1e-7, 9], [0.000001, 9], [0.000999, 9], [1e15, 3], [123.4567, 3], [0.1 + 0.2, 3], [2 ** 53, 1]]
    for (let digits = 1; digits <= 9; digits++) {
      const scale = 10 ** digits
      for (let i = 0; i < 4000; i++) {
        const count = Math.floor(random() * 10 ** (1 + (i % 15)))
        values.push([count / scale, digits], [Math.round((count / scale) * 1e6) / 1e3, 3], [random() * 10 ** (i % 9), digits])
      }
    }
    for (const [value, digits] of values) {
      const w = new JsonBytes()
      w.decimal(value, digits)
      expect(textOf(w), `${value} (${digits} decimals)`).toBe(JSON.stringify(value))
    }
  })

  it('fills again only the chunk buffers a writer released, and writes the same bytes', () => {
    // Several mebibytes of records, with a piece larger than a chunk in the middle.
    const write = (out: JsonBytes, i: number) => {
      out.text(`{"n":${i},"text":"${'x'.repeat(i % 300)}"}\n`)
      if (i === 20_000) out.text(`"${'y'.repeat(3 << 20)}"\n`)
      out.breakIfFull()
    }
    const plain = new JsonBytes()
    for (let i = 0; i < 40_000; i++) write(plain, i)
    const expected = textOf(plain)

    const pool = new ChunkPool()
    const out = new JsonBytes(pool)
    const written: string[] = []
    const buffers = new Set<ArrayBufferLike>()
    let chunks = 0
    const drain = () => {
      for (const chunk of out.chunks.splice(0)) {
        written.push(Buffer.from(chunk).toString('utf8'))
        buffers.add(chunk.buffer)
        chunks++
        pool.release(chunk)
      }
    }
    for (let i = 0; i < 40_000; i++) {
      write(out, i)
      drain()
    }
    for (const chunk of out.take()) written.push(Buffer.from(chunk).toString('utf8'))
    expect(written.join('')).toBe(expected)
    // The big piece had a buffer of its own; every other chunk reused the same one or two.
    expect(chunks).toBeGreaterThanOrEqual(8)
    expect(buffers.size).toBeLessThanOrEqual(3)

    // Chunks nobody released are never filled again.
    const held = new JsonBytes(new ChunkPool())
    for (let i = 0; i < 40_000; i++) write(held, i)
    const kept = held.take()
    expect(new Set(kept.map((c) => c.buffer)).size).toBe(kept.length)
    expect(Buffer.concat(kept).toString('utf8')).toBe(expected)
  })

  it('writes every digit count, either side of 2^31 (where uint leaves int32 arithmetic)', () => {
    const values = [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]
    for (let p = 1; p <= 1e15; p *= 10) values.push(p - 1, p, p + 1)
    const w = new JsonBytes()
    for (const v of values) {
      w.uint(v)
      w.byte(32)
    }
    expect(textOf(w)).toBe(values.map((v) => `${v} `).join(''))
  })

  it('writes short and long text, ASCII or not, whole wherever it falls in a chunk', () => {
    // Piece lengths and UTF-8 sizes vary, so pieces end at every offset near a chunk's end; no
    // breakIfFull, so the chunks fill up to the last byte.
    const pieces = ['ü', 'x€', '𝄞', 'ab€𝄞', 'é', 'plain ascii', 'sixteen chars ok', 'seventeen chars!!', `long ${'€'.repeat(40)}`, '\u2028']
    const w = new JsonBytes()
    const expected: string[] = []
    for (let i = 0; i < 400_000; i++) {
      const piece = pieces[i % pieces.length]!
      w.text(piece)
      expected.push(piece)
    }
    const chunks = w.take()
    expect(chunks.length).toBeGreaterThan(2)
    expect(chunks.map((c) => Buffer.from(c).toString('utf8')).join('')).toBe(expected.join(''))
  })

  it('writes IPv4 addresses dotted', () => {
    const w = new JsonBytes()
    w.ipv4(0)
    w.byte(32)
    w.ipv4(0xffffffff)
    w.byte(32)
    w.ipv4(0xc0a80501)
    expect(textOf(w)).toBe('0.0.0.0 255.255.255.255 192.168.5.1')
  })

  it('writes times as isoTime does, at every precision, alternating slots, and outside 0000-9999', () => {
    const cases: Array<[number, number]> = [[0, 0], [1_700_000_000, 123_456_789], [1_700_000_000, 5], [1_700_003_599, 999_999_999], [951_782_400, 1], [-1, 0], [253_402_300_800, 7], [-62_167_219_201, 0]]
    for (const precision of [0, 3, 6, 9, 12]) {
      const w = new JsonBytes()
      const expected: string[] = []
      cases.forEach(([sec, nsec], i) => {
        w.isoTime(sec, nsec, precision, (i % 2) as 0 | 1)
        w.byte(10)
        expected.push(isoTime(sec, nsec, precision, false))
      })
      expect(textOf(w).split('\n').slice(0, -1), `precision ${precision}`).toEqual(expected)
    }
  })

  it('hands out chunks that end on whole UTF-8 text, and pieces larger than a chunk whole', () => {
    const w = new JsonBytes()
    const big = 'é'.repeat(700_000) // 1.4 MB of UTF-8: larger than a chunk
    const expected: string[] = []
    for (let i = 0; i < 3000; i++) {
      const piece = `"${i}:ü€𝄞"`
      w.text(piece)
      expected.push(piece)
      w.breakIfFull()
      if (i === 1500) {
        w.text(big)
        expected.push(big)
      }
    }
    const chunks = w.take()
    expect(chunks.length).toBeGreaterThan(1)
    // Each chunk decodes on its own (no character split between chunks).
    expect(chunks.map((c) => Buffer.from(c).toString('utf8')).join('')).toBe(expected.join(''))
    expect(w.take()).toEqual([])
  })
})
