import {describe, expect, it} from 'vitest'
import {safeJsonStringify} from '../../src/report/json-text.js'

/** Every code point RAW_UNSAFE names, and the ones around its ranges that are fine. */
const UNSAFE = [0x7f, 0x80, 0x85, 0x9b, 0x9f, 0xad, 0x61c, 0x115f, 0x180e, 0x200b, 0x200f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2060, 0x2066, 0x2069, 0x206a, 0x3164, 0xfeff, 0xfff9, 0xffa0]
const SAFE = [0x7e, 0xa0, 0xe9, 0x200a, 0x2010, 0x202f, 0x2070, 0xfefe, 0x4e2d, 0x1f600]

describe('safeJsonStringify', () => {
  it('escapes every unsafe code point wherever it stands, in plain ASCII and in wider text', () => {
    for (const cp of UNSAFE) {
      const ch = String.fromCodePoint(cp)
      const escaped = `\\u${cp.toString(16).padStart(4, '0')}`
      for (const text of [ch, `a${ch}`, `${ch}b`, `plain ${ch} ascii`, `é ${ch} 中`]) {
        const json = safeJsonStringify({text})!
        expect(json, `U+${cp.toString(16)} in ${JSON.stringify(text)}`).not.toContain(ch)
        expect(json).toContain(escaped)
        expect(JSON.parse(json)).toEqual({text})
      }
    }
    // Beyond the BMP (the invisible tag characters): a \u pair, still the same text.
    const tags = 'x\u{e0041}\u{e007f}y'
    const json = safeJsonStringify(tags)!
    expect(json).toBe('"x\\udb40\\udc41\\udb40\\udc7fy"')
    expect(JSON.parse(json)).toBe(tags)
  })

  it('leaves plain ASCII and harmless non-ASCII text exactly as JSON.stringify writes it', () => {
    const values: unknown[] = ['plain', {a: [1, 'b', null], c: 'd"e\\f\n'}, 42, null, '\u0000\u001f']
    for (const cp of SAFE) values.push(`x${String.fromCodePoint(cp)}y`)
    values.push('\ud800 lone surrogate', '😀')
    for (const value of values) expect(safeJsonStringify(value)).toBe(JSON.stringify(value))
    expect(safeJsonStringify(undefined)).toBeUndefined()
  })
})
