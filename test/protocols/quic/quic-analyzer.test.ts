import {describe, expect, it} from 'vitest'
import type {PayloadPacket, ProtocolAnalyzer} from '../../../src/protocols/analyzer.js'
import {type QuicFacts, quicAnalyzer} from '../../../src/protocols/quic/quic-analyzer.js'
import {analyze, type Endpoints, factsOf, reverse, udpFrame} from '../tls/capture-kit.js'
import {clientHelloBody, ext, handshake, serverHelloBody} from '../tls/tls-builders.js'
import {ackFrame, chloMessage, cryptoFrame, gquicPublicPacket, initialPacket, SALTS} from './quic-builder.js'

const quic: Endpoints = {src: '192.168.1.23', sport: 50123, dst: '142.250.180.4', dport: 443}
const DCID = Buffer.from('0011223344556677', 'hex')
const CLIENT_SCID = Buffer.from('c1c1c1c1', 'hex')
const SERVER_SCID = Buffer.from('5e5e5e5e5e5e5e5e', 'hex')

function quicHello(sni: string, padding = 0): Buffer {
  return handshake(
    1,
    clientHelloBody({
      cipherSuites: [0x1301, 0x1302, 0x1303],
      extensions: [
        ext.sni(sni),
        ext.alpn(['h3']),
        ext.supportedVersions([0x0304]),
        ext.supportedGroups([0x11ec, 0x001d]),
        ext.keyShare([{group: 0x11ec, size: 1216}]),
        ext.signatureAlgorithms([0x0403, 0x0804]),
        ext.quicTransportParameters(),
        ...(padding ? [ext.raw(0x0015, Buffer.alloc(padding))] : []),
      ],
    }),
  )
}

const SERVER_HELLO = handshake(2, serverHelloBody({cipherSuite: 0x1301, extensions: [ext.selectedVersion(0x0304), ext.serverKeyShare(0x11ec, 1120)]}))

function counting(): {analyzer: ProtocolAnalyzer<any, QuicFacts>; feeds: number[]} {
  const feeds: number[] = []
  return {feeds, analyzer: {...quicAnalyzer, feed: (s: any, p: PayloadPacket) => (feeds.push(p.frame), quicAnalyzer.feed(s, p))}}
}

