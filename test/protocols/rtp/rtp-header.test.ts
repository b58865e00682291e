import {describe, expect, it} from 'vitest'
import {forEachExtensionId, isRtcpType, newRtpHeader, readRtpHeader} from '../../../src/protocols/rtp/rtp-header.js'
import {detBytes, rtp} from '../../support/packet-builder.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('RTP header (RFC 3550 §5.1)', () => {
  it('reads the fixed header', () => {
    const p = rtp({pt: 111, seq: 4711, timestamp: 0xdeadbeef, ssrc: 0x1f2e3d4c, marker: true}, detBytes('p', 50))
    const h = newRtpHeader()
    expect(readRtpHeader(p, 0, p.length, h)).toBe(true)
    expect(h).toMatchObject({payloadType: 111, marker: true, sequence: 4711, timestamp: 0xdeadbeef, ssrc: 0x1f2e3d4c, csrcCount: 0, headerLength: 12, payloadLength: 50, extension: false})
  })

  it('skips the CSRC list', () => {
    const p = rtp({pt: 0, seq: 1, timestamp: 2, ssrc: 3, csrcs: [10, 11]}, Buffer.alloc(20))
    const h = newRtpHeader()
    expect(readRtpHeader(p, 0, p.length, h)).toBe(true)
    expect([h.csrcCount, h.headerLength, h.payloadLength]).toEqual([2, 20, 20])
  })

  it('reads one-byte (0xBEDE) and two-byte (0x100X) header extensions (RFC 8285)', () => {
    // one-byte: id 1 len 1 (2 bytes data), id 3 len 3 (4 bytes), padding
    const one = Buffer.concat([hex('90 6f 0001 00000000 00000007'), hex('bede 0002'), hex('11 aabb 33 01020304'), Buffer.alloc(10, 0x55)])
    const h = newRtpHeader()
    expect(readRtpHeader(one, 0, one.length, h)).toBe(true)
    expect([h.extensionProfile, h.extensionLength, h.headerLength, h.payloadLength]).toEqual([0xbede, 8, 24, 10])
    const ids: number[] = []
    forEachExtensionId(one, 0, h, (id) => ids.push(id))
    expect(ids).toEqual([1, 3])
    const two = Buffer.concat([hex('90 6f 0001 00000000 00000007'), hex('1000 0002'), hex('05 02 aabb 09 01 cc 00'), Buffer.alloc(4)])
    expect(readRtpHeader(two, 0, two.length, h)).toBe(true)
    const ids2: number[] = []
    forEachExtensionId(two, 0, h, (id) => ids2.push(id))
    expect(ids2).toEqual([5, 9])
  })

  it('removes a plausible padding count, keeps the packet when the count is not plausible (SRTP)', () => {
    const padded = Buffer.concat([hex('a0 00 0001 00000000 00000001'), Buffer.alloc(10, 1), hex('000003')])
    const h = newRtpHeader()
    expect(readRtpHeader(padded, 0, padded.length, h)).toBe(true)
    expect(h.payloadLength).toBe(10)
    const bogus = Buffer.concat([hex('a0 00 0001 00000000 00000001'), Buffer.alloc(4, 1), hex('ff')])
    expect(readRtpHeader(bogus, 0, bogus.length, h)).toBe(true)
    expect(h.payloadLength).toBe(5)
  })

  it('rejects other versions, RTCP packet types and truncated headers, without throwing', () => {
    const h = newRtpHeader()
    const p = rtp({pt: 96, seq: 1, timestamp: 2, ssrc: 3, csrcs: [1, 2, 3]}, Buffer.alloc(4))
    for (let n = 0; n < 24; n++) expect(readRtpHeader(p, 0, n, h)).toBe(false)
    expect(readRtpHeader(hex('40 00 0001 00000000 00000001'), 0, 12, h)).toBe(false)
    expect(readRtpHeader(hex('80 c8 0006 00000000 00000001'), 0, 12, h)).toBe(false) // RTCP SR
    expect(readRtpHeader(hex('90 00 0001 00000000 00000001 bede 0005'), 0, 16, h)).toBe(false) // extension past the end
    expect(readRtpHeader(p, 0, p.length + 10, h)).toBe(false)
    expect(isRtcpType(200)).toBe(true)
    expect(isRtcpType(111)).toBe(false)
    for (let seed = 0; seed < 200; seed++) {
      const noise = detBytes(`n${seed}`, seed % 40)
      expect(() => readRtpHeader(noise, 0, noise.length, h)).not.toThrow()
      if (readRtpHeader(noise, 0, noise.length, h)) expect(() => forEachExtensionId(noise, 0, h, () => undefined)).not.toThrow()
    }
  })
})
