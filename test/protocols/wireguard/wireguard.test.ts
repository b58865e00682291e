import {describe, expect, it} from 'vitest'
import {type WireGuardFacts, wireGuardType, wireguardAnalyzer} from '../../../src/protocols/wireguard/wireguard-analyzer.js'
import {cookieReply, wgInitiation, wgResponse, wgTransport} from '../../support/vpn-builders.js'
import {analyze, type Endpoints, factsOf, reverse, udpFrame} from '../tls/capture-kit.js'

const filler = (n: number, seed: number) => Buffer.from(Array.from({length: n}, (_, i) => ((i * 151 + seed * 37) % 251) + 3))

const WG: Endpoints = {src: '10.0.0.2', sport: 41234, dst: '203.0.113.9', dport: 51820}

describe('WireGuard message shapes (whitepaper §5.4)', () => {
  it('knows each type by its exact size and reserved zeros', () => {
    expect([wgInitiation(), wgResponse(), cookieReply(), wgTransport(0), wgTransport(1280)].map(wireGuardType)).toEqual([1, 2, 3, 4, 4])
    expect(wireGuardType(wgInitiation().subarray(0, 147))).toBe(0)
    expect(wireGuardType(Buffer.concat([wgResponse(), Buffer.alloc(1)]))).toBe(0)
    const reserved = wgInitiation()
    reserved[2] = 1
    expect(wireGuardType(reserved)).toBe(0)
    // Transport: 16-byte header plus a multiple of 16 (tag included), at least the bare tag.
    expect(wireGuardType(wgTransport(0).subarray(0, 31))).toBe(0)
    expect(wireGuardType(Buffer.concat([wgTransport(16), Buffer.alloc(8)]))).toBe(0)
    expect(wireGuardType(Buffer.concat([Buffer.from([5, 0, 0, 0]), filler(144, 1)]))).toBe(0)
  })
})

describe('WireGuard analyzer on a generated capture', () => {
  it('reports the first initiation and counts a handshake then transport data', async () => {
    const frames = [
      udpFrame(WG, wgInitiation()),
      udpFrame(reverse(WG), wgResponse()),
      udpFrame(WG, wgTransport(0)),
      udpFrame(WG, wgTransport(96)),
      udpFrame(reverse(WG), wgTransport(1280)),
    ]
    const [facts] = factsOf<WireGuardFacts>(await analyze(frames, [wireguardAnalyzer]), 'wireguard')
    expect(facts).toEqual({
      initiation: {frame: 1, capture: 0, time: expect.any(String)},
      evidence: {frame: 1, capture: 0, time: expect.any(String)},
      initiations: 1,
      responses: 1,
      cookieReplies: 0,
      transportPackets: 3,
    })
    expect(wireguardAnalyzer.describe(facts!)[0]).toContain('WireGuard handshake initiation (frame 1)')
  })

  it('claims nothing without a handshake message, nor on other UDP', async () => {
    const transportOnly = [udpFrame(WG, wgTransport(32)), udpFrame(reverse(WG), wgTransport(32)), udpFrame(WG, wgTransport(64))]
    expect(factsOf(await analyze(transportOnly, [wireguardAnalyzer]), 'wireguard')).toEqual([])
    // A 148-byte datagram that does not start with type 1 and three zeros.
    const other = [udpFrame(WG, Buffer.concat([Buffer.from([1, 0, 1, 0]), filler(144, 9)])), udpFrame(reverse(WG), wgResponse().subarray(0, 91))]
    expect(factsOf(await analyze(other, [wireguardAnalyzer]), 'wireguard')).toEqual([])
  })
})
