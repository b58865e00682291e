import {describe, expect, it} from 'vitest'
import type {PayloadPacket, ProtocolAnalyzer} from '../../../src/protocols/analyzer.js'
import {type TlsFacts, proxyHeaderLength, tlsAnalyzer} from '../../../src/protocols/tls/tls-analyzer.js'
import {analyze, chunks, type Endpoints, factsOf, tcpConversation, tcpFrame, reverse} from './capture-kit.js'
import {CA_DER, LEAF_DER} from './test-certificates.js'
import {certificateBody, clientHelloBody, ext, handshake, HELLO_RETRY_RANDOM, record, records, serverHelloBody} from './tls-builders.js'

const web: Endpoints = {src: '192.168.1.23', sport: 52310, dst: '170.114.52.2', dport: 443}

function clientHello(sni: string, extra: ReturnType<typeof ext.raw>[] = []): Buffer {
  return handshake(1, clientHelloBody({extensions: [ext.sni(sni), ext.alpn(['h2', 'http/1.1']), ext.supportedVersions([0x0304, 0x0303]), ...extra]}))
}

const CCS = record(20, Buffer.from([1]))
const APP = record(23, Buffer.alloc(64, 0xee))

/** The analyzer with its feed calls counted, to see when it steps aside. */
function counting(): {analyzer: ProtocolAnalyzer<any, TlsFacts>; feeds: number[]} {
  const feeds: number[] = []
  return {
    feeds,
    analyzer: {
      ...tlsAnalyzer,
      feed: (state: any, packet: PayloadPacket) => {
        feeds.push(packet.frame)
        return tlsAnalyzer.feed(state, packet)
      },
    },
  }
}

