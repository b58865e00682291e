import {describe, expect, it} from 'vitest'
import {type StunFacts, stunAnalyzer} from '../../../src/protocols/stun/analyzer.js'
import {StunStreamFramer} from '../../../src/protocols/stun/tcp-framing.js'
import {detBytes, rtp, stunBindingRequest, stunBindingSuccess, stunMessage, stunSoftware, stunXorMappedAddress} from '../../support/packet-builder.js'
import {CaptureKit, factsOn} from '../rtp/capture-kit.js'

const client = {ip: '192.168.1.23', port: 53045}
const server = {ip: '193.122.35.237', port: 3478}
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

function xorAddress(type: number, ip: string, port: number, txid: Buffer) {
  return {...stunXorMappedAddress(ip, port, txid), type}
}

describe('STUN analyzer over UDP', () => {
  it('binding exchange: mapped address, SOFTWARE, RTT with evidence of both frames', async () => {
    const kit = new CaptureKit()
    const frames: number[] = []
    for (let i = 0; i < 2; i++) {
      const txid = detBytes(`tx${i}`, 12)
      frames.push(kit.udp(client, server, stunBindingRequest({txid, software: 'ZoomWebRTC 5.17'}), 200_000))
      frames.push(kit.udp(server, client, stunBindingSuccess({txid, mapped: {ip: '203.0.113.7', port: 61045}, software: 'ZoomSTUN'}), 18_600 + i * 1000))
    }
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', client, server)!
    expect(facts.messages).toBe(4)
    expect(facts.messageTypes).toEqual([
      {type: '0x0001', name: 'Binding Request', count: 2},
      {type: '0x0101', name: 'Binding Success Response', count: 2},
    ])
    expect(facts.mappedAddresses).toHaveLength(1)
    expect(facts.mappedAddresses[0]).toMatchObject({attribute: 'XOR-MAPPED-ADDRESS', type: '0x0020', ip: '203.0.113.7', port: 61045, family: 'IPv4', sentBy: 'server', count: 2, message: 'Binding Success Response'})
    expect(facts.mappedAddresses[0]!.first.frame).toBe(frames[1])
    expect(facts.software.map((s) => [s.text, s.sentBy])).toEqual([
      ['ZoomWebRTC 5.17', 'client'],
      ['ZoomSTUN', 'server'],
    ])
    expect(facts.transactions.requests).toBe(2)
    expect(facts.transactions.answered).toBe(2)
    expect(facts.transactions.samples.map((s) => [s.request.frame, s.response.frame, s.ms])).toEqual([
      [frames[0], frames[1], 18.6],
      [frames[2], frames[3], 19.6],
    ])
    expect(facts.transactions.rtt).toEqual({count: 2, minMs: 18.6, meanMs: 19.1, maxMs: 19.6})
    const lines = stunAnalyzer.describe(facts)
    expect(lines).toContain(`STUN Binding Success Response XOR-MAPPED-ADDRESS 203.0.113.7:61045 (frame ${frames[1]})`)
    expect(lines.some((l) => l.startsWith('SOFTWARE "ZoomSTUN"'))).toBe(true)
  })

  it('a retransmitted request: RTT from the last copy, transmissions counted', async () => {
    const kit = new CaptureKit()
    const txid = detBytes('rtx', 12)
    kit.udp(client, server, stunBindingRequest({txid}))
    const second = kit.udp(client, server, stunBindingRequest({txid}), 500_000)
    const answer = kit.udp(server, client, stunBindingSuccess({txid, mapped: {ip: '198.51.100.4', port: 40000}}), 30_000)
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', client, server)!
    expect(facts.transactions.samples).toEqual([expect.objectContaining({request: expect.objectContaining({frame: second}), response: expect.objectContaining({frame: answer}), ms: 30, transmissions: 2})])
  })

  it('flags private and ULA addresses in mapped and peer attributes (LAN address leaks)', async () => {
    const kit = new CaptureKit()
    const txid = detBytes('p', 12)
    kit.udp(client, server, stunBindingRequest({txid}))
    kit.udp(server, client, stunMessage({type: 0x0101, txid, attrs: [xorAddress(0x0020, '192.168.1.23', 53045, txid), xorAddress(0x0012, 'fd00:1::7', 9, txid)]}))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', client, server)!
    expect(facts.mappedAddresses[0]).toMatchObject({ip: '192.168.1.23', scope: 'rfc1918'})
    expect(facts.peerAddresses[0]).toMatchObject({attribute: 'XOR-PEER-ADDRESS', ip: 'fd00:1::7', family: 'IPv6', scope: 'ula'})
    expect(stunAnalyzer.describe(facts).join('\n')).toMatch(/192\.168\.1\.23:53045 .*RFC 1918/)
  })

  it('TURN: allocation, relayed and peer addresses, realm, errors, ChannelData counted per channel', async () => {
    const kit = new CaptureKit()
    const t1 = detBytes('a1', 12)
    const t2 = detBytes('a2', 12)
    const t3 = detBytes('a3', 12)
    kit.udp(client, server, stunMessage({type: 0x0003, txid: t1, attrs: [{type: 0x0019, value: hex('11000000')}]}))
    kit.udp(server, client, stunMessage({type: 0x0113, txid: t1, attrs: [{type: 0x0009, value: Buffer.concat([hex('00000401'), Buffer.from('Unauthorized')])}, {type: 0x0014, value: Buffer.from('example.org')}, {type: 0x0015, value: Buffer.from('nonce-123')}, stunSoftware('Coturn-4.6.2')]}))
    kit.udp(client, server, stunMessage({type: 0x0003, txid: t2, attrs: [{type: 0x0019, value: hex('11000000')}, {type: 0x0006, value: Buffer.from('1700000000:alice')}, {type: 0x0014, value: Buffer.from('example.org')}]}))
    kit.udp(server, client, stunMessage({type: 0x0103, txid: t2, attrs: [xorAddress(0x0016, '193.122.35.237', 50000, t2), xorAddress(0x0020, '203.0.113.7', 61045, t2), {type: 0x000d, value: hex('00000258')}]}))
    kit.udp(client, server, stunMessage({type: 0x0009, txid: t3, attrs: [{type: 0x000c, value: hex('40000000')}, xorAddress(0x0012, '198.51.100.20', 3478, t3)]}))
    kit.udp(server, client, stunMessage({type: 0x0109, txid: t3}))
    for (let i = 0; i < 5; i++) {
      const media = rtp({pt: 111, seq: i, timestamp: i * 960, ssrc: 7}, detBytes(`m${i}`, 60))
      const cd = Buffer.concat([hex('4000'), Buffer.from([0, media.length]), media])
      kit.udp(client, server, cd)
    }
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', client, server)!
    expect(facts.messages).toBe(6)
    expect(facts.relayedAddresses.map((a) => `${a.ip}:${a.port}`)).toEqual(['193.122.35.237:50000'])
    expect(facts.peerAddresses.map((a) => `${a.attribute} ${a.ip}:${a.port}`)).toEqual(['XOR-PEER-ADDRESS 198.51.100.20:3478'])
    expect(facts.realms.map((r) => r.text)).toEqual(['example.org'])
    expect(facts.usernames.map((u) => u.text)).toEqual(['1700000000:alice'])
    expect(facts.software.map((s) => s.text)).toEqual(['Coturn-4.6.2'])
    expect(facts.errors).toEqual([expect.objectContaining({code: 401, reason: 'Unauthorized', count: 1})])
    expect(facts.nonceMessages).toBe(1)
    expect(facts.lifetimes).toEqual([600])
    expect(facts.requestedTransports).toEqual(['UDP'])
    expect(facts.channelDataMessages).toBe(5)
    expect(facts.channels).toEqual([expect.objectContaining({channel: '0x4000', packets: 5, bytes: 5 * 72})])
    expect(facts.transactions.answered).toBe(3)
  })

  it('decodes a peer’s STUN relayed in a Data indication, marked as such', async () => {
    const kit = new CaptureKit()
    const inner = stunBindingSuccess({txid: detBytes('in', 12), mapped: {ip: '10.0.0.8', port: 5000}})
    const txid = detBytes('di', 12)
    kit.udp(server, client, stunMessage({type: 0x0017, txid, attrs: [xorAddress(0x0012, '198.51.100.20', 3478, txid), {type: 0x0013, value: inner}]}))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', client, server)!
    expect(facts.messages).toBe(1)
    expect(facts.nestedMessages).toBe(1)
    expect(facts.mappedAddresses).toEqual([expect.objectContaining({ip: '10.0.0.8', port: 5000, via: 'turn-data', scope: 'rfc1918'})])
    expect(facts.messageSample.map((m) => [m.name, m.via])).toEqual([
      ['Data Indication', undefined],
      ['Binding Success Response', 'turn-data'],
    ])
  })

  it('Microsoft attributes are recorded by name with their numeric values', async () => {
    const kit = new CaptureKit()
    const txid = detBytes('ms', 12)
    kit.udp(client, {ip: '52.114.250.123', port: 3478}, stunMessage({type: 0x0003, txid, attrs: [{type: 0x000f, value: hex('72c64bc6')}, {type: 0x8008, value: hex('00000006')}, {type: 0x8055, value: hex('00020002')}, {type: 0x8070, value: hex('00000002')}]}))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', client, {ip: '52.114.250.123', port: 3478})!
    expect(facts.dialects).toEqual(['ms-turn'])
    expect(facts.vendorAttributes.map((v) => [v.name, v.vendor, v.values])).toEqual([
      ['MAGIC-COOKIE', 'Microsoft', []],
      ['MS-VERSION', 'Microsoft', [6]],
      ['MS-SERVICE-QUALITY', 'Microsoft', [0x00020002]],
      ['MS-IMPLEMENTATION-VERSION', 'Microsoft', [2]],
    ])
  })

  it('past the first 256 messages, counts known types without decoding and still decodes new ones', async () => {
    const kit = new CaptureKit()
    for (let i = 0; i < 300; i++) kit.udp(client, server, stunBindingRequest({txid: detBytes(`many${i}`, 12)}), 100)
    const txid = detBytes('late', 12)
    kit.udp(server, client, stunBindingSuccess({txid, mapped: {ip: '203.0.113.9', port: 1234}}))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', client, server)!
    expect(facts.messages).toBe(301)
    expect(facts.messageTypes).toEqual([
      {type: '0x0001', name: 'Binding Request', count: 300},
      {type: '0x0101', name: 'Binding Success Response', count: 1},
    ])
    expect(facts.mappedAddresses.map((a) => a.ip)).toEqual(['203.0.113.9'])
    expect(facts.messageSample).toHaveLength(32)
    expect(facts.messagesNotKept).toBe(301 - 32)
    expect(facts.transactions.requests).toBe(256)
  })

  it('steps aside on flows that carry no STUN', async () => {
    const kit = new CaptureKit()
    const a = {ip: '10.0.0.1', port: 40000}
    const b = {ip: '10.0.0.2', port: 40002}
    for (let i = 0; i < 60; i++) kit.udp(a, b, rtp({pt: 0, seq: i, timestamp: i * 160, ssrc: 1}, detBytes(`x${i}`, 160)))
    expect(factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', a, b)).toBeUndefined()
  })

  it('RFC 3489 exchange on an arbitrary port pair', async () => {
    const kit = new CaptureKit()
    const a = {ip: '172.16.63.224', port: 55050}
    const b = {ip: '172.16.63.21', port: 13958}
    kit.udp(a, b, hex('0001 0008 9429ef88294dd52632c72931cb8dbb4c 0003 0004 00000000'))
    kit.udp(b, a, hex('0101 000c 9429ef88294dd52632c72931cb8dbb4c 0001 0008 0001 d70a ac103fe0'))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', a, b)!
    expect(facts.classicMessages).toBe(2)
    expect(facts.mappedAddresses).toEqual([expect.objectContaining({attribute: 'MAPPED-ADDRESS', ip: '172.16.63.224', port: 55050, scope: 'rfc1918'})])
    expect(facts.transactions.answered).toBe(1)
  })
})

describe('STUN analyzer over TCP', () => {
  const c = {ip: '23.183.197.71', port: 42849}
  const s = {ip: '166.172.142.131', port: 3479}

  it('several messages in one segment and one message split over two segments', async () => {
    const kit = new CaptureKit()
    const msgs = [0, 1, 2, 3].map((i) => stunMessage({type: 0x0003, txid: detBytes(`t${i}`, 12), attrs: [{type: 0x0019, value: hex('11000000')}]}))
    let seq = 1000
    kit.tcp(c, s, {seq: seq - 1, flags: 'S'})
    kit.tcp(s, c, {seq: 4999, ack: seq, flags: 'SA'})
    kit.tcp(c, s, {seq, ack: 5000, flags: 'A'})
    const one = Buffer.concat([msgs[0]!, msgs[1]!, msgs[2]!])
    kit.tcp(c, s, {seq, ack: 5000, flags: 'PA'}, one)
    seq += one.length
    kit.tcp(c, s, {seq, ack: 5000, flags: 'PA'}, msgs[3]!.subarray(0, 10))
    const last = kit.tcp(c, s, {seq: seq + 10, ack: 5000, flags: 'PA'}, msgs[3]!.subarray(10))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', c, s)!
    expect(facts.transport).toBe('tcp')
    expect(facts.framing).toBe('stream')
    expect(facts.messages).toBe(4)
    expect(facts.messageSample.at(-1)!.evidence.frame).toBe(last)
  })

  it('RFC 4571 framing (ICE-TCP): length-prefixed messages, non-STUN frames skipped', async () => {
    const kit = new CaptureKit()
    const a = {ip: '10.77.110.51', port: 41588}
    const b = {ip: '10.206.50.239', port: 42000}
    const txid = detBytes('ice', 12)
    const frame = (p: Buffer) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 255]), p])
    kit.tcp(a, b, {seq: 1, flags: 'PA'}, frame(stunBindingRequest({txid})))
    kit.tcp(b, a, {seq: 9, flags: 'PA'}, Buffer.concat([frame(stunBindingSuccess({txid, mapped: {ip: '10.77.110.51', port: 41588}})), frame(rtp({pt: 0, seq: 1, timestamp: 0, ssrc: 3}, detBytes('r', 40)))]))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', a, b)!
    expect(facts.framing).toBe('rfc4571')
    expect(facts.messages).toBe(2)
    expect(facts.mappedAddresses[0]).toMatchObject({ip: '10.77.110.51', port: 41588, scope: 'rfc1918'})
  })

  it('ChannelData over TCP is padded to 4 bytes (RFC 8656 §12.5)', async () => {
    const kit = new CaptureKit()
    const cd = (n: number) => Buffer.concat([hex('4001'), Buffer.from([0, n]), detBytes(`cd${n}`, n), Buffer.alloc((4 - (n % 4)) % 4)])
    const allocate = stunMessage({type: 0x0003, txid: detBytes('x', 12), attrs: [{type: 0x0019, value: hex('11000000')}]})
    kit.tcp(c, s, {seq: 1, flags: 'PA'}, Buffer.concat([allocate, cd(5), cd(8), cd(3)]))
    const facts = factsOn<StunFacts>(await kit.analyze([stunAnalyzer]), 'stun', c, s)!
    expect(facts.messages).toBe(1)
    expect(facts.channels).toEqual([expect.objectContaining({channel: '0x4001', packets: 3, bytes: 16})])
  })
})

