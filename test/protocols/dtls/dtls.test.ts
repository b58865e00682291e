import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../../src/analysis/analyze.js'
import {tempDir} from '../../helpers/temp-dir.js'
import type {PayloadPacket, ProtocolAnalyzer} from '../../../src/protocols/analyzer.js'
import {type DtlsFacts, dtlsAnalyzer} from '../../../src/protocols/dtls/dtls-analyzer.js'
import {capwapDtlsOffset, forEachHandshakeFragment, forEachRecord, looksLikeDtlsRecord, looksLikeStun} from '../../../src/protocols/dtls/dtls-record.js'
import {rtp, stunBindingRequest, stunBindingSuccess, stunMessage, turnChannelData, turnChannelNumber, turnData, turnXorPeerAddress, turnXorRelayedAddress} from '../../support/packet-builder.js'
import {analyze, type Endpoints, factsOf, pcapOf, reverse, tcpFrame, udpFrame} from '../tls/capture-kit.js'
import {CA_DER, LEAF_DER, WEBRTC_DER} from '../tls/test-certificates.js'
import {certificateBody, clientHelloBody, dtlsFragments, dtlsRecord, ext, serverHelloBody} from '../tls/tls-builders.js'

const webrtc: Endpoints = {src: '192.168.12.156', sport: 38152, dst: '142.250.82.76', dport: 19305}
const txid = Buffer.alloc(12, 7)

const CH = 1
const SH = 2
const CERT = 11
const SHD = 14
const CKE = 16

/** One datagram of records, each a list of handshake fragments (or raw content). */
function datagram(...recs: Buffer[]): Buffer {
  return Buffer.concat(recs)
}

function hs(fragments: Buffer[], seq = 0): Buffer {
  return dtlsRecord(22, Buffer.concat(fragments), {seq})
}

const clientHello = clientHelloBody({dtls: true, cipherSuites: [0xc02b, 0xc02f], extensions: [ext.useSrtp([0x0001, 0x0007, 0x0008]), ext.supportedGroups([0x001d])]})
const serverHello = serverHelloBody({legacyVersion: 0xfefd, cipherSuite: 0xc02b, extensions: [ext.useSrtp([0x0007])]})

function counting(): {analyzer: ProtocolAnalyzer<any, DtlsFacts>; feeds: number[]} {
  const feeds: number[] = []
  return {feeds, analyzer: {...dtlsAnalyzer, feed: (s: any, p: PayloadPacket) => (feeds.push(p.frame), dtlsAnalyzer.feed(s, p))}}
}

