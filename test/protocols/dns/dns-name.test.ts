import {describe, expect, it} from 'vitest'
import {decodeUtf8Lenient, MAX_NAME_CHARS, readName, readNameLabels} from '../../../src/protocols/dns/dns-name.js'

/** Labels as wire bytes, root-terminated unless `end` says otherwise. */
function labels(names: string[], end: number[] = [0]): number[] {
  const out: number[] = []
  for (const n of names) {
    const b = Buffer.from(n, 'latin1')
    out.push(b.length, ...b)
  }
  return [...out, ...end]
}

/** A message whose first 12 bytes are a zero header, then `body`. */
function msg(body: number[]): Uint8Array {
  return Uint8Array.from([...new Array(12).fill(0), ...body])
}

describe('readName', () => {
  it('reads labels up to the root label', () => {
    const m = msg(labels(['ministry', 'zoom', 'us']))
    expect(readName(m, 12)).toEqual({text: 'ministry.zoom.us', end: m.length, error: null})
  })

  it('shows the root name as "."', () => {
    expect(readName(msg([0]), 12)).toEqual({text: '.', end: 13, error: null})
  })

  it('follows a compression pointer to an earlier name and ends after the pointer', () => {
    // zoom.us at 12, then www + pointer to 12
    const first = labels(['zoom', 'us'])
    const second = [...labels(['www'], []), 0xc0, 12]
    const m = msg([...first, ...second])
    const at = 12 + first.length
    expect(readName(m, at)).toEqual({text: 'www.zoom.us', end: m.length, error: null})
  })

  it('rejects a pointer that does not point before the name (forward or to itself)', () => {
    const forward = msg([0xc0, 14, ...labels(['a'])])
    expect(readName(forward, 12).error).toBe('bad pointer')
    const self = msg([0xc0, 12])
    expect(readName(self, 12).error).toBe('bad pointer')
  })

  it('cannot loop: a pointer into its own name is rejected', () => {
    // "a" at 12, pointer at 14 back to 12: backwards, but inside the same name (a loop)
    const m = msg([1, 0x61, 0xc0, 12])
    const r = readName(m, 12)
    expect(r.error).toBe('bad pointer')
    expect(r.text).toBe('a')
  })

  it('caps the number of pointers followed', () => {
    // A chain of 40 pointers each pointing to the previous one, ending at a root label at 12.
    const body: number[] = [0]
    for (let i = 0; i < 40; i++) body.push(0xc0, 12 + (i === 0 ? 0 : 1 + 2 * (i - 1)))
    const m = msg(body)
    expect(readName(m, m.length - 2).error).toBe('too many pointers')
    // 20 hops is fine
    expect(readName(m, 12 + 1 + 2 * 19)).toMatchObject({text: '.', error: null})
  })

  it('reports truncation inside a label, inside a pointer and before the root label', () => {
    expect(readName(msg([5, 0x61, 0x62]), 12).error).toBe('truncated')
    expect(readName(msg([0xc0]), 12).error).toBe('truncated')
    expect(readName(msg(labels(['abc'], [])), 12)).toMatchObject({text: 'abc', error: 'truncated'})
    expect(readName(msg([]), 12).error).toBe('truncated')
  })

  it('rejects extended label types (01 and 10)', () => {
    expect(readName(msg([0x41, 0x00]), 12).error).toBe('extended label')
    expect(readName(msg([0x81, 0x00]), 12).error).toBe('extended label')
  })

  it('walks a name over 255 octets to its end, keeping its first 255 octets of text', () => {
    const long = Array.from({length: 6}, (_, i) => String.fromCharCode(0x61 + i).repeat(60))
    const m = msg([...labels(long), 0, 1, 0, 1])
    const r = readName(m, 12)
    expect(r.error).toBe('name too long')
    expect(r.end).toBe(m.length - 4)
    expect(r.text).toBe(long.slice(0, 4).join('.'))
  })

  it('escapes backslash, dots inside labels and control bytes, keeps printable ASCII and spaces', () => {
    const m = msg([...labels(['a.b', 'c\\d', 'x y']), 0])
    expect(readName(m, 12).text).toBe('a\\.b.c\\\\d.x y')
    const ctl = msg([4, 0x00, 0x0d, 0x1a, 0x7f, 0])
    expect(readName(ctl, 12).text).toBe('\\000\\r\\032\\177')
  })

  it('decodes UTF-8 labels and replaces invalid sequences', () => {
    const m = msg([...labels([Buffer.from('小佛專機', 'utf8').toString('latin1')]), 0])
    expect(readName(m, 12).text).toBe('小佛專機')
    const bad = msg([3, 0x61, 0xff, 0x62, 0])
    expect(readName(bad, 12).text).toBe('a\ufffdb')
  })

  it('gives each name read by the general path its own text, however often and in whatever order names come', () => {
    // The general path remembers a name's text by its labels: names differing in one byte, in a
    // label boundary or in a label cut by an error must not be handed each other's text.
    const cases: Array<[number[], string]> = [
      [labels(['caf\xc3\xa9 x', 'local']), 'café x.local'],
      [labels(['caf\xc3\xa8 x', 'local']), 'cafè x.local'],
      [labels(['caf\xc3\xa9 x', 'loca']), 'café x.loca'],
      [labels(['caf\xc3\xa9 x.local']), 'café x\\.local'],
      [labels(['a.b']), 'a\\.b'],
      [labels(['a', '.b']), 'a.\\.b'],
      [labels(['caf\xc3\xa9 x', 'local'], []), 'café x.local'],
    ]
    for (let round = 0; round < 3; round++) {
      const order = round === 1 ? [...cases].reverse() : cases
      for (const [wire, text] of order) {
        const r = readName(msg(wire), 12)
        expect(r.text).toBe(text)
      }
    }
    // Cut short: the text read before the cut, with the error.
    const cut = readName(msg(labels(['caf\xc3\xa9 x', 'local'], [])), 12)
    expect(cut.error).toBe('truncated')
  })

  it('never produces more than MAX_NAME_CHARS characters', () => {
    const m = msg([...labels(Array.from({length: 3}, () => '\u0001'.repeat(63))), 0])
    const r = readName(m, 12)
    expect(r.error).toBeNull()
    expect(r.text.length).toBeLessThanOrEqual(MAX_NAME_CHARS)
    expect(r.text.startsWith('\\001\\001')).toBe(true)
  })

  it('never throws on random bytes at any offset', () => {
    let x = 12345
    for (let round = 0; round < 300; round++) {
      const bytes = new Uint8Array(1 + (round % 80))
      for (let i = 0; i < bytes.length; i++) {
        x = (x * 1103515245 + 12345) >>> 0
        bytes[i] = x >>> 24
      }
      for (let at = 0; at <= bytes.length; at++) {
        const r = readName(bytes, at)
        expect(r.end).toBeLessThanOrEqual(bytes.length)
        readNameLabels(bytes, at)
      }
    }
  })
})