describe('StunStreamFramer', () => {
  it('stops on bytes that fit neither framing', () => {
    const framer = new StunStreamFramer(false)
    const out = {kind: 'stun' as const, start: 0, end: 0}
    expect(framer.next(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), out as never)).toBe(false)
    expect(framer.stopped()).toBe(true)
  })

  it('to a TURN port, waits for a first ChannelData message cut across segments', () => {
    const framer = new StunStreamFramer(true)
    const message = Buffer.concat([Buffer.from([0x40, 0x00, 0x00, 200]), detBytes('cd', 200)])
    const out = {kind: 'stun' as 'stun' | 'channel-data' | 'packet', start: 0, end: 0}
    expect(framer.next(message.subarray(0, 100), out)).toBe(false)
    expect(framer.stopped()).toBe(false)
    expect(framer.next(message, out)).toBe(true)
    expect(out).toEqual({kind: 'channel-data', start: 0, end: 204})
  })

  it('waits for more bytes, then yields the frame', () => {
    const framer = new StunStreamFramer(false)
    const msg = stunBindingRequest({txid: detBytes('w', 12), software: 'x'})
    const out = {kind: 'stun' as 'stun' | 'channel-data' | 'packet', start: 0, end: 0}
    expect(framer.next(msg.subarray(0, 3), out)).toBe(false)
    expect(framer.next(msg.subarray(0, 30), out)).toBe(false)
    expect(framer.next(msg, out)).toBe(true)
    expect(out).toEqual({kind: 'stun', start: 0, end: msg.length})
    expect(framer.next(msg, out)).toBe(false)
    expect(framer.stopped()).toBe(false)
  })
})