describe('TLS analyzer', () => {
  it('reads a TLS 1.2 handshake: ClientHello over out-of-order segments, ServerHello, certificates', async () => {
    const hello = record(22, clientHello('ministry.zoom.us'), 0x0301)
    const [h1, h2, h3] = chunks(hello, Math.ceil(hello.length / 3))
    const serverFlight = records(
      22,
      Buffer.concat([
        handshake(2, serverHelloBody({cipherSuite: 0xc02f, extensions: [ext.alpn(['h2'])]})),
        handshake(11, certificateBody([LEAF_DER, CA_DER])),
        handshake(14, Buffer.alloc(0)),
      ]),
      700,
    )
    const [s1, s2] = chunks(serverFlight, 900)
    const frames = tcpConversation(web, [
      {toServer: true, data: h1!},
      {toServer: true, data: h2!},
      {toServer: true, data: h3!},
      {toServer: false, data: s1!},
      {toServer: false, data: s2!},
      {toServer: true, data: Buffer.concat([CCS, APP])},
      {toServer: false, data: Buffer.concat([CCS, APP])},
      {toServer: true, data: APP},
      {toServer: false, data: APP},
    ])
    // Segments 2 and 3 of the ClientHello arrive in reverse order (frames 5 and 6 swapped).
    ;[frames[4], frames[5]] = [frames[5]!, frames[4]!]
    const {analyzer, feeds} = counting()
    const flows = await analyze(frames, [analyzer], Date.UTC(2023, 3, 1) / 1000)
    const [facts] = factsOf<TlsFacts>(flows, 'tls')
    expect(facts).toBeDefined()
    expect(facts!.clientHello).toMatchObject({sni: 'ministry.zoom.us', alpn: ['h2', 'http/1.1'], maxVersion: 'TLS1.3', evidence: {frame: 6, capture: 0}})
    expect(facts!.serverHello).toMatchObject({version: 'TLS1.2', cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', alpn: 'h2', evidence: {frame: 7}})
    expect(facts!.certificates).toHaveLength(1)
    expect(facts!.certificates![0]).toMatchObject({sentBy: 'server', evidence: {frame: 8}})
    expect(facts!.certificates![0]!.chain.map((c) => c.subjectCN)).toEqual(['*.meet.example', 'Callaudit Test Root CA'])
    expect(facts!.certificates![0]!.chain[0]!.expired).toBe(false)
    expect(Object.keys(facts!)).toEqual(['clientHello', 'serverHello', 'certificates'])
    // The server side ends at its ServerHelloDone (frame 8), the client side at its
    // ChangeCipherSpec (frame 9): nothing after is looked at.
    expect(feeds).toEqual([4, 5, 6, 7, 8, 9])
    const lines = tlsAnalyzer.describe(facts!)
    expect(lines[0]).toMatch(/^ClientHello SNI ministry\.zoom\.us ALPN h2,http\/1\.1 TLS1\.3 no ECH JA4 t13d0303h2_\w{12}_\w{12} \(frame 6\)$/)
    // An ECH extension is named as such: a browser's GREASE one leaves the real name in the SNI.
    expect(tlsAnalyzer.describe({...facts!, clientHello: {...facts!.clientHello!, ech: true}})[0]).toContain(' TLS1.3 ECH extension JA4 ')
    expect(lines[1]).toBe('ServerHello TLS1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ALPN h2 (frame 7)')
    expect(lines[2]).toMatch(/^certificate CN=\*\.meet\.example issuer CN=Callaudit Test Root CA valid to 2023-06-01 \(2 DNS names\) chain of 2 SHA-256 .* \(frame 8\)$/)
  })

  it('stops reading the server side after a TLS 1.3 ServerHello and follows a HelloRetryRequest', async () => {
    const hrr = handshake(2, serverHelloBody({random: HELLO_RETRY_RANDOM, cipherSuite: 0x1301, extensions: [ext.selectedVersion(0x0304)]}))
    const sh = handshake(2, serverHelloBody({cipherSuite: 0x1302, extensions: [ext.selectedVersion(0x0304), ext.serverKeyShare(0x001d)]}))
    const frames = tcpConversation(web, [
      {toServer: true, data: record(22, clientHello('first.example'))},
      {toServer: false, data: Buffer.concat([record(22, hrr), CCS])},
      {toServer: true, data: Buffer.concat([CCS, record(22, clientHello('second.example'))])},
      {toServer: false, data: Buffer.concat([record(22, sh), CCS, APP])},
      {toServer: true, data: APP},
    ])
    const [facts] = factsOf<TlsFacts>(await analyze(frames, [tlsAnalyzer]), 'tls')
    expect(facts!.clientHello!.sni).toBe('first.example')
    expect(facts!.extraClientHellos).toEqual([{evidence: expect.objectContaining({frame: 6}), sni: 'second.example'}])
    expect(facts!.helloRetryRequest).toMatchObject({helloRetryRequest: true, cipherSuite: 'TLS_AES_128_GCM_SHA256', evidence: {frame: 5}})
    expect(facts!.serverHello).toMatchObject({version: 'TLS1.3', cipherSuite: 'TLS_AES_256_GCM_SHA384', keyShareGroup: 'x25519', evidence: {frame: 7}})
    expect(tlsAnalyzer.describe(facts!)).toEqual([
      expect.stringMatching(/^ClientHello SNI first\.example /),
      'ClientHello again SNI second.example (frame 6)',
      'HelloRetryRequest TLS1.3 TLS_AES_128_GCM_SHA256 (frame 5)',
      'ServerHello TLS1.3 TLS_AES_256_GCM_SHA384 (frame 7)',
    ])
  })

  it('finds TLS after cleartext: STARTTLS on SMTP and a PROXY protocol header', async () => {
    const smtp: Endpoints = {src: '10.0.0.1', sport: 57406, dst: '192.0.2.25', dport: 25}
    const text = (s: string) => Buffer.from(s, 'ascii')
    const starttls = tcpConversation(smtp, [
      {toServer: false, data: text('220 mx.example ESMTP\r\n')},
      {toServer: true, data: text('EHLO client\r\n')},
      {toServer: false, data: text('250-mx.example\r\n250 STARTTLS\r\n')},
      {toServer: true, data: text('STARTTLS\r\n')},
      {toServer: false, data: text('220 Go ahead\r\n')},
      {toServer: true, data: record(22, clientHello('mx.example'))},
      {toServer: false, data: record(22, handshake(2, serverHelloBody({cipherSuite: 0x0005, legacyVersion: 0x0301})))},
    ])
    const [smtpFacts] = factsOf<TlsFacts>(await analyze(starttls, [tlsAnalyzer]), 'tls')
    expect(smtpFacts).toMatchObject({lateStart: true, clientHello: {sni: 'mx.example', evidence: {frame: 9}}, serverHello: {version: 'TLS1.0', obsoleteVersion: true, weakCipher: ['RC4']}})

    const proxied = tcpConversation(web, [{toServer: true, data: Buffer.concat([text('PROXY TCP4 198.51.100.1 192.0.2.1 52176 443\r\n'), record(22, clientHello('behind.proxy.example'))])}])
    const [proxyFacts] = factsOf<TlsFacts>(await analyze(proxied, [tlsAnalyzer]), 'tls')
    expect(proxyFacts!.clientHello!.sni).toBe('behind.proxy.example')
    expect(proxyFacts!.lateStart).toBeUndefined()
    const v2 = Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a2111000c', 'hex'), Buffer.alloc(12)])
    expect(proxyHeaderLength(v2)).toBe(28)
    expect(proxyHeaderLength(text('PROXY TCP4 no end of line'))).toBe(0)
  })

  it('steps aside from a TCP flow that shows no TLS record', async () => {
    const http: Endpoints = {src: '192.168.1.23', sport: 52314, dst: '170.114.52.2', dport: 80}
    const segments = Array.from({length: 20}, (_, i) => ({toServer: i % 2 === 0, data: Buffer.from(`GET /${i} HTTP/1.1\r\n\r\n`)}))
    const {analyzer, feeds} = counting()
    const flows = await analyze(tcpConversation(http, segments), [analyzer])
    expect(factsOf(flows, 'tls')).toEqual([])
    expect(feeds).toHaveLength(8)
  })

  it('reads the SNI from the first part of a ClientHello whose later segment was not captured', async () => {
    const hello = record(22, clientHello('partial.example', [ext.raw(0x0015, Buffer.alloc(1500))]))
    const [first, , third] = chunks(hello, 600)
    const frames = tcpConversation(web, [
      {toServer: true, data: first!},
      {toServer: true, data: third!, gapBefore: 600},
    ])
    const [facts] = factsOf<TlsFacts>(await analyze(frames, [tlsAnalyzer]), 'tls')
    expect(facts!.clientHello).toMatchObject({sni: 'partial.example', truncated: true, evidence: {frame: 5}})
    expect(tlsAnalyzer.describe(facts!)[0]).toMatch(/\(truncated\) \(frame 5\)$/)
  })

  it('reads certificates of a capture that starts mid-handshake, with the client certificate too', async () => {
    const server = reverse(web)
    const frames = [
      tcpFrame(server, {seq: 90000, ack: 7000, flags: 'PA'}, record(22, handshake(11, certificateBody([LEAF_DER])))),
      tcpFrame(web, {seq: 7000, ack: 90000, flags: 'PA'}, record(22, handshake(11, certificateBody([CA_DER])))),
    ]
    const [facts] = factsOf<TlsFacts>(await analyze(frames, [tlsAnalyzer], Date.UTC(2024, 0, 1) / 1000), 'tls')
    expect(facts!.clientHello).toBeUndefined()
    expect(facts!.certificates!.map((m) => [m.sentBy, m.chain[0]!.subjectCN, m.chain[0]!.expired])).toEqual([
      ['server', '*.meet.example', true],
      ['client', 'Callaudit Test Root CA', false],
    ])
    expect(tlsAnalyzer.describe(facts!)[0]).toMatch(/EXPIRED at capture time/)
    expect(tlsAnalyzer.describe(facts!)[1]).toMatch(/^client certificate CN=Callaudit Test Root CA self-signed /)
  })

  it('records a cleartext alert and survives garbage after a TLS record', async () => {
    const frames = tcpConversation(web, [
      {toServer: true, data: record(22, clientHello('refused.example'))},
      {toServer: false, data: Buffer.concat([record(21, Buffer.from([2, 112])), Buffer.alloc(50, 0xff)])},
    ])
    const [facts] = factsOf<TlsFacts>(await analyze(frames, [tlsAnalyzer]), 'tls')
    expect(facts!.alerts).toEqual([{evidence: expect.objectContaining({frame: 5}), sentBy: 'server', level: 'fatal', description: 'unrecognized_name'}])
    expect(tlsAnalyzer.describe(facts!)).toContain('alert from server: fatal unrecognized_name (frame 5)')
  })

  it('does not probe UDP flows', () => {
    const packet = {data: record(22, clientHello('x.example'))} as unknown as PayloadPacket
    expect(tlsAnalyzer.probe({id: 1, transport: 'udp', client: {ip: '1.1.1.1', port: 1}, server: {ip: '2.2.2.2', port: 443}}, packet)).toBe(false)
  })
})