describe('QUIC analyzer', () => {
  it('decrypts v1 Initials, reassembles a ClientHello split over packets sent out of order, and reads the ServerHello', async () => {
    const hello = quicHello('www.google.com')
    const cut = 900
    const part1 = initialPacket({version: 1, dcid: DCID, scid: CLIENT_SCID, packetNumber: 0, frames: cryptoFrame(0, hello.subarray(0, cut)), padTo: 1162})
    const part2 = initialPacket({version: 1, dcid: DCID, scid: CLIENT_SCID, packetNumber: 1, frames: cryptoFrame(cut, hello.subarray(cut)), padTo: 1162})
    // The server answers from its own connection ID, protected with the server keys of the client's DCID.
    const serverInitial = initialPacket({version: 1, side: 'server', dcid: CLIENT_SCID, scid: SERVER_SCID, keyDcid: DCID, frames: Buffer.concat([ackFrame(1), cryptoFrame(0, SERVER_HELLO)])})
    const handshakePacket = Buffer.concat([Buffer.from([0xe0, 0, 0, 0, 1, 4]), CLIENT_SCID, Buffer.from([8]), SERVER_SCID, Buffer.from([0x40, 40]), Buffer.alloc(40, 0x99)])
    // The client's next Initial goes to the server's connection ID, still under the first keys.
    const ack = initialPacket({version: 1, dcid: SERVER_SCID, scid: CLIENT_SCID, keyDcid: DCID, packetNumber: 2, frames: ackFrame(0), padTo: 1162})
    const {analyzer, feeds} = counting()
    const flows = await analyze(
      [udpFrame(quic, part2), udpFrame(quic, part1), udpFrame(reverse(quic), Buffer.concat([serverInitial, handshakePacket])), udpFrame(quic, ack), udpFrame(quic, Buffer.from([0x40, 1, 2, 3, 4]))],
      [analyzer],
    )
    const [facts] = factsOf<QuicFacts>(flows, 'quic')
    expect(facts).toMatchObject({version: 'v1', versionNumber: '0x00000001', family: 'ietf', initialPackets: {client: 2, server: 1}})
    expect(facts!.clientHello).toMatchObject({sni: 'www.google.com', alpn: ['h3'], quicTransportParameters: true, postQuantumKeyShare: true, evidence: {frame: 2}})
    expect(facts!.clientHello!.ja4).toMatch(/^q13d0307h3_/)
    expect(facts!.serverHello).toMatchObject({version: 'TLS1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', keyShareGroup: 'X25519MLKEM768', evidence: {frame: 3}})
    expect(facts!.undecryptable).toBeUndefined()
    // Both hellos read by frame 3: the analyzer stepped aside.
    expect(feeds).toEqual([1, 2, 3])
    expect(quicAnalyzer.describe(facts!)).toEqual([
      expect.stringMatching(/^QUIC v1 Initial SNI www\.google\.com ALPN h3 TLS1\.3 no ECH post-quantum key share JA4 q13d0307h3_\w{12}_\w{12} \(frame 2\)$/),
      'QUIC v1 ServerHello TLS1.3 TLS_AES_128_GCM_SHA256 (frame 3)',
    ])
  })

  it('reads CRYPTO frames in any order inside one packet, and coalesced Initials in one datagram', async () => {
    const hello = quicHello('coalesced.example', 1500)
    const a = hello.subarray(0, 700)
    const b = hello.subarray(700, 1400)
    const c = hello.subarray(1400)
    const first = initialPacket({version: 1, dcid: DCID, packetNumber: 0, frames: Buffer.concat([cryptoFrame(1400, c), cryptoFrame(0, a)])})
    const second = initialPacket({version: 1, dcid: DCID, packetNumber: 1, frames: cryptoFrame(700, b)})
    const [facts] = factsOf<QuicFacts>(await analyze([udpFrame(quic, Buffer.concat([first, second]))], [quicAnalyzer]), 'quic')
    expect(facts!.clientHello).toMatchObject({sni: 'coalesced.example', evidence: {frame: 1}})
    expect(facts!.initialPackets.client).toBe(2)
  })

  it('reads QUIC v2 (RFC 9369: its salt, quicv2 labels, Initial type 1) and draft-29', async () => {
    const v2 = initialPacket({version: 0x6b3343cf, dcid: DCID, typeBits: 1, salt: SALTS.v2, labelPrefix: 'quicv2 ', frames: cryptoFrame(0, quicHello('v2.example')), padTo: 1162})
    const draft = initialPacket({version: 0xff00001d, dcid: DCID, salt: SALTS.draft29, frames: cryptoFrame(0, quicHello('draft.example')), padTo: 1162})
    const other: Endpoints = {...quic, sport: 50999}
    const [v2Facts, draftFacts] = factsOf<QuicFacts>(await analyze([udpFrame(quic, v2), udpFrame(other, draft)], [quicAnalyzer]), 'quic')
    expect(v2Facts).toMatchObject({version: 'v2', clientHello: {sni: 'v2.example'}})
    expect(draftFacts).toMatchObject({version: 'draft-29', clientHello: {sni: 'draft.example'}})
  })

  it('reads Google QUIC CHLOs in clear (Q043 public header) and T051 Initials with their CRYPTO type', async () => {
    const chlo = chloMessage([
      ['PAD', Buffer.alloc(40)],
      ['SNI', 'www.youtube.com'],
      ['UAID', 'Chrome/74.0.3729.169 Windows NT 10.0; Win64; x64'],
    ])
    const q043 = gquicPublicPacket('Q043', Buffer.alloc(8, 0x42), chlo)
    const t051 = initialPacket({version: 0x54303531, dcid: DCID, salt: SALTS.t051, frames: cryptoFrame(0, quicHello('t051.example'), 0x08), padTo: 1162})
    const other: Endpoints = {...quic, sport: 50777}
    const [gq, t] = factsOf<QuicFacts>(await analyze([udpFrame(quic, q043), udpFrame(other, t051)], [quicAnalyzer]), 'quic')
    expect(gq).toMatchObject({version: 'Q043', family: 'gquic', chlo: {sni: 'www.youtube.com', userAgent: 'Chrome/74.0.3729.169 Windows NT 10.0; Win64; x64', evidence: {frame: 1}}})
    expect(quicAnalyzer.describe(gq!)).toEqual(['gQUIC Q043 CHLO SNI www.youtube.com UAID Chrome/74.0.3729.169 Windows NT 10.0; Win64; x64 (frame 1)'])
    expect(t).toMatchObject({version: 'T051', family: 'gquic', clientHello: {sni: 't051.example'}})
  })

  it('reads the part of a ClientHello that arrived when the rest never did', async () => {
    const hello = quicHello('half.example')
    const part1 = initialPacket({version: 1, dcid: DCID, frames: cryptoFrame(0, hello.subarray(0, 600)), padTo: 1162})
    const [facts] = factsOf<QuicFacts>(await analyze([udpFrame(quic, part1)], [quicAnalyzer]), 'quic')
    expect(facts!.clientHello).toMatchObject({sni: 'half.example', truncated: true, evidence: {frame: 1}})
  })

  it('counts Initials that do not decrypt, and steps aside after a bounded number of datagrams', async () => {
    const bogus = Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, 8]), DCID, Buffer.from([0, 0, 0x44, 0xb0]), Buffer.alloc(1200, 0x5a)])
    const frames = Array.from({length: 100}, () => udpFrame(quic, bogus))
    const {analyzer, feeds} = counting()
    const [facts] = factsOf<QuicFacts>(await analyze(frames, [analyzer]), 'quic')
    expect(facts).toMatchObject({version: 'v1', initialPackets: {client: 16, server: 0}, undecryptable: 16})
    expect(facts!.clientHello).toBeUndefined()
    expect(facts!.firstPacket.frame).toBe(1)
    expect(quicAnalyzer.describe(facts!)).toEqual(['QUIC v1 (no client hello read, 16 Initials did not decrypt) (frame 1)'])
    expect(feeds.length).toBe(64)
  })

  it('does not take UDP flows that are not QUIC', () => {
    const flow = {id: 1, transport: 'udp' as const, client: {ip: '10.0.0.1', port: 5000}, server: {ip: '10.0.0.2', port: 53}}
    const packet = (data: Buffer) => ({data}) as unknown as PayloadPacket
    expect(quicAnalyzer.probe(flow, packet(Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0])))).toBe(false)
    expect(quicAnalyzer.probe(flow, packet(Buffer.from([0xc0, 0x12, 0x34, 0x56, 0x78, 0, 0])))).toBe(false)
    expect(quicAnalyzer.probe(flow, packet(Buffer.from([0xc0, 0, 0, 0, 1, 0, 0])))).toBe(true)
    expect(quicAnalyzer.probe({...flow, transport: 'tcp'}, packet(Buffer.from([0xc0, 0, 0, 0, 1, 0, 0])))).toBe(false)
  })
})
