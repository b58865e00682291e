import {Buffer} from 'node:buffer'
import {describe, expect, it} from 'vitest'
import {JsonBytes} from '../../src/report/json-bytes.js'
import {safeJsonStringify} from '../../src/report/json-text.js'
import {writeJsonValue} from '../../src/report/json-value-bytes.js'

const written = (value: unknown): string => {
  const w = new JsonBytes()
  writeJsonValue(w, value)
  return Buffer.concat(w.take()).toString('utf8')
}

/** Every character class the writer tells apart: plain ASCII, quote and backslash, C0 controls,
 * DEL and C1, Latin-1, the ranges RAW_UNSAFE escapes and their neighbours, BMP text, surrogate
 * pairs and lone surrogates. */
const CHARACTERS = ['a', ' ', '~', '"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u0080', '\u009b', '\u009f', '\u00a0', 'é', 'ÿ', '\u200a', '\u200b', '\u200f', '\u2010', '\u2027', '\u2028', '\u2029', '\u202a', '\u202e', '\u202f', '\u2065', '\u2066', '\u2069', '\u206a', '€', '→', '\ufeff', '\ufffe', '𝄞', '\ud800', '\udc00', '/', '<']

describe('writeJsonValue: safeJsonStringify written into bytes', () => {
  it('writes every character as safeJsonStringify does, alone and amid text', () => {
    for (const c of CHARACTERS) {
      for (const s of [c, `host ${c} name`, `${c}${c}x`, `${'plain '.repeat(20)}${c}`]) {
        expect(written(s), JSON.stringify(s)).toBe(safeJsonStringify(s))
        expect(written({[s]: s, k: [s]}), JSON.stringify(s)).toBe(safeJsonStringify({[s]: s, k: [s]}))
      }
    }
  })

  it('writes objects, arrays and scalars as safeJsonStringify does', () => {
    const date = new Date(Date.UTC(2020, 1, 3, 4, 5, 6, 7))
    const bare = Object.create(null) as Record<string, unknown>
    bare['b'] = 1
    bare['a'] = [undefined, null]
    const values: unknown[] = [
      null, true, false, 0, -0, 1.5, -3, 1e21, 2 ** 53, NaN, Infinity, -Infinity, '', 'x',
      [], {}, [[]], [{}], [1, 'two', null, true, undefined, () => 1, Symbol('s')],
      {a: undefined, b: () => 1, c: Symbol('s'), d: null, e: 0, f: {g: {h: [1, {i: 'j'}]}}},
      {2: 'two', 1: 'one', b: 'b', a: 'a', 10: 'ten'},
      {when: date, list: [date], map: new Map([[1, 2]]), set: new Set([1]), boxed: Object('s') as object, num: Object(5) as object},
      {toJSON: () => ({replaced: true})}, [{toJSON: () => 'inner'}],
      bare, {nested: bare},
      {ip: '203.0.113.7', names: ['ministry.zoom.us', 'bücher.example', 'x\u202ey'], geo: {country: 'DE', sources: {country: 'embedded:geolite2-city-ipv4'}}, judgement: {verdict: 'outside', reason: 'not "home"'}},
    ]
    for (const v of values) expect(written(v), String(safeJsonStringify(v))).toBe(safeJsonStringify(v) ?? 'null')
    expect(written(undefined)).toBe('null')
    expect(written(() => 1)).toBe('null')
  })

  it('skips inherited keys and throws where JSON.stringify throws', () => {
    const child = Object.create({inherited: 1}) as Record<string, unknown>
    child['own'] = 2
    expect(written({child})).toBe(safeJsonStringify({child}))
    expect(() => written({n: 1n})).toThrow()
  })
})
