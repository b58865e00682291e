import {describe, expect, it} from 'vitest'
import {type RtpFacts, rtpAnalyzer} from '../../../src/protocols/rtp/analyzer.js'
import {detBytes, rtcpReceiverReport, rtcpSdes, rtcpSenderReport, rtp, stunBindingRequest, stunBindingSuccess, stunMessage} from '../../support/packet-builder.js'
import {CaptureKit, factsOn} from './capture-kit.js'

const a = {ip: '192.168.1.23', port: 50000}
const b = {ip: '198.51.100.10', port: 40000}
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** G.711 μ-law silence with a little noise: plain audio. */
function pcmu(i: number): Buffer {
  const frame = Buffer.alloc(160, 0xff)
  for (let j = 0; j < 160; j += 7) frame[j] = 0xf0 + ((i + j) % 15)
  return frame
}

describe('RTP analyzer', () => {
  it('declares a stream after 3 in-order packets and counts it from its first packet', async () => {
    const kit = new CaptureKit()
    const first = kit.udp(a, b, rtp({pt: 0, seq: 100, timestamp: 0, ssrc: 0x1234abcd}, pcmu(0)))
    for (let i = 1; i < 40; i++) kit.udp(a, b, rtp({pt: 0, seq: 100 + i, timestamp: 160 * i, ssrc: 0x1234abcd}, pcmu(i)), 20_000)
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, b)!
    expect(facts.detectedBy).toBe('rtp-sequence')
    expect(facts.streams).toHaveLength(1)
    const s = facts.streams[0]!
    expect(s).toMatchObject({ssrc: '0x1234abcd', sentBy: 'client', carrier: 'direct', packets: 40, payloadBytes: 6400, firstSequence: 100, lastSequence: 139, expected: 40, lost: 0, firstTimestamp: 0, lastTimestamp: 160 * 39})
    expect(s.payloadTypes).toEqual([{pt: 0, name: 'PCMU', packets: 40}])
    expect(s.first.frame).toBe(first)
    expect(s.content.verdict).toBe('plain')
    expect(rtpAnalyzer.describe(facts)[0]).toBe(`RTP SSRC 0x1234abcd PT 0 PCMU → 40 pkts, looks UNENCRYPTED (client, frame ${first})`)
  })

  it('two packets are not enough; noise with RTP-like first bytes is not RTP', async () => {
    const kit = new CaptureKit()
    kit.udp(a, b, rtp({pt: 96, seq: 1, timestamp: 0, ssrc: 5}, detBytes('p1', 100)))
    kit.udp(a, b, rtp({pt: 96, seq: 2, timestamp: 3000, ssrc: 5}, detBytes('p2', 100)))
    const c = {ip: '10.0.0.5', port: 7000}
    const d = {ip: '10.0.0.6', port: 7002}
    for (let i = 0; i < 200; i++) {
      const noise = detBytes(`noise${i}`, 60)
      noise[0] = 0x80 | (noise[0]! & 0x3f)
      kit.udp(c, d, noise)
    }
    // A game protocol with a constant "sequence number" (riotgames.pcap-like): never advances.
    const e = {ip: '10.0.0.7', port: 7194}
    for (let i = 0; i < 20; i++) kit.udp(c, e, Buffer.concat([hex('9f 1f 9c31 a0331d04 01000000'), detBytes(`g${i}`, 40)]))
    const flows = await kit.analyze([rtpAnalyzer])
    expect(factsOn(flows, 'rtp', a, b)).toBeUndefined()
    expect(factsOn(flows, 'rtp', c, d)).toBeUndefined()
    expect(factsOn(flows, 'rtp', c, e)).toBeUndefined()
  })

  it('streams per SSRC and direction, loss from sequence gaps, sequence wrap-around', async () => {
    const kit = new CaptureKit()
    for (let i = 0; i < 30; i++) {
      if (i !== 10 && i !== 11) kit.udp(a, b, rtp({pt: 111, seq: (65530 + i) & 0xffff, timestamp: 960 * i, ssrc: 1}, detBytes(`o${i}`, 80)))
      kit.udp(b, a, rtp({pt: 111, seq: 7 + i, timestamp: 960 * i, ssrc: 2}, detBytes(`i${i}`, 80)))
    }
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, b)!
    const out = facts.streams.find((s) => s.ssrc === '0x00000001')!
    const back = facts.streams.find((s) => s.ssrc === '0x00000002')!
    expect(out).toMatchObject({sentBy: 'client', packets: 28, firstSequence: 65530, lastSequence: (65530 + 29) & 0xffff, expected: 30, lost: 2})
    expect(back).toMatchObject({sentBy: 'server', packets: 30, lost: 0})
    expect(out.content.verdict).toBe('encrypted')
  })

  it('WebRTC mux (RFC 7983): STUN and DTLS skipped, SRTP with a clear header extension', async () => {
    const kit = new CaptureKit()
    const txid = detBytes('ice', 12)
    kit.udp(a, b, stunBindingRequest({txid}))
    kit.udp(b, a, stunBindingSuccess({txid, mapped: {ip: a.ip, port: a.port}}))
    kit.udp(a, b, Buffer.concat([hex('16 fefd 0000 000000000000 0010'), detBytes('dtls', 16)]))
    for (let i = 0; i < 40; i++) {
      // one-byte header extension: id 1 (audio level, RFC 6464), id 3; then an encrypted payload
      const packet = Buffer.concat([hex('90'), Buffer.from([111]), Buffer.from([0, i]), hex('00000000 0a0b0c0d'), hex('bede 0002 10 7f 33 01020304 00'), detBytes(`srtp${i}`, 90)])
      packet.writeUInt32BE(960 * i, 4)
      kit.udp(a, b, packet)
    }
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, b)!
    expect(facts.streams).toHaveLength(1)
    expect(facts.streams[0]).toMatchObject({ssrc: '0x0a0b0c0d', packets: 40, headerExtension: {profile: '0xbede', ids: [1, 3]}, content: {verdict: 'encrypted'}})
    expect(rtpAnalyzer.describe(facts)[0]).toContain('looks encrypted (SRTP)')
  })

  it('RTCP-only flow: SDES items captured verbatim with evidence, BYE, packet types', async () => {
    const kit = new CaptureKit()
    const frames: number[] = []
    for (let i = 0; i < 3; i++) {
      const sr = rtcpSenderReport({ssrc: 0x5d931534, ntpSec: i, ntpFrac: 0, rtpTs: 0, packets: 0, octets: 0})
      const sdes = rtcpSdes([{ssrc: 0x5d931534, items: [{type: 'CNAME', text: 'alice@192.168.1.23'}, {type: 'NAME', text: 'Alice Example'}, {type: 'EMAIL', text: 'alice@example.org'}, {type: 'NOTE', text: 'FreeSWITCH.org -- Come to ClueCon.com'}]}])
      frames.push(kit.udp(a, b, Buffer.concat([sr, sdes]), 4_000_000))
    }
    kit.udp(b, a, Buffer.concat([rtcpReceiverReport({ssrc: 0x01932db4}), rtcpSdes([{ssrc: 0x01932db4, items: [{type: 'CNAME', text: '1932db4'}]}])]))
    const bye = Buffer.concat([hex('81 cb 0006 5d931534 10'), Buffer.from('session shutdown'), hex('000000')])
    kit.udp(a, b, Buffer.concat([rtcpReceiverReport({ssrc: 0x5d931534}), bye]))
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, b)!
    expect(facts.detectedBy).toBe('rtcp')
    expect(facts.streams).toEqual([])
    const r = facts.rtcp!
    expect(r.datagrams).toBe(5)
    expect(r.encrypted).toBe(0)
    expect(r.packetTypes).toEqual([
      {pt: 200, name: 'SR', count: 3},
      {pt: 201, name: 'RR', count: 2},
      {pt: 202, name: 'SDES', count: 4},
      {pt: 203, name: 'BYE', count: 1},
    ])
    expect(r.sdes.map((i) => [i.ssrc, i.item, i.text, i.sentBy, i.count, i.first.frame])).toEqual([
      ['0x5d931534', 'CNAME', 'alice@192.168.1.23', 'client', 3, frames[0]],
      ['0x5d931534', 'NAME', 'Alice Example', 'client', 3, frames[0]],
      ['0x5d931534', 'EMAIL', 'alice@example.org', 'client', 3, frames[0]],
      ['0x5d931534', 'NOTE', 'FreeSWITCH.org -- Come to ClueCon.com', 'client', 3, frames[0]],
      ['0x01932db4', 'CNAME', '1932db4', 'server', 1, expect.any(Number)],
    ])
    expect(r.byes).toEqual([expect.objectContaining({ssrc: '0x5d931534', reason: 'session shutdown'})])
    const lines = rtpAnalyzer.describe(facts)
    expect(lines).toContain(`RTCP SDES NAME "Alice Example" (SSRC 0x5d931534, frame ${frames[0]})`)
  })

  it('RTP inside TURN ChannelData and inside Send indications, kept apart from direct RTP', async () => {
    const kit = new CaptureKit()
    const relay = {ip: '142.250.82.99', port: 3478}
    kit.udp(a, relay, stunMessage({type: 0x0003, txid: detBytes('al', 12), attrs: [{type: 0x0019, value: hex('11000000')}]}))
    for (let i = 0; i < 10; i++) {
      const media = rtp({pt: 111, seq: i, timestamp: 960 * i, ssrc: 0xd3f9fd82}, detBytes(`c${i}`, 70))
      kit.udp(a, relay, Buffer.concat([hex('4001'), Buffer.from([0, media.length]), media, Buffer.alloc((4 - (media.length % 4)) % 4)]))
      const other = rtp({pt: 111, seq: 50 + i, timestamp: 960 * i, ssrc: 0x26cf4f5d}, detBytes(`s${i}`, 70))
      kit.udp(a, relay, stunMessage({type: 0x0016, txid: detBytes(`si${i}`, 12), attrs: [{type: 0x0012, value: hex('0001 1234 01020304')}, {type: 0x0013, value: other}]}))
    }
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, relay)!
    expect(facts.streams.map((s) => [s.ssrc, s.carrier, s.turnChannel, s.packets])).toEqual([
      ['0xd3f9fd82', 'turn-channel', '0x4001', 10],
      ['0x26cf4f5d', 'turn-data', undefined, 10],
    ])
  })

  it('RTP over TCP in RFC 4571 frames (ICE-TCP)', async () => {
    const kit = new CaptureKit()
    const c = {ip: '10.77.110.51', port: 41588}
    const s = {ip: '10.206.50.239', port: 42000}
    const frame = (p: Buffer) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 255]), p])
    const txid = detBytes('tcp', 12)
    let seq = 1
    const send = (p: Buffer) => {
      kit.tcp(c, s, {seq, flags: 'PA'}, p)
      seq += p.length
    }
    send(frame(stunBindingRequest({txid})))
    for (let i = 0; i < 8; i++) send(Buffer.concat([frame(rtp({pt: 104, seq: 300 + 2 * i, timestamp: 0, ssrc: 0x74ec}, detBytes(`t${i}`, 50))), frame(rtp({pt: 104, seq: 301 + 2 * i, timestamp: 0, ssrc: 0x74ec}, detBytes(`u${i}`, 50)))]))
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', c, s)!
    expect(facts.streams).toEqual([expect.objectContaining({ssrc: '0x000074ec', carrier: 'rfc4571', packets: 16})])
  })

  it('SRTCP compounds are counted as encrypted, with nothing read past the header', async () => {
    const kit = new CaptureKit()
    for (let i = 0; i < 5; i++) kit.udp(a, b, rtp({pt: 111, seq: i, timestamp: 960 * i, ssrc: 9}, detBytes(`m${i}`, 80)))
    const sr = rtcpSenderReport({ssrc: 9, ntpSec: 1, ntpFrac: 2, rtpTs: 3, packets: 4, octets: 5})
    kit.udp(a, b, Buffer.concat([sr.subarray(0, 8), detBytes('enc', 48), hex('80000001'), detBytes('tag', 10)]))
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, b)!
    expect(facts.rtcp).toMatchObject({datagrams: 1, encrypted: 1, packetTypes: [{pt: 200, name: 'SR', count: 1}], senders: ['0x00000009'], sdes: []})
    expect(rtpAnalyzer.describe(facts)).toContain('RTCP 1 datagram (1 SRTCP-encrypted): SR ×1')
  })

  it('keeps counting past the payload sample, and caps the number of streams', async () => {
    const kit = new CaptureKit()
    for (let i = 0; i < 300; i++) kit.udp(a, b, rtp({pt: 96, seq: i, timestamp: 0, ssrc: 77}, detBytes(`k${i % 50}`, 40)), 100)
    for (let n = 0; n < 80; n++) kit.udp(a, b, rtp({pt: 96, seq: 1, timestamp: 0, ssrc: 1000 + n}, detBytes(`z${n}`, 40)), 100)
    const facts = factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, b)!
    expect(facts.streams.find((s) => s.ssrc === '0x0000004d')!.packets).toBe(300)
    expect(facts.streams.find((s) => s.ssrc === '0x0000004d')!.content.sampledPackets).toBe(32)
    expect(facts.streams).toHaveLength(64)
    expect(facts.packetsInUntrackedStreams).toBe(17)
    expect(facts.truncated).toBe(true)
  })
})