describe('readNameLabels', () => {
  it('returns raw labels through pointers, null on any error', () => {
    const first = labels(['zoom', 'us'])
    const m = msg([...first, 3, 0x77, 0x77, 0x77, 0xc0, 12])
    const r = readNameLabels(m, 12 + first.length)
    expect(r?.labels.map((l) => Buffer.from(l).toString())).toEqual(['www', 'zoom', 'us'])
    expect(r?.end).toBe(m.length)
    expect(readNameLabels(msg([0xc0, 12]), 12)).toBeNull()
  })
})

describe('decodeUtf8Lenient (Wireshark-compatible replacement)', () => {
  it.each([
    ['valid 2, 3 and 4 byte sequences', [0xc2, 0xbd, 0xe5, 0xb0, 0x8f, 0xf0, 0x9f, 0x98, 0x80], '½小😀'],
    ['a lead and its continuation bytes cut short make one U+FFFD', [0xed, 0xbf, 0x64], '\ufffdd'],
    ['a surrogate is one U+FFFD', [0xed, 0xa0, 0x80], '\ufffd'],
    ['an overlong form is one U+FFFD', [0xc0, 0x80], '\ufffd'],
    ['old 5-byte leads take their continuation bytes', [0xf8, 0x88, 0x80, 0x80, 0x80, 0x41], '\ufffdA'],
    ['stray continuation bytes and FE/FF are one U+FFFD each', [0x80, 0xbf, 0xfe, 0xff], '\ufffd\ufffd\ufffd\ufffd'],
    ['a sequence cut by the end of input', [0x41, 0xe5, 0xb0], 'A\ufffd'],
  ])('%s', (_name, bytes, text) => {
    expect(decodeUtf8Lenient(bytes)).toBe(text)
  })
})
