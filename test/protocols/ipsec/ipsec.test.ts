import {describe, expect, it} from 'vitest'
import {ikeVersion, type IpsecFacts, ipsecAnalyzer} from '../../../src/protocols/ipsec/ipsec-analyzer.js'
import {espPacket, ikeMessage, ikev1, ikev1Message} from '../../support/vpn-builders.js'
import {analyze, type Endpoints, factsOf, reverse, udpFrame} from '../tls/capture-kit.js'

/** RFC 3948 §2.2: IKE on port 4500 follows four zero bytes (the non-ESP marker). */
const nonEsp = (ike: Buffer) => Buffer.concat([Buffer.alloc(4), ike])

const IKE: Endpoints = {src: '10.0.0.2', sport: 500, dst: '198.51.100.20', dport: 500}
const NATT: Endpoints = {src: '10.0.0.2', sport: 4500, dst: '198.51.100.20', dport: 4500}

describe('IKE header (RFC 7296 §3.1, RFC 2408 §3.1)', () => {
  it('reads the major version when the header holds, and refuses otherwise', () => {
    expect(ikeVersion(ikeMessage())).toBe(2)
    expect(ikeVersion(ikeMessage({major: 1, exchange: 2}))).toBe(1)
    expect(ikeVersion(ikeMessage({major: 3}))).toBe(0)
    expect(ikeVersion(ikeMessage({exchange: 0}))).toBe(0)
    expect(ikeVersion(ikeMessage().subarray(0, 60))).toBe(0) // length field says 68
    const zeroSpi = ikeMessage()
    zeroSpi.fill(0, 0, 8)
    expect(ikeVersion(zeroSpi)).toBe(0)
  })
})

describe('IPsec analyzer on generated captures', () => {
  it('IKE on UDP 500: version, messages, evidence at the first one', async () => {
    const frames = [udpFrame(IKE, ikeMessage()), udpFrame(reverse(IKE), ikeMessage({responder: true})), udpFrame(IKE, ikeMessage({exchange: 35}))]
    const [facts] = factsOf<IpsecFacts>(await analyze(frames, [ipsecAnalyzer]), 'ipsec')
    expect(facts).toEqual({natTraversal: false, ikeVersion: 2, evidence: {frame: 1, capture: 0, time: expect.any(String)}, ikeMessages: 3, espPackets: 0, keepalives: 0, exchanges: ['IKE_SA_INIT', 'IKE_AUTH']})
    expect(ipsecAnalyzer.describe(facts!)).toEqual(['IPsec IKE (UDP 500): IKEv2, 3 IKE message(s) (IKE_SA_INIT, IKE_AUTH), first at frame 1'])
  })

  it('IKEv1 Aggressive Mode: the identities each side sent in clear, the authentication method, the vendor IDs', async () => {
    const frames = [
      udpFrame(IKE, ikev1Message([ikev1.sa(1), ikev1.opaque(4), ikev1.opaque(10), ikev1.id(3, Buffer.from('jurgen.mueller@acme-ministry.example')), ikev1.vendorId('afcad71368a1f1c96b8696fc77570100')])),
      udpFrame(reverse(IKE), ikev1Message([ikev1.sa(1), ikev1.opaque(4), ikev1.opaque(10), ikev1.id(2, Buffer.from('vpn.acme-ministry.example')), ikev1.opaque(8)], {responder: true})),
      // The third message and Quick Mode are encrypted: nothing more is read from them.
      udpFrame(IKE, ikev1Message([ikev1.opaque(8), ikev1.id(3, Buffer.from('hidden@example.org'))], {encrypted: true})),
      udpFrame(IKE, ikev1Message([ikev1.opaque(8)], {exchange: 32, encrypted: true})),
    ]
    const [facts] = factsOf<IpsecFacts>(await analyze(frames, [ipsecAnalyzer]), 'ipsec')
    expect(facts?.exchanges).toEqual(['Aggressive Mode', 'Quick Mode'])
    expect(facts?.authMethods).toEqual(['pre-shared key'])
    expect(facts?.identities?.map((i) => [i.evidence.frame, i.fromClient, i.type, i.value])).toEqual([
      [1, true, 'user FQDN', 'jurgen.mueller@acme-ministry.example'],
      [2, false, 'FQDN', 'vpn.acme-ministry.example'],
    ])
    expect(facts?.vendorIds?.map((v) => v.name)).toEqual(['RFC 3706 DPD'])
  })

  it('NAT-T on UDP 4500: IKE after the non-ESP marker, ESP in UDP, keepalives', async () => {
    const frames = [
      udpFrame(NATT, nonEsp(ikeMessage({exchange: 35}))),
      udpFrame(reverse(NATT), nonEsp(ikeMessage({exchange: 35, responder: true}))),
      udpFrame(NATT, espPacket(0xc0ffee01, 1)),
      udpFrame(reverse(NATT), espPacket(0x0badf00d, 1)),
      udpFrame(NATT, Buffer.from([0xff])),
    ]
    const [facts] = factsOf<IpsecFacts>(await analyze(frames, [ipsecAnalyzer]), 'ipsec')
    expect(facts).toMatchObject({natTraversal: true, ikeVersion: 2, evidence: {frame: 1}, ikeMessages: 2, espPackets: 2, keepalives: 1})
  })

  it('ESP in UDP 4500 alone only with one SPI and rising sequence numbers', async () => {
    const esp = [1, 2, 3, 4].map((seq) => udpFrame(NATT, espPacket(0xc0ffee01, seq)))
    const [facts] = factsOf<IpsecFacts>(await analyze(esp, [ipsecAnalyzer]), 'ipsec')
    expect(facts).toMatchObject({natTraversal: true, ikeVersion: null, evidence: {frame: 1}, espPackets: 4})
    // Other traffic on 4500: the first four bytes change from datagram to datagram.
    const other = [0x11111111, 0x22222222, 0x33333333, 0x44444444].map((spi, i) => udpFrame(NATT, espPacket(spi, i + 1)))
    expect(factsOf(await analyze(other, [ipsecAnalyzer]), 'ipsec')).toEqual([])
    // Not IKE on 500: a bad length field.
    expect(factsOf(await analyze([udpFrame(IKE, ikeMessage().subarray(0, 50))], [ipsecAnalyzer]), 'ipsec')).toEqual([])
  })
})
