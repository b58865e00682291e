/**
 * The collector hands analyzers each payload in place: a range [start, end) of the reused read
 * buffer, with the `data` view made only on demand (ReusedPayloadPacket). Hot paths (RTP, STUN
 * demultiplexing, ChannelData counting) read the range directly, so they must honour both ends:
 * these tests feed every analyzer the same packets as standalone views and in place between
 * hostile neighbours, and require the same facts.
 */
import {describe, expect, it} from 'vitest'
import {type FlowInfo, type PacketPlace, payloadPacketOf, ReusedPayloadPacket} from '../../src/protocols/analyzer.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {detBytes, rtp, stunBindingRequest, stunBindingSuccess, stunMessage} from '../support/packet-builder.js'

const evidenceOf = (p: PacketPlace) => ({frame: p.frame, capture: p.capture, time: `${p.sec}.${p.nsec}`})

describe('ReusedPayloadPacket', () => {
  it('gives the view of the current range, never a stale one', () => {
    const buffer = Uint8Array.from({length: 32}, (_, i) => i)
    const packet = new ReusedPayloadPacket()
    expect(packet.data.length).toBe(0)
    packet.setPayload(buffer, 3, 7)
    expect([...packet.data]).toEqual([3, 4, 5, 6])
    expect(packet.data).toBe(packet.data) // made once per packet
    packet.setPayload(buffer, 10, 12)
    expect([...packet.data]).toEqual([10, 11])
    expect([packet.start, packet.end, packet.bytes]).toEqual([10, 12, buffer])
    const own = Uint8Array.of(9, 8, 7)
    packet.setData(own)
    expect(packet.data).toBe(own)
    expect([packet.start, packet.end, packet.bytes]).toEqual([0, 3, own])
  })
})

/** A WebRTC-like flow: ICE checks, RTP direct, RTP over TURN ChannelData and a Data indication, RTCP. */
function callPayloads(): Array<{toServer: boolean; data: Buffer}> {
  const out: Array<{toServer: boolean; data: Buffer}> = []
  for (let i = 0; i < 4; i++) {
    const txid = detBytes(`ice${i}`, 12)
    out.push({toServer: true, data: stunBindingRequest({txid, software: 'test-agent 1.0'})})
    out.push({toServer: false, data: stunBindingSuccess({txid, mapped: {ip: '203.0.113.9', port: 40000 + i}})})
  }
  for (let seq = 100; seq < 160; seq++) {
    const media = rtp({pt: 111, seq, timestamp: seq * 960, ssrc: 0x1234abcd, marker: seq % 10 === 0}, detBytes(`m${seq}`, 40 + (seq % 7)))
    const kind = seq % 3
    if (kind === 0) out.push({toServer: true, data: media})
    else if (kind === 1) {
      // ChannelData (RFC 8656 §12.4): channel, length, data padded to 4 over UDP.
      const head = Buffer.alloc(4)
      head.writeUInt16BE(0x4001, 0)
      head.writeUInt16BE(media.length, 2)
      out.push({toServer: true, data: Buffer.concat([head, media, Buffer.alloc((4 - (media.length % 4)) % 4)])})
    } else out.push({toServer: false, data: stunMessage({type: 0x0017, txid: detBytes(`d${seq}`, 12), attrs: [{type: 0x0013, value: media}]})})
  }
  // RTCP receiver report (PT 201) with one report block.
  const rr = Buffer.alloc(32)
  rr[0] = 0x81
  rr[1] = 201
  rr.writeUInt16BE(7, 2)
  rr.writeUInt32BE(0x0badcafe, 4)
  rr.writeUInt32BE(0x1234abcd, 8)
  out.push({toServer: false, data: rr})
  return out
}

/** Run one analyzer over the payloads, each packet made by `place`; the facts, or undefined. */
function run(analyzerName: string, flow: FlowInfo, payloads: Array<{toServer: boolean; data: Buffer}>, inPlace: boolean): unknown {
  const analyzer = ALL_ANALYZERS.find((a) => a.name === analyzerName)!
  const reused = new ReusedPayloadPacket()
  // Neighbours that change any result read past `end` or before `start`: more RTP, ChannelData
  // and STUN-looking bytes.
  const before = Buffer.concat([Buffer.from([0x40, 0x01, 0x00, 0x10]), detBytes('before', 61)])
  const after = Buffer.concat([rtp({pt: 0, seq: 1, timestamp: 1, ssrc: 0xdeadbeef}, detBytes('after', 70)), Buffer.from([0x00, 0x01, 0x00, 0x00])])
  const packetOf = (i: number): ReturnType<typeof payloadPacketOf> => {
    const {toServer, data} = payloads[i]!
    const place = {frame: i + 1, capture: 0, sec: 1_700_000_000 + i, nsec: 0}
    if (!inPlace) return payloadPacketOf(Buffer.from(data), {...place, toServer})
    const buffer = Buffer.concat([before, data, after])
    reused.setPayload(buffer, before.length, before.length + data.length)
    Object.assign(reused, place, {toServer, seq: 0, tcpFlags: 0, streamStart: -1})
    return reused
  }
  if (!analyzer.probe(flow, packetOf(0))) return 'not probed'
  const state = analyzer.start(flow, evidenceOf)
  for (let i = 0; i < payloads.length; i++) if (!analyzer.feed(state, packetOf(i))) break
  return analyzer.finish(state)
}

describe('analyzers read payloads in place exactly as standalone views', () => {
  const flow: FlowInfo = {id: 1, transport: 'udp', client: {ip: '192.168.1.20', port: 50000}, server: {ip: '198.51.100.7', port: 3478}}
  const payloads = callPayloads()
  for (const name of ALL_ANALYZERS.map((a) => a.name)) {
    it(`${name}: same facts`, () => {
      const alone = run(name, flow, payloads, false)
      const inPlace = run(name, flow, payloads, true)
      expect(inPlace).toEqual(alone)
    })
  }

  it('the call is seen: RTP streams over all three carriers and STUN with ChannelData (the comparison is not vacuous)', () => {
    const rtpFacts = run('rtp', flow, payloads, true) as {streams: Array<{packets: number; payloadBytes: number}>}
    expect(rtpFacts.streams.reduce((n, s) => n + s.packets, 0)).toBe(60)
    const stunFacts = run('stun', flow, payloads, true) as {messages: number; channelDataMessages: number}
    expect(stunFacts.channelDataMessages).toBe(20)
    expect(stunFacts.messages).toBeGreaterThanOrEqual(8 + 20)
  })
})
