import {describe, expect, it} from 'vitest'
import {feedbackName, isRtcpHeader, parseRtcpCompound} from '../../../src/protocols/rtp/rtcp.js'
import {detBytes, rtcpReceiverReport, rtcpSdes, rtcpSenderReport} from '../../support/packet-builder.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** An RTCP packet: V=2, count, type, length in words − 1, body. */
function packet(count: number, pt: number, body: Buffer, padding = 0): Buffer {
  const pad = padding > 0 ? Buffer.concat([Buffer.alloc(padding - 1), Buffer.from([padding])]) : Buffer.alloc(0)
  const whole = Buffer.concat([body, pad])
  const head = Buffer.from([0x80 | (padding ? 0x20 : 0) | count, pt, 0, 0])
  head.writeUInt16BE((whole.length + 4) / 4 - 1, 2)
  return Buffer.concat([head, whole])
}

describe('RTCP compound packets (RFC 3550 §6)', () => {
  it('SR + SDES with every item type, captured verbatim', () => {
    const sdes = rtcpSdes([
      {
        ssrc: 0x1f2e3d4c,
        items: [
          {type: 'CNAME', text: 'alice@192.168.1.23'},
          {type: 'NAME', text: 'Alice Example'},
          {type: 'EMAIL', text: 'alice@example.org'},
          {type: 'PHONE', text: '+1 555 0100'},
          {type: 'LOC', text: 'Room 4'},
          {type: 'TOOL', text: 'ZoomClient 5.17.5'},
          {type: 'NOTE', text: 'on a call'},
        ],
      },
      {ssrc: 0x55667788, items: [{type: 'CNAME', text: 'bob'}]},
    ])
    const sr = rtcpSenderReport({ssrc: 0x1f2e3d4c, ntpSec: 1, ntpFrac: 2, rtpTs: 3, packets: 4, octets: 5})
    const c = parseRtcpCompound(Buffer.concat([sr, sdes]), 0, sr.length + sdes.length)!
    expect(c.wellFormed).toBe(true)
    expect(c.encrypted).toBe(false)
    expect(c.types).toEqual([200, 202])
    expect(c.senderSsrc).toBe(0x1f2e3d4c)
    expect(c.sdes.map((i) => [i.ssrc, i.type, i.text])).toEqual([
      [0x1f2e3d4c, 1, 'alice@192.168.1.23'],
      [0x1f2e3d4c, 2, 'Alice Example'],
      [0x1f2e3d4c, 3, 'alice@example.org'],
      [0x1f2e3d4c, 4, '+1 555 0100'],
      [0x1f2e3d4c, 5, 'Room 4'],
      [0x1f2e3d4c, 6, 'ZoomClient 5.17.5'],
      [0x1f2e3d4c, 7, 'on a call'],
      [0x55667788, 1, 'bob'],
    ])
  })

  it('PRIV items keep prefix and value apart (§6.5.8)', () => {
    const item = Buffer.concat([hex('08 0c 05'), Buffer.from('x-pfx'), Buffer.from('value!'), hex('00')])
    const body = Buffer.concat([hex('00000009'), item])
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)])
    const p = packet(1, 202, padded)
    const c = parseRtcpCompound(p, 0, p.length)!
    expect(c.wellFormed).toBe(true)
    expect(c.sdes).toEqual([{ssrc: 9, type: 8, prefix: 'x-pfx', text: 'value!'}])
  })

  it('BYE with reason, APP, feedback, XR', () => {
    const bye = packet(1, 203, Buffer.concat([hex('00000007'), hex('10'), Buffer.from('session shutdown'), hex('000000')]))
    const app = packet(3, 204, Buffer.concat([hex('00000007'), Buffer.from('zoom'), hex('01020304')]))
    const pli = packet(1, 206, hex('00000007 00000008'))
    const nack = packet(1, 205, hex('00000007 00000008 00010000'))
    const xr = packet(0, 207, hex('00000007 04000002 00000000 00000000'))
    const all = Buffer.concat([rtcpReceiverReport({ssrc: 7}), bye, app, pli, nack, xr])
    const c = parseRtcpCompound(all, 0, all.length)!
    expect(c.wellFormed).toBe(true)
    expect(c.types).toEqual([201, 203, 204, 206, 205, 207])
    expect(c.byes).toEqual([{ssrc: 7, reason: 'session shutdown'}])
    expect(c.apps).toEqual([{ssrc: 7, subtype: 3, name: 'zoom'}])
    expect(c.feedback).toEqual([
      {pt: 206, fmt: 1},
      {pt: 205, fmt: 1},
    ])
    expect([feedbackName(206, 1), feedbackName(205, 1), feedbackName(205, 15), feedbackName(206, 15), feedbackName(205, 30)]).toEqual(['PLI', 'NACK', 'transport-cc', 'AFB', 'RTPFB fmt 30'])
  })

  it('padding in the last packet (§6.4.1)', () => {
    const rr = packet(0, 201, hex('00000007'), 4)
    const c = parseRtcpCompound(rr, 0, rr.length)!
    expect(c.wellFormed).toBe(true)
  })

  it('SRTCP (RFC 3711 §3.4): valid first header, encrypted rest → reported encrypted, nothing read', () => {
    const sr = rtcpSenderReport({ssrc: 0x8aa09df2, ntpSec: 1, ntpFrac: 2, rtpTs: 3, packets: 4, octets: 5})
    const encrypted = Buffer.concat([sr.subarray(0, 8), detBytes('cipher', 20 + 36), hex('80000001'), detBytes('tag', 10)])
    const c = parseRtcpCompound(encrypted, 0, encrypted.length)!
    expect(c.wellFormed).toBe(false)
    expect(c.encrypted).toBe(true)
    expect(c.types).toEqual([200])
    expect(c.senderSsrc).toBe(0x8aa09df2)
    expect(c.sdes).toEqual([])
  })

  it('truncated and corrupted compounds never throw and are never well formed', () => {
    const sdes = rtcpSdes([{ssrc: 1, items: [{type: 'CNAME', text: 'someone@host'}]}])
    const sr = rtcpSenderReport({ssrc: 1, ntpSec: 1, ntpFrac: 2, rtpTs: 3, packets: 4, octets: 5})
    const whole = Buffer.concat([sr, sdes])
    for (let n = 0; n < whole.length; n++) {
      const c = parseRtcpCompound(whole, 0, n)
      expect(c?.wellFormed ?? false).toBe(n === sr.length) // the SR alone is a whole compound
    }
    // An SDES item length running past its packet.
    const bad = Buffer.from(sdes)
    bad[9] = 200
    expect(parseRtcpCompound(bad, 0, bad.length)!.wellFormed).toBe(false)
    expect(parseRtcpCompound(whole, 0, whole.length + 1)).toBeUndefined()
    for (let seed = 0; seed < 300; seed++) {
      const noise = detBytes(`r${seed}`, 8 + (seed % 64))
      noise[0] = 0x80 | (noise[0]! & 0x3f)
      noise[1] = 200 + (seed % 8)
      expect(() => parseRtcpCompound(noise, 0, noise.length)).not.toThrow()
    }
    expect(isRtcpHeader(hex('80c8'), 0, 2)).toBe(false)
  })
})
