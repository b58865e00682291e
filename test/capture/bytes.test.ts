import {describe, expect, it} from 'vitest'
import {i32be, u32be} from '../../src/capture/bytes.js'

describe('i32be', () => {
  it('reads the same four bytes as u32be, as a signed int32', () => {
    const b = Uint8Array.from([0x00, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff])
    const got = [0, 4, 8, 12, 16].map((o) => i32be(b, o))
    expect(got).toEqual([0, 0x7fffffff, -0x80000000, (0xc0a80102 | 0), -1])
    // The words are the same bits: turning them back unsigned gives u32be.
    for (const o of [0, 4, 8, 12, 16]) expect(i32be(b, o) >>> 0).toBe(u32be(b, o))
  })
})
