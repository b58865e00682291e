import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {packetSignature} from '../../src/flows/packet-signature.js'
import {tempDir} from '../helpers/temp-dir.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, ipv6, sll, tcp, udp} from '../support/packet-builder.js'

const CLIENT = '192.168.1.20'
const SERVER = '203.0.113.9'

function signatureOf(packet: Buffer, ipVersion: 4 | 6): number {
  const l4 = ipVersion === 4 ? (packet[0]! & 0x0f) * 4 : 40
  return packetSignature(packet, 0, l4, packet.length, packet[ipVersion === 4 ? 9 : 6]!)
}

function rtp(seq: number): Buffer {
  const b = Buffer.alloc(172)
  b[0] = 0x80
  b[1] = 111
  b.writeUInt16BE(seq, 2)
  b.writeUInt32BE(seq * 960, 4)
  b.writeUInt32BE(0x11223344, 8)
  for (let i = 12; i < b.length; i++) b[i] = (seq * 31 + i * 17) & 0xff
  return b
}

describe('packetSignature (raw bytes)', () => {
  const data = (seq: number, id: number) => ipv4({src: CLIENT, dst: SERVER, proto: IPPROTO.TCP, id}, tcp({sport: 50000, dport: 443, seq, flags: 'PA'}, Buffer.from('hello')))

  it('is the same for a copy of a packet, even with another TTL (seen on both sides of a router)', () => {
    const packet = data(1000, 7)
    const routed = Buffer.from(packet)
    routed[8] = 63 // TTL; the IP header checksum changes with it, the transport's does not
    expect(signatureOf(routed, 4)).toBe(signatureOf(packet, 4))
    expect(signatureOf(packet, 4)).not.toBe(0)
  })

  it('differs for the next segment, and for a retransmission that carries another IPv4 Identification', () => {
    expect(signatureOf(data(1005, 8), 4)).not.toBe(signatureOf(data(1000, 7), 4))
    expect(signatureOf(data(1000, 8), 4)).not.toBe(signatureOf(data(1000, 7), 4))
  })

  it('is 0 for a TCP segment without data: duplicate ACKs are legitimately identical', () => {
    const ack = ipv4({src: CLIENT, dst: SERVER, proto: IPPROTO.TCP, id: 3}, tcp({sport: 50000, dport: 443, seq: 1, flags: 'A'}))
    expect(signatureOf(ack, 4)).toBe(0)
  })

  it('tells IPv6 datagrams of one size apart when checksum offload left the same checksum in both', () => {
    // On the sending host the captured checksum is the pseudo-header sum only: equal for two
    // datagrams of one flow and size. The last payload bytes still differ.
    const a = ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.UDP, l4Checksum: false}, udp({sport: 5000, dport: 5004}, rtp(1)))
    const b = ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.UDP, l4Checksum: false}, udp({sport: 5000, dport: 5004}, rtp(2)))
    a.writeUInt16BE(0x1234, 46)
    b.writeUInt16BE(0x1234, 46)
    expect(signatureOf(a, 6)).not.toBe(signatureOf(b, 6))
    expect(signatureOf(Buffer.from(a), 6)).toBe(signatureOf(a, 6))
  })
})

/** A call's RTP flow and a TCP connection as `tcpdump -i any` on a host with a bridge records
 * them (Linux cooked headers): each packet twice, microseconds apart. */
function capture(options: {copyGapNs: number; copies: boolean; startSec?: number}): string {
  const w = new PcapWriter({linkType: LINKTYPE.LINUX_SLL})
  const frame = (packet: Buffer) => sll({packetType: 4, protocol: ETHERTYPE.IPV4}, packet)
  let t = BigInt(options.startSec ?? 1_700_000_000) * 1_000_000_000n
  const add = (packet: Buffer) => {
    w.add({sec: Number(t / 1_000_000_000n), nsec: Number(t % 1_000_000_000n)}, frame(packet))
    if (options.copies) {
      const copy = Buffer.from(packet)
      copy[8] = copy[8]! - 1 // the copy seen after the bridge: one hop on
      const at = t + BigInt(options.copyGapNs)
      w.add({sec: Number(at / 1_000_000_000n), nsec: Number(at % 1_000_000_000n)}, frame(copy))
    }
    t += 20_000_000n
  }
  add(ipv4({src: CLIENT, dst: SERVER, proto: IPPROTO.TCP, id: 1}, tcp({sport: 50000, dport: 443, seq: 100, flags: 'S'})))
  add(ipv4({src: SERVER, dst: CLIENT, proto: IPPROTO.TCP, id: 1}, tcp({sport: 443, dport: 50000, seq: 900, ack: 101, flags: 'SA'})))
  add(ipv4({src: CLIENT, dst: SERVER, proto: IPPROTO.TCP, id: 2}, tcp({sport: 50000, dport: 443, seq: 101, ack: 901, flags: 'A'})))
  add(ipv4({src: CLIENT, dst: SERVER, proto: IPPROTO.TCP, id: 3}, tcp({sport: 50000, dport: 443, seq: 101, ack: 901, flags: 'PA'}, Buffer.from('GET / HTTP/1.1\r\n\r\n'))))
  for (let seq = 1; seq <= 10; seq++) add(ipv4({src: CLIENT, dst: SERVER, proto: IPPROTO.UDP, id: 100 + seq}, udp({sport: 40000, dport: 8801}, rtp(seq))))
  const path = join(tempDir('callaudit-dup-'), 'any.pcap')
  writeFileSync(path, w.toBuffer())
  return path
}

describe('packets captured twice', () => {
  it.each([true, false])('are counted per capture with the first copy\'s frame and a warning (fast path %s)', async (fastPath) => {
    const c = await collectFlows([capture({copyGapNs: 40_000, copies: true})], {fastPath})
    const summary = c.captures[0]!
    // The data segment and the 10 RTP packets: the handshake carries no data and is not judged.
    expect(summary.duplicatePackets).toBe(11)
    expect(summary.firstDuplicateFrame).toBe(8)
    const warning = summary.warnings.find((w) => w.includes('repeat the packet before them'))
    expect(warning).toContain('11 of 28 packets')
    expect(warning).toContain('first: frame 8')
    expect(warning).toContain('editcap -D')
    // Still counted as packets, as tshark counts them.
    expect(summary.packets).toBe(28)
  })

  it('are not found where the same bytes come again later than a copy would (an application resending)', async () => {
    const c = await collectFlows([capture({copyGapNs: 5_000_000, copies: true})])
    expect(c.captures[0]!.duplicatePackets).toBe(0)
    expect(c.captures[0]!.warnings.join('\n')).not.toContain('repeat the packet before them')
  })

  it('are not found in a capture without copies', async () => {
    const c = await collectFlows([capture({copyGapNs: 0, copies: false})])
    expect(c.captures[0]!.duplicatePackets).toBe(0)
  })

  it('are counted for each capture of several on its own (files of a ring buffer, one after the other)', async () => {
    const c = await collectFlows([capture({copyGapNs: 10_000, copies: false}), capture({copyGapNs: 10_000, copies: true, startSec: 1_700_000_060})])
    expect(c.captures.map((s) => s.duplicatePackets)).toEqual([0, 11])
  })
})
