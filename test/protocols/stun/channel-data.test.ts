import {describe, expect, it} from 'vitest'
import {type RtpFacts, rtpAnalyzer} from '../../../src/protocols/rtp/analyzer.js'
import {type StunFacts, stunAnalyzer} from '../../../src/protocols/stun/analyzer.js'
import {channelDataHeader} from '../../../src/protocols/stun/message.js'
import {channelDataExcluded} from '../../../src/protocols/stun/ports.js'
import {detBytes, rtp, stunBindingRequest, stunBindingSuccess} from '../../support/packet-builder.js'
import {CaptureKit, factsOn} from '../rtp/capture-kit.js'

/**
 * TURN ChannelData (RFC 8656 §12.4) is only a channel number in 0x4000-0x7FFF and a length:
 * Kerberos and GTPv2-C datagrams fit it exactly. It is believed only on a flow that carries
 * STUN, or on a TURN port after several well-formed messages on one channel; never on the
 * ports of well-known UDP services (src/protocols/stun/ports.ts).
 */

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** An ASN.1 [APPLICATION n] element with a two-byte long-form length (RFC 4120 §5.4.1/§5.9.1):
 * tag 0x6a AS-REQ, 0x6c TGS-REQ, 0x7e KRB-ERROR. */
function kerberos(tag: number, bodyLength: number, seed: string): Buffer {
  const body = Buffer.concat([hex('3082'), Buffer.from([(bodyLength - 4) >> 8, (bodyLength - 4) & 255]), detBytes(seed, bodyLength - 4)])
  return Buffer.concat([Buffer.from([tag, 0x82, bodyLength >> 8, bodyLength & 255]), body])
}

/** A GTPv2-C message with a TEID (3GPP TS 29.274 §5.1): flags 0x48, type, length of the rest. */
function gtpv2c(type: number, seq: number, ies: Buffer): Buffer {
  const rest = Buffer.concat([hex('00000000'), Buffer.from([seq >> 16, (seq >> 8) & 255, seq & 255, 0]), ies])
  return Buffer.concat([Buffer.from([0x48, type, rest.length >> 8, rest.length & 255]), rest])
}

function channelData(channel: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel >> 8, channel & 255, payload.length >> 8, payload.length & 255]), payload, Buffer.alloc((4 - (payload.length % 4)) % 4)])
}

const exactChannelData = (b: Buffer) => channelDataHeader(b, 0, b.length, true, {channel: 0, length: 0})

