import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {newPacketRecord} from '../../src/capture/packet-record.js'
import {MAX_AMSDU_SUBFRAMES, PacketDecoder} from '../../src/decode/packet-decoder.js'
import {amsduSubframe} from '../../src/decode/ieee80211.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {ipv4FromUint32, ipv6FromWords} from '../../src/util/ip-text.js'
import {PcapWriter} from '../support/capture-writer.js'
import {crc32, dnsQuery, ETHERTYPE, IPPROTO, ipv4, ipv6, LINKTYPE, tcp, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'
import {runCli} from '../helpers/run-cli.js'

/**
 * IEEE 802.11 A-MSDU (IEEE 802.11-2020 §9.3.2.2): a QoS data frame whose QoS Control has the
 * A-MSDU Present bit (bit 7, §9.2.4.5.9) carries several MSDUs, each in a subframe of DA, SA,
 * Length (big-endian), LLC/SNAP and the packet, padded to 4 octets except the last. Each
 * subframe's packet is decoded and counted in its flow with the frame's length, as tshark's
 * conversation tables count them (numbers from `tshark -q -z conv,udp -z conv,tcp` on a capture
 * made the same way: 3 frames, 561 bytes for the DNS flow; 2 frames, 457 bytes for the TCP one).
 */

const dir = tempDir('callaudit-amsdu-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const snap = (type: number) => Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, type >> 8, type & 0xff])

/** One A-MSDU subframe (§9.3.2.2.2), padded unless it is the last; `length` overrides the field. */
function subframe(type: number, packet: Buffer, last = false, length?: number): Buffer {
  const msdu = Buffer.concat([snap(type), packet])
  const head = Buffer.concat([Buffer.alloc(6, 0x02), Buffer.alloc(6, 0x04), Buffer.alloc(2)])
  head.writeUInt16BE(length ?? msdu.length, 12)
  const sub = Buffer.concat([head, msdu])
  return last ? sub : Buffer.concat([sub, Buffer.alloc((4 - (sub.length % 4)) % 4)])
}

/** QoS data To DS (§9.3.2.1) whose QoS Control is `qos` (0x80: A-MSDU Present). */
function qosData(qos: number, body: Buffer): Buffer {
  const addresses = Buffer.concat([Buffer.alloc(6, 0x06), Buffer.alloc(6, 0x04), Buffer.alloc(6, 0x02)])
  return Buffer.concat([Buffer.from([0x88, 0x01, 0, 0]), addresses, Buffer.from([0, 0, qos, 0]), body])
}

/** Radiotap (radiotap.org) with the Flags field; 0x10 there: the frame ends with its FCS. */
function radiotapWithFcs(frame: Buffer): Buffer {
  const fcs = Buffer.alloc(4)
  fcs.writeUInt32LE(crc32(frame))
  return Buffer.concat([Buffer.from([0, 0, 9, 0, 2, 0, 0, 0, 0x10]), frame, fcs])
}

const radiotap = (frame: Buffer) => Buffer.concat([Buffer.from([0, 0, 8, 0, 0, 0, 0, 0]), frame])

const dns = ipv4({src: '192.168.1.20', dst: '8.8.8.8', proto: IPPROTO.UDP}, udp({sport: 40000, dport: 53}, dnsQuery({id: 0x1234, name: 'ministry.zoom.us'})))
// ARP request (RFC 826): not IP.
const arp = Buffer.concat([Buffer.from('0001080006040001', 'hex'), Buffer.alloc(6, 0x04), Buffer.from([192, 168, 1, 20]), Buffer.alloc(6), Buffer.from([192, 168, 1, 1])])
const syn = ipv6({src: '2001:db8::20', dst: '2001:db8::443', next: IPPROTO.TCP}, tcp({sport: 50000, dport: 443, seq: 1, flags: 'S'}))

/** IPv4 DNS query, ARP (its subframe padded), IPv6 SYN; behind radiotap with an FCS. */
const threeSubframes = radiotapWithFcs(qosData(0x80, Buffer.concat([subframe(ETHERTYPE.IPV4, dns), subframe(0x0806, arp), subframe(ETHERTYPE.IPV6, syn, true)])))
/** The DNS query, then the SYN in a subframe whose length (500) runs past the frame. */
const overlong = radiotap(qosData(0x80, Buffer.concat([subframe(ETHERTYPE.IPV4, dns), subframe(ETHERTYPE.IPV6, syn, true, 500)])))
/** The same query in a plain QoS data frame. */
const plain = radiotap(qosData(0, Buffer.concat([snap(ETHERTYPE.IPV4), dns])))

/** Every packet the decoder gives for the frame: per packet, its layers (address:port pairs), [] for none. */
function packetsOf(frame: Buffer, linkType = 127): string[][] {
  const decoder = new PacketDecoder()
  const record = newPacketRecord()
  record.linkType = linkType
  record.data = frame
  const text = (n: number) =>
    decoder.layers.slice(0, n).map((l) => {
      const ip = (a: Uint32Array) => (l.ipVersion === 4 ? ipv4FromUint32(a[0]!) : ipv6FromWords(a[0]!, a[1]!, a[2]!, a[3]!))
      return `${ip(l.src)}:${l.sport} > ${ip(l.dst)}:${l.dport} ${l.payloadEnd - l.payloadStart}`
    })
  const packets = [text(decoder.decode(record))]
  for (let guard = 0; decoder.morePackets && guard < 1000; guard++) packets.push(text(decoder.decodeNext()))
  return packets
}

describe('A-MSDU subframes on raw bytes', () => {
  it('gives the packet of each subframe in turn; one that is not IP gives none; the FCS after the last is no subframe', () => {
    expect(threeSubframes.length).toBe(257)
    expect(packetsOf(threeSubframes)).toEqual([['192.168.1.20:40000 > 8.8.8.8:53 34'], [], ['2001:db8::20:50000 > 2001:db8::443:443 0']])
    // Not aggregated: one packet, as before.
    expect(packetsOf(plain)).toEqual([['192.168.1.20:40000 > 8.8.8.8:53 34']])
    // Without the A-MSDU bit the subframes are misread as one MSDU: nothing.
    expect(packetsOf(radiotap(qosData(0, Buffer.concat([subframe(ETHERTYPE.IPV4, dns), subframe(ETHERTYPE.IPV6, syn, true)]))))).toEqual([[]])
  })

  it('a subframe whose length runs past the frame is read as far as the frame goes and ends it (as tshark counts it)', () => {
    expect(packetsOf(overlong)).toEqual([['192.168.1.20:40000 > 8.8.8.8:53 34'], ['2001:db8::20:50000 > 2001:db8::443:443 0']])
    // Its length field alone, the rest cut: nothing readable, and the end.
    const headerOnly = radiotap(qosData(0x80, Buffer.concat([subframe(ETHERTYPE.IPV4, dns), subframe(ETHERTYPE.IPV6, syn, true).subarray(0, 20)])))
    expect(packetsOf(headerOnly)).toEqual([['192.168.1.20:40000 > 8.8.8.8:53 34'], []])
  })

  it('reads every length before using it: every cut of the frame decodes without a throw or a layer past its bytes', () => {
    for (let cut = 0; cut <= threeSubframes.length; cut++) {
      const frame = threeSubframes.subarray(0, cut)
      expect(() => packetsOf(frame)).not.toThrow()
      const out = {offset: 0, etherType: 0, packetEnd: -1, nextSubframe: -1}
      // The first subframe starts after radiotap (9), the QoS data header (26).
      if (amsduSubframe(frame, 35, 35, frame.length, out)) expect(out.packetEnd).toBeLessThanOrEqual(frame.length)
      if (out.nextSubframe >= 0) expect(out.nextSubframe).toBeLessThan(frame.length - 14)
    }
  })

  it(`stops after ${MAX_AMSDU_SUBFRAMES} subframes: the rest of the frame is one packet without IP`, () => {
    const tiny = subframe(ETHERTYPE.IPV4, dns.subarray(0, 0)) // LLC/SNAP only: 22 bytes, padded to 24
    const many = radiotap(qosData(0x80, Buffer.concat(Array.from({length: MAX_AMSDU_SUBFRAMES + 10}, () => tiny))))
    const packets = packetsOf(many)
    expect(packets).toHaveLength(MAX_AMSDU_SUBFRAMES + 1)
    expect(packets.every((p) => p.length === 0)).toBe(true)
  })

  it('inside a tunnel (TZSP here; CAPWAP reads IEEE 802.11 the same way) an A-MSDU is not split: the tunnel is not followed', () => {
    // TZSP (Wireshark packet-tzsp.c): version 1, received, encapsulation 18 (802.11), end tag.
    const tzsp = Buffer.concat([Buffer.from([1, 0, 0, 18, 1]), qosData(0x80, subframe(ETHERTYPE.IPV4, dns, true))])
    const outer = ipv4({src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.UDP}, udp({sport: 40001, dport: 37008}, tzsp))
    expect(packetsOf(outer, LINKTYPE.RAW)).toEqual([[`10.0.0.1:40001 > 10.0.0.2:37008 ${tzsp.length}`]])
  })
})

describe('A-MSDU frames in a capture', () => {
  const write = (name: string) => {
    const w = new PcapWriter({linkType: 127})
    ;[threeSubframes, overlong, plain].forEach((frame, i) => w.add({sec: 1_700_000_000 + i, nsec: 0}, frame))
    const path = join(dir, name)
    writeFileSync(path, w.toBuffer())
    return path
  }

  it('count each subframe packet in its flow with the frame length, as tshark does: DNS 3 packets 561 B, TCP 2 packets 457 B; the ARP subframe is non-IP', async () => {
    expect([threeSubframes.length, overlong.length, plain.length]).toEqual([257, 200, 104])
    const path = write('amsdu.pcap')
    for (const options of [{}, {fastPath: false}, {analyzers: ALL_ANALYZERS}]) {
      const collection = await collectFlows([path], options)
      const flows = flowRecords(collection)
      expect(flows.map((f) => [f.proto, f.server.port, f.packets, f.bytes, f.firstFrame])).toEqual([
        ['udp', 53, {toServer: 3, toClient: 0}, {toServer: 561, toClient: 0}, 1],
        ['tcp', 443, {toServer: 2, toClient: 0}, {toServer: 457, toClient: 0}, 1],
      ])
      expect(collection.stats.nonIpPackets).toBe(1)
      if (options.analyzers) {
        const facts = collection.facts.get(flows[0]!.id) as {dns: {messages: Array<{evidence: {frame: number}; questions: Array<{name: string}>}>}}
        expect(facts.dns.messages.map((m) => [m.evidence.frame, m.questions[0]!.name])).toEqual([1, 2, 3].map((frame) => [frame, 'ministry.zoom.us']))
      }
    }
  })

  it('through the CLI (flows --json)', async () => {
    const run = await runCli(['flows', write('amsdu-cli.pcap'), '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as {summary: {packets: number; nonIpPackets: number}; flows: Array<{server: {port: number}; packets: {toServer: number}; bytes: {toServer: number}}>}
    expect(report.summary.packets).toBe(3)
    expect(report.summary.nonIpPackets).toBe(1)
    expect(report.flows.map((f) => [f.server.port, f.packets.toServer, f.bytes.toServer])).toEqual([
      [53, 3, 561],
      [443, 2, 457],
    ])
  })
})