describe('DTLS records', () => {
  it('recognises DTLS records, STUN and the CAPWAP preamble (RFC 7983 demultiplexing)', () => {
    const rec = dtlsRecord(22, Buffer.alloc(20))
    expect(looksLikeDtlsRecord(rec)).toBe(true)
    expect(looksLikeDtlsRecord(dtlsRecord(23, Buffer.alloc(20), {version: 0x0100}))).toBe(true)
    expect(looksLikeDtlsRecord(dtlsRecord(22, Buffer.alloc(20), {version: 0x0303}))).toBe(false)
    expect(looksLikeDtlsRecord(rec.subarray(0, 12))).toBe(false)
    expect(looksLikeStun(stunBindingRequest({txid}))).toBe(true)
    expect(looksLikeStun(rtp({pt: 111, seq: 1, timestamp: 1, ssrc: 1}, Buffer.alloc(20)))).toBe(false)
    expect(capwapDtlsOffset(Buffer.concat([Buffer.from([1, 0, 0, 0]), rec]))).toBe(4)
    expect(capwapDtlsOffset(Buffer.concat([Buffer.from([0, 0, 0, 0]), rec]))).toBe(0)
  })

  it('walks the records of a datagram and the fragments of a record, cutting overlong lengths', () => {
    const fragments = dtlsFragments(CERT, 3, Buffer.alloc(50, 9), 20)
    const d = Buffer.concat([dtlsRecord(22, Buffer.concat(fragments)), dtlsRecord(20, Buffer.from([1])), dtlsRecord(22, Buffer.alloc(40), {epoch: 1})])
    const seen: Array<[number, number, number]> = []
    const result = forEachRecord(d, 0, (r) => seen.push([r.type, r.epoch, r.fragment.length]))
    expect(seen).toEqual([
      [22, 0, 3 * 12 + 50],
      [20, 0, 1],
      [22, 1, 40],
    ])
    expect(result.encrypted).toBe(false)
    const pieces: Array<[number, number, number, number]> = []
    forEachHandshakeFragment(Buffer.concat(fragments), (f) => pieces.push([f.messageSeq, f.length, f.fragmentOffset, f.body.length]))
    expect(pieces).toEqual([
      [3, 50, 0, 20],
      [3, 50, 20, 20],
      [3, 50, 40, 10],
    ])
    // A record whose length runs past the datagram is cut, never read beyond.
    const cut = forEachRecord(d.subarray(0, 30), 0, (r) => expect(r.fragment.length).toBe(17))
    expect(cut.encrypted).toBe(false)
    // A DTLS 1.3 unified header ends the walk as encrypted.
    expect(forEachRecord(Buffer.from([0x2c, 0, 1, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 0, () => undefined).encrypted).toBe(true)
    for (let n = 0; n <= d.length; n++) expect(() => forEachRecord(d.subarray(0, n), 0, (r) => forEachHandshakeFragment(r.fragment, () => undefined))).not.toThrow()
  })
})

describe('DTLS analyzer', () => {
  it('reads a WebRTC handshake after STUN: SRTP profiles, fragmented certificates of both sides, then steps aside', async () => {
    const serverCert = certificateBody([LEAF_DER, CA_DER])
    const [cert1, cert2] = dtlsFragments(CERT, 1, serverCert, Math.ceil(serverCert.length / 2))
    const back = reverse(webrtc)
    const frames = [
      udpFrame(webrtc, stunBindingRequest({txid})),
      udpFrame(back, stunBindingSuccess({txid, mapped: {ip: '203.0.113.7', port: 61045}})),
      udpFrame(webrtc, hs(dtlsFragments(CH, 0, clientHello))),
      // Server flight: ServerHello and the second half of its Certificate first...
      udpFrame(back, datagram(hs(dtlsFragments(SH, 0, serverHello), 1), hs([cert2!], 2))),
      // ...then the first half and ServerHelloDone; then the first datagram again (a retransmission).
      udpFrame(back, datagram(hs([cert1!], 3), hs(dtlsFragments(SHD, 2, Buffer.alloc(0)), 4))),
      udpFrame(back, datagram(hs(dtlsFragments(SH, 0, serverHello), 1), hs([cert2!], 2))),
      udpFrame(webrtc, datagram(hs(dtlsFragments(CERT, 1, certificateBody([WEBRTC_DER])), 1), hs(dtlsFragments(CKE, 2, Buffer.alloc(65, 4)), 2), dtlsRecord(20, Buffer.from([1]), {seq: 3}), dtlsRecord(22, Buffer.alloc(40), {epoch: 1}))),
      udpFrame(back, datagram(dtlsRecord(20, Buffer.from([1]), {seq: 5}), dtlsRecord(22, Buffer.alloc(40), {epoch: 1}))),
      udpFrame(webrtc, rtp({pt: 111, seq: 1, timestamp: 1, ssrc: 0x1234}, Buffer.alloc(100, 0xab))),
    ]
    const {analyzer, feeds} = counting()
    const [facts] = factsOf<DtlsFacts>(await analyze(frames, [analyzer], Date.UTC(2023, 0, 20) / 1000), 'dtls')
    expect(facts).toBeDefined()
    expect(facts!.recordVersion).toBe('DTLS1.2')
    expect(facts!.clientHello).toMatchObject({
      evidence: {frame: 3},
      srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM', 'SRTP_AEAD_AES_256_GCM'],
      nullSrtpProfiles: [],
    })
    expect(facts!.clientHello!.ja4).toMatch(/^dd2i0202/)
    expect(facts!.serverHello).toMatchObject({version: 'DTLS1.2', srtpProfile: 'SRTP_AEAD_AES_128_GCM', nullSrtpProfile: false, evidence: {frame: 4}})
    expect(facts!.certificates!.map((m) => [m.sentBy, m.evidence.frame, m.chain.map((c) => c.subjectCN)])).toEqual([
      ['server', 5, ['*.meet.example', 'Callaudit Test Root CA']],
      ['client', 7, ['WebRTC']],
    ])
    expect(facts!.certificates![1]!.chain[0]).toMatchObject({selfSigned: true, expired: false})
    expect(facts!.encrypted).toBe(true)
    expect(facts!.clientHelloCount).toBeUndefined()
    expect(facts!.rolesReversed).toBeUndefined()
    // Both sides sent epoch-1 records by frame 8: the RTP of frame 9 is not looked at.
    expect(feeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const lines = dtlsAnalyzer.describe(facts!)
    expect(lines[0]).toMatch(/^DTLS ClientHello no SNI DTLS1\.2 no ECH SRTP SRTP_AES128_CM_HMAC_SHA1_80,SRTP_AEAD_AES_128_GCM,SRTP_AEAD_AES_256_GCM JA4 dd2i0202\d\d_\w{12}_\w{12} \(frame 3\)$/)
    expect(lines[1]).toBe('DTLS ServerHello DTLS1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 SRTP SRTP_AEAD_AES_128_GCM (frame 4)')
    expect(lines[3]).toMatch(/^DTLS client certificate CN=WebRTC self-signed valid to 2023-02-01 SHA-256 .* \(frame 7\)$/)
  })

  it('says when the DTLS client is the flow server, and counts the ClientHello after a cookie exchange', async () => {
    // Two public peers on unregistered ports: the first sender becomes the flow's client.
    const p2p: Endpoints = {src: '198.51.100.7', sport: 40000, dst: '203.0.113.9', dport: 50000}
    const back = reverse(p2p)
    const frames = [
      udpFrame(back, stunBindingRequest({txid})),
      udpFrame(p2p, hs(dtlsFragments(CH, 0, clientHello))),
      udpFrame(back, hs(dtlsFragments(3, 0, Buffer.concat([Buffer.from([0xfe, 0xff, 8]), Buffer.alloc(8, 1)])))),
      udpFrame(p2p, hs(dtlsFragments(CH, 1, clientHelloBody({dtls: true, cookie: Buffer.alloc(8, 1)})), 1)),
    ]
    const [facts] = factsOf<DtlsFacts>(await analyze(frames, [dtlsAnalyzer]), 'dtls')
    expect(facts!.rolesReversed).toBe(true)
    expect(facts!.clientHelloCount).toBe(2)
    expect(facts!.encrypted).toBe(false)
  })

  it('reads DTLS behind a CAPWAP preamble, and the whole certificates of a message never completed', async () => {
    const capwap: Endpoints = {src: '192.168.10.10', sport: 12380, dst: '192.168.10.9', dport: 5246}
    const body = certificateBody([LEAF_DER, CA_DER])
    const fragments = dtlsFragments(CERT, 1, body, LEAF_DER.length + 20)
    const frames = [
      udpFrame(capwap, Buffer.from([0x00, 0x10, 0x01, 0x00, 0, 0, 0, 0])), // cleartext CAPWAP discovery
      udpFrame(reverse(capwap), Buffer.concat([Buffer.from([1, 0, 0, 0]), hs([fragments[0]!])])),
    ]
    const [facts] = factsOf<DtlsFacts>(await analyze(frames, [dtlsAnalyzer], Date.UTC(2023, 3, 1) / 1000), 'dtls')
    expect(facts!.certificates).toHaveLength(1)
    expect(facts!.certificates![0]).toMatchObject({sentBy: 'server', truncated: true, evidence: {frame: 2}})
    expect(facts!.certificates![0]!.chain.map((c) => c.subjectCN)).toEqual(['*.meet.example'])
  })

  it('reports a mid-session flow by its record version, and steps aside from STUN-only flows', async () => {
    const app = [0, 1, 2].map((i) => udpFrame(webrtc, dtlsRecord(23, Buffer.alloc(60, i), {epoch: 1, seq: i})))
    const [facts] = factsOf<DtlsFacts>(await analyze(app, [dtlsAnalyzer]), 'dtls')
    expect(facts).toEqual({recordVersion: 'DTLS1.2', firstRecord: {frame: 1, capture: 0, time: '2024-05-01T10:00:00.000000Z'}, encrypted: true})
    expect(dtlsAnalyzer.describe(facts!)).toEqual(['DTLS DTLS1.2 encrypted records (handshake not captured) (frame 1)'])

    const stunOnly = Array.from({length: 60}, (_, i) => udpFrame(i % 2 ? reverse(webrtc) : webrtc, stunBindingRequest({txid: Buffer.alloc(12, i)})))
    const {analyzer, feeds} = counting()
    expect(factsOf(await analyze(stunOnly, [analyzer]), 'dtls')).toEqual([])
    expect(feeds).toHaveLength(40)
  })

  it('reads the handshake a TURN relay carries: in Send and Data indications and in ChannelData, on the client\'s flow to the relay', async () => {
    // A client's capture of a relayed call (RFC 8656): its one flow goes to the relay; the DTLS
    // peer is beyond it. The ClientHello goes out in a Send indication, the server flight comes
    // back in ChannelData (after a ChannelBind), the client's Finished flight in ChannelData.
    const relay: Endpoints = {src: '192.168.1.20', sport: 51999, dst: '198.51.100.20', dport: 3478}
    const back = reverse(relay)
    const peer = turnXorPeerAddress('203.0.113.50', 49278, txid)
    const serverCert = certificateBody([LEAF_DER, CA_DER])
    const frames = [
      udpFrame(relay, stunMessage({type: 0x0003, txid, attrs: [{type: 0x0019, value: Buffer.from([17, 0, 0, 0])}]})),
      udpFrame(relay, stunMessage({type: 0x0009, txid: Buffer.alloc(12, 8), attrs: [turnChannelNumber(0x4000), peer]})),
      udpFrame(relay, stunMessage({type: 0x0016, txid: Buffer.alloc(12, 9), attrs: [peer, turnData(hs(dtlsFragments(CH, 0, clientHello)))]})),
      udpFrame(back, turnChannelData(0x4000, datagram(hs(dtlsFragments(SH, 0, serverHello), 1), hs(dtlsFragments(CERT, 1, serverCert), 2), hs(dtlsFragments(SHD, 2, Buffer.alloc(0)), 3)), true)),
      udpFrame(relay, turnChannelData(0x4000, datagram(hs(dtlsFragments(CKE, 1, Buffer.alloc(65, 4)), 1), dtlsRecord(20, Buffer.from([1]), {seq: 2}), dtlsRecord(22, Buffer.alloc(40), {epoch: 1})), true)),
      udpFrame(back, turnChannelData(0x4000, datagram(dtlsRecord(20, Buffer.from([1]), {seq: 4}), dtlsRecord(22, Buffer.alloc(40), {epoch: 1})))),
      udpFrame(relay, turnChannelData(0x4000, rtp({pt: 111, seq: 1, timestamp: 1, ssrc: 0x1234}, Buffer.alloc(100, 0xab)))),
    ]
    const {analyzer, feeds} = counting()
    const [facts] = factsOf<DtlsFacts>(await analyze(frames, [analyzer], Date.UTC(2023, 0, 20) / 1000), 'dtls')
    expect(facts).toMatchObject({recordVersion: 'DTLS1.2', firstRecord: {frame: 3}, relayed: true, encrypted: true})
    expect(facts!.clientHello).toMatchObject({evidence: {frame: 3}, srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM', 'SRTP_AEAD_AES_256_GCM']})
    expect(facts!.serverHello).toMatchObject({srtpProfile: 'SRTP_AEAD_AES_128_GCM', evidence: {frame: 4}})
    expect(facts!.certificates!.map((m) => [m.sentBy, m.evidence.frame, m.chain.map((c) => c.subjectCN)])).toEqual([['server', 4, ['*.meet.example', 'Callaudit Test Root CA']]])
    expect(facts!.rolesReversed).toBeUndefined()
    // Keyed both ways by frame 6: the relayed RTP after it is not looked at.
    expect(feeds).toEqual([1, 2, 3, 4, 5, 6])
    expect(dtlsAnalyzer.describe(facts!).at(-1)).toBe('DTLS relayed inside TURN messages: the DTLS peer is beyond the relay')

    // On a port that is no TURN server's, ChannelData is believed only after a STUN message on the
    // flow (Kerberos and GTPv2-C datagrams fit its header, see stun/ports.ts).
    const plain: Endpoints = {...relay, dport: 40000}
    const wrappedServerHello = udpFrame(reverse(plain), turnChannelData(0x4000, hs(dtlsFragments(SH, 0, serverHello), 1), true))
    const before = [udpFrame(plain, hs(dtlsFragments(CH, 0, clientHello))), wrappedServerHello]
    const [unbelieved] = factsOf<DtlsFacts>(await analyze(before, [dtlsAnalyzer]), 'dtls')
    expect(unbelieved!.serverHello).toBeUndefined()
    expect(unbelieved!.relayed).toBeUndefined()
    const [believed] = factsOf<DtlsFacts>(await analyze([before[0]!, udpFrame(plain, stunBindingRequest({txid})), wrappedServerHello], [dtlsAnalyzer]), 'dtls')
    expect(believed!.serverHello).toMatchObject({evidence: {frame: 3}})
    expect(believed!.relayed).toBe(true)
    // A direct handshake stays unmarked.
    const [direct] = factsOf<DtlsFacts>(await analyze([udpFrame(webrtc, hs(dtlsFragments(CH, 0, clientHello)))], [dtlsAnalyzer]), 'dtls')
    expect(direct!.relayed).toBeUndefined()
  })

  it('makes a relayed call captured at the client a WebRTC call (STUN + DTLS + RTP, all inside TURN) through the whole pipeline', async () => {
    const relay: Endpoints = {src: '192.168.1.20', sport: 51999, dst: '198.51.100.20', dport: 3478}
    const back = reverse(relay)
    const peer = turnXorPeerAddress('203.0.113.50', 49278, txid)
    const srtp = (i: number) => turnChannelData(0x4000, rtp({pt: 111, seq: 100 + i, timestamp: 960 * i, ssrc: 0x5eed}, Buffer.from(Array.from({length: 80}, (_, j) => (i * 131 + j * 197 + ((j * j) >> 3)) & 0xff))), true)
    const frames = [
      udpFrame(relay, stunMessage({type: 0x0003, txid, attrs: [{type: 0x0019, value: Buffer.from([17, 0, 0, 0])}]})),
      udpFrame(relay, stunMessage({type: 0x0009, txid: Buffer.alloc(12, 8), attrs: [turnChannelNumber(0x4000), peer]})),
      udpFrame(relay, turnChannelData(0x4000, hs(dtlsFragments(CH, 0, clientHello)), true)),
      udpFrame(back, turnChannelData(0x4000, hs(dtlsFragments(SH, 0, serverHello), 1), true)),
      ...Array.from({length: 30}, (_, i) => udpFrame(relay, srtp(i))),
    ]
    const path = join(tempDir('callaudit-turn-'), 'relayed.pcap')
    writeFileSync(path, pcapOf(frames))
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.apps.map((a) => [a.app, a.flowIds, a.evidence.map((e) => e.value)])).toEqual([['webrtc', [1], ['STUN+DTLS+RTP']]])
    expect(report.flows[0]).toMatchObject({role: 'relay', app: 'webrtc'})
  })

  it('reads the handshake over TCP: ICE-TCP frames (RFC 4571) directly, TURN over TCP relayed, across segments', async () => {
    const framed = (p: Buffer) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 0xff]), p])
    const serverCert = certificateBody([LEAF_DER, CA_DER])
    const serverFlight = datagram(hs(dtlsFragments(SH, 0, serverHello), 1), hs(dtlsFragments(CERT, 1, serverCert), 2))
    const finished = datagram(dtlsRecord(20, Buffer.from([1]), {seq: 2}), dtlsRecord(22, Buffer.alloc(40), {epoch: 1}))

    // ICE-TCP to a media server's passive candidate: each packet length-prefixed.
    const ice: Endpoints = {src: '192.168.1.20', sport: 50123, dst: '198.51.100.40', dport: 4443}
    const iceStream = [framed(stunBindingRequest({txid})), framed(hs(dtlsFragments(CH, 0, clientHello))), framed(finished)]
    const back = reverse(ice)
    const serverBytes = Buffer.concat([framed(stunBindingSuccess({txid, mapped: {ip: '203.0.113.7', port: 50123}})), framed(serverFlight), framed(finished)])
    const half = Math.floor(serverBytes.length / 2)
    let cseq = 1000
    let sseq = 5000
    const frames: Buffer[] = [tcpFrame(ice, {seq: cseq - 1, flags: 'S'}), tcpFrame(back, {seq: sseq - 1, ack: cseq, flags: 'SA'})]
    frames.push(tcpFrame(ice, {seq: cseq, flags: 'PA'}, Buffer.concat(iceStream.slice(0, 2))))
    cseq += iceStream[0]!.length + iceStream[1]!.length
    // The server's flight split mid-record over two segments.
    frames.push(tcpFrame(back, {seq: sseq, flags: 'PA'}, serverBytes.subarray(0, half)))
    frames.push(tcpFrame(back, {seq: sseq + half, flags: 'PA'}, serverBytes.subarray(half)))
    sseq += serverBytes.length
    frames.push(tcpFrame(ice, {seq: cseq, flags: 'PA'}, iceStream[2]!))
    const [direct] = factsOf<DtlsFacts>(await analyze(frames, [dtlsAnalyzer], Date.UTC(2023, 0, 20) / 1000), 'dtls')
    expect(direct).toMatchObject({recordVersion: 'DTLS1.2', clientHello: {evidence: {frame: 3}}, serverHello: {evidence: {frame: 5}}, encrypted: true})
    expect(direct!.certificates!.map((m) => [m.sentBy, m.chain.map((c) => c.subjectCN)])).toEqual([['server', ['*.meet.example', 'Callaudit Test Root CA']]])
    expect(direct!.relayed).toBeUndefined()

    // TURN over TCP (RFC 8656 §12.5: STUN and padded ChannelData back to back) on port 443.
    const turn: Endpoints = {src: '192.168.1.20', sport: 50200, dst: '198.51.100.20', dport: 443}
    const turnBack = reverse(turn)
    const peer = turnXorPeerAddress('203.0.113.50', 49278, txid)
    const up = Buffer.concat([
      stunMessage({type: 0x0003, txid, attrs: [{type: 0x0019, value: Buffer.from([17, 0, 0, 0])}]}),
      stunMessage({type: 0x0016, txid: Buffer.alloc(12, 9), attrs: [peer, turnData(hs(dtlsFragments(CH, 0, clientHello)))]}),
    ])
    const allocated = stunMessage({type: 0x0103, txid, attrs: [turnXorRelayedAddress('198.51.100.20', 50000, txid)]})
    const down = Buffer.concat([allocated, turnChannelData(0x4000, serverFlight, true)])
    const cut = allocated.length + 100
    const relayedFrames = [
      tcpFrame(turn, {seq: 99, flags: 'S'}),
      tcpFrame(turnBack, {seq: 699, ack: 100, flags: 'SA'}),
      tcpFrame(turn, {seq: 100, flags: 'PA'}, up),
      tcpFrame(turnBack, {seq: 700, flags: 'PA'}, down.subarray(0, cut)),
      tcpFrame(turnBack, {seq: 700 + cut, flags: 'PA'}, down.subarray(cut)),
    ]
    const [relayed] = factsOf<DtlsFacts>(await analyze(relayedFrames, [dtlsAnalyzer], Date.UTC(2023, 0, 20) / 1000), 'dtls')
    expect(relayed).toMatchObject({clientHello: {evidence: {frame: 3}}, serverHello: {evidence: {frame: 5}}, relayed: true})
  })

  it('waits longer for the handshake on a flow to a TURN relay, where relayed ICE checks come first', async () => {
    const relay: Endpoints = {src: '192.168.1.20', sport: 51999, dst: '198.51.100.20', dport: 3478}
    const peer = turnXorPeerAddress('203.0.113.50', 49278, txid)
    const send = (i: number, data: Buffer) => udpFrame(relay, stunMessage({type: 0x0016, txid: Buffer.alloc(12, i), attrs: [peer, turnData(data)]}))
    // 60 ICE connectivity checks relayed to the peer's candidates before the ClientHello.
    const checks = Array.from({length: 60}, (_, i) => send(i, stunBindingRequest({txid: Buffer.alloc(12, 100 + i)})))
    const [facts] = factsOf<DtlsFacts>(await analyze([...checks, send(200, hs(dtlsFragments(CH, 0, clientHello)))], [dtlsAnalyzer]), 'dtls')
    expect(facts!.clientHello).toMatchObject({evidence: {frame: 61}})
    expect(facts!.relayed).toBe(true)
  })

  it('takes UDP flows that start with DTLS or STUN only', () => {
    const flow = {id: 1, transport: 'udp' as const, client: {ip: '10.0.0.1', port: 5000}, server: {ip: '10.0.0.2', port: 3478}}
    const packet = (data: Buffer) => ({data}) as unknown as PayloadPacket
    expect(dtlsAnalyzer.probe(flow, packet(hs(dtlsFragments(CH, 0, clientHello))))).toBe(true)
    expect(dtlsAnalyzer.probe(flow, packet(stunBindingRequest({txid})))).toBe(true)
    expect(dtlsAnalyzer.probe(flow, packet(rtp({pt: 0, seq: 1, timestamp: 0, ssrc: 1}, Buffer.alloc(160))))).toBe(false)
    // TCP: ICE-TCP or TURN over TCP, STUN first (RFC 4571-framed or not); nothing else.
    const tcpFlow = {...flow, transport: 'tcp' as const}
    const request = stunBindingRequest({txid})
    expect(dtlsAnalyzer.probe(tcpFlow, packet(request))).toBe(true)
    expect(dtlsAnalyzer.probe(tcpFlow, packet(Buffer.concat([Buffer.from([0, request.length]), request])))).toBe(true)
    expect(dtlsAnalyzer.probe(tcpFlow, packet(Buffer.from('160301020001', 'hex')))).toBe(false)
    expect(dtlsAnalyzer.probe(tcpFlow, packet(hs(dtlsFragments(CH, 0, clientHello))))).toBe(false)
    // ChannelData first (a capture begun during a relayed call): on a TURN server port only.
    const channelData = turnChannelData(0x4000, dtlsRecord(23, Buffer.alloc(40), {epoch: 1}), true)
    expect(dtlsAnalyzer.probe(flow, packet(channelData))).toBe(true)
    expect(dtlsAnalyzer.probe({...flow, server: {ip: '10.0.0.2', port: 40000}}, packet(channelData))).toBe(false)
  })
})