describe('TURN ChannelData look-alikes', () => {
  it('Kerberos and GTPv2-C datagrams fit a ChannelData header exactly (why ports and STUN must decide)', () => {
    expect(exactChannelData(kerberos(0x6a, 300, 'as'))).toBe(true)
    expect(exactChannelData(kerberos(0x7e, 120, 'err'))).toBe(true)
    expect(exactChannelData(gtpv2c(0x20, 1, detBytes('ie', 40)))).toBe(true)
  })

  it('well-known service ports never carry ChannelData, unless the other end is a TURN port', () => {
    for (const port of [53, 88, 123, 161, 2123]) expect(channelDataExcluded({client: {port: 50123}, server: {port}}), `server ${port}`).toBe(true)
    expect(channelDataExcluded({client: {port: 88}, server: {port: 40000}})).toBe(true) // below 1024: not ephemeral
    expect(channelDataExcluded({client: {port: 2123}, server: {port: 40000}})).toBe(false) // may be ephemeral
    expect(channelDataExcluded({client: {port: 3478}, server: {port: 88}})).toBe(false)
    expect(channelDataExcluded({client: {port: 50123}, server: {port: 40000}})).toBe(false)
  })

  it('Kerberos on UDP 88 (AS-REQ, TGS-REQ, KRB-ERROR) is neither STUN nor relayed RTP', async () => {
    const kit = new CaptureKit()
    const client = {ip: '10.1.12.2', port: 1061}
    const kdc = {ip: '10.5.3.1', port: 88}
    kit.udp(client, kdc, kerberos(0x6a, 300, 'as-req'))
    kit.udp(kdc, client, kerberos(0x7e, 120, 'krb-error'))
    kit.udp(client, kdc, kerberos(0x6c, 1200, 'tgs-req'))
    const flows = await kit.analyze([stunAnalyzer, rtpAnalyzer])
    expect(flows).toHaveLength(1)
    expect(factsOn<StunFacts>(flows, 'stun', client, kdc)).toBeUndefined()
    expect(factsOn<RtpFacts>(flows, 'rtp', client, kdc)).toBeUndefined()
  })

  it('GTPv2-C on UDP 2123 is not ChannelData', async () => {
    const kit = new CaptureKit()
    const mme = {ip: '10.101.0.2', port: 1024}
    const sgw = {ip: '10.102.0.2', port: 2123}
    for (let i = 0; i < 4; i++) {
      kit.udp(mme, sgw, gtpv2c(0x20 + i, i + 1, detBytes(`ies${i}`, 60)))
      kit.udp(sgw, mme, gtpv2c(0x21 + i, i + 1, detBytes(`rsp${i}`, 30)))
    }
    expect(factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', mme, sgw)).toBeUndefined()
  })

  it('on a service port, ChannelData is not counted even beside a STUN message', async () => {
    const kit = new CaptureKit()
    const a = {ip: '192.168.1.23', port: 50000}
    const radius = {ip: '198.51.100.10', port: 1812}
    kit.udp(a, radius, stunBindingRequest({txid: detBytes('r', 12)}))
    for (let i = 0; i < 4; i++) kit.udp(a, radius, channelData(0x4001, detBytes(`r${i}`, 64)))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', a, radius)!
    expect(facts.messages).toBe(1)
    expect(facts.channelDataMessages).toBe(0)
    expect(facts.channels).toEqual([])
  })

  it('on other ports, ChannelData-shaped datagrams with no STUN on the flow are not reported', async () => {
    const kit = new CaptureKit()
    const a = {ip: '192.168.1.23', port: 50000}
    const b = {ip: '198.51.100.10', port: 40000}
    for (let i = 0; i < 6; i++) kit.udp(a, b, channelData(0x4001, detBytes(`p${i}`, 100)))
    expect(factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', a, b)).toBeUndefined()
  })

  it('ChannelData before the flow’s first STUN message counts once the STUN comes', async () => {
    const kit = new CaptureKit()
    const a = {ip: '192.168.1.23', port: 50000}
    const relay = {ip: '198.51.100.10', port: 443}
    const first = kit.udp(a, relay, channelData(0x4001, detBytes('early0', 100)))
    kit.udp(a, relay, channelData(0x4001, detBytes('early1', 90)))
    const txid = detBytes('late-bind', 12)
    kit.udp(a, relay, stunBindingRequest({txid}))
    kit.udp(relay, a, stunBindingSuccess({txid, mapped: {ip: '203.0.113.7', port: 61045}}))
    kit.udp(a, relay, channelData(0x4001, detBytes('after', 80)))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', a, relay)!
    expect(facts.messages).toBe(2)
    expect(facts.channelDataMessages).toBe(3)
    expect(facts.channels).toEqual([expect.objectContaining({channel: '0x4001', packets: 3, bytes: 270})])
    expect(facts.channels[0]!.first.frame).toBe(first)
  })

  it('on a TURN port with no STUN seen, ChannelData counts after 3 well-formed messages on one channel', async () => {
    const relay = {ip: '198.51.100.10', port: 3478}
    const a = {ip: '192.168.1.23', port: 50000}
    const run = async (payloads: Buffer[]) => {
      const kit = new CaptureKit()
      for (const p of payloads) kit.udp(a, relay, p)
      return factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', a, relay)
    }
    const three = [0, 1, 2].map((i) => channelData(0x4002, detBytes(`t${i}`, 64)))
    expect((await run(three))?.channels).toEqual([expect.objectContaining({channel: '0x4002', packets: 3, bytes: 192})])
    // Two messages, or three spread over three channels: not enough.
    expect(await run(three.slice(0, 2))).toBeUndefined()
    expect(await run([0x4000, 0x4001, 0x4002].map((c, i) => channelData(c, detBytes(`s${i}`, 64))))).toBeUndefined()
    // A datagram with ChannelData's first bits whose length does not fit: not ChannelData.
    const bad = channelData(0x4002, detBytes('bad', 64))
    bad.writeUInt16BE(200, 2)
    expect(await run([three[0]!, bad, three[1]!, three[2]!, channelData(0x4002, detBytes('t3', 64))])).toBeUndefined()
  })

  it('RTP in ChannelData: read on a TURN port, or after a STUN message, never on a service port', async () => {
    const media = (i: number) => channelData(0x4001, rtp({pt: 111, seq: i, timestamp: 960 * i, ssrc: 0xd3f9fd82}, detBytes(`m${i}`, 70)))
    const streams = async (server: {ip: string; port: number}, stunFirst: boolean) => {
      const kit = new CaptureKit()
      const a = {ip: '192.168.1.23', port: 50000}
      if (stunFirst) kit.udp(a, server, stunBindingRequest({txid: detBytes('b', 12)}))
      for (let i = 0; i < 10; i++) kit.udp(a, server, media(i))
      return factsOn<RtpFacts>(await kit.analyze([rtpAnalyzer]), 'rtp', a, server)?.streams.map((s) => [s.carrier, s.turnChannel, s.packets])
    }
    expect(await streams({ip: '198.51.100.10', port: 3478}, false)).toEqual([['turn-channel', '0x4001', 10]])
    expect(await streams({ip: '198.51.100.10', port: 443}, true)).toEqual([['turn-channel', '0x4001', 10]])
    expect(await streams({ip: '198.51.100.10', port: 443}, false)).toBeUndefined()
    // RADIUS 1812: a service port the RTP analyzer itself does not skip.
    expect(await streams({ip: '198.51.100.10', port: 1812}, true)).toBeUndefined()
  })
})

describe('TURN over TCP carrying a whole call', () => {
  it('is read to its end: every relayed RTP packet and ChannelData message counted, past any buffer cap', async () => {
    // 3000 ChannelData messages of 212 bytes, 636 kB: more than the RTP analyzer's 256 KiB and
    // the STUN analyzer's 64 KiB of held stream, which once cut the count short.
    const kit = new CaptureKit()
    const c = {ip: '192.168.1.20', port: 59164}
    const s = {ip: '198.51.100.20', port: 3478}
    let seq = 1
    const send = (p: Buffer) => {
      kit.tcp(c, s, {seq, flags: 'PA'}, p)
      seq += p.length
    }
    send(stunBindingRequest({txid: detBytes('tcp-turn', 12)}))
    for (let i = 0; i < 3000; i++) {
      const media = rtp({pt: 111, seq: i & 0xffff, timestamp: 960 * i, ssrc: 0x64e1da3a}, detBytes(`m${i}`, 200))
      send(Buffer.concat([hex('4000'), Buffer.from([media.length >> 8, media.length & 0xff]), media]))
    }
    const flows = await kit.analyze([rtpAnalyzer, stunAnalyzer])
    const r = factsOn<RtpFacts>(flows, 'rtp', c, s)!
    expect(r.streams.map((x) => [x.ssrc, x.carrier, x.packets, x.lost])).toEqual([['0x64e1da3a', 'turn-channel', 3000, 0]])
    expect(r.truncated).toBe(false)
    const st = factsOn<StunFacts>(flows, 'stun', c, s)!
    expect(st.channels?.map((x) => [x.channel, x.packets])).toEqual([['0x4000', 3000]])
    expect(st.truncated).toBeFalsy()
  })
})

