import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {newPacketRecord} from '../../src/capture/packet-record.js'
import {PacketDecoder} from '../../src/decode/packet-decoder.js'
import {PROTO_TCP} from '../../src/decode/net-layer.js'
import {collectFlows, type FlowCollection} from '../../src/flows/collect-flows.js'
import {FlowFastPath, type PayloadInspector} from '../../src/flows/flow-fast-path.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {FlowTable, ST_ESTABLISHED} from '../../src/flows/flow-table.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {corpusFiles, corpusPath, FIXTURES, HAVE_CORPUS} from '../helpers/paths.js'
import {ETHERTYPE, ethernet, ethernetQinQ, fragmentIpv4, IPPROTO, ipv4, ipv6, LINKTYPE, sll, sll2, tcp, udp, vlan8021q} from '../support/packet-builder.js'

const C4 = '192.0.2.10'
const S4 = '198.51.100.7'
const C6 = '2001:db8::10'
const S6 = '2001:db8:1::7'

const tcp4 = (src: string, dst: string, sport: number, dport: number, flags: string, seq: number, payload = Buffer.alloc(0)) =>
  ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto: IPPROTO.TCP}, tcp({sport, dport, seq, flags}, payload)))
const udp4 = (src: string, dst: string, sport: number, dport: number, payload: Buffer) =>
  ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto: IPPROTO.UDP}, udp({sport, dport}, payload)))
const tcp6 = (src: string, dst: string, sport: number, dport: number, flags: string, seq: number, extHeaders?: Array<{type: 0}>) =>
  ethernet({type: ETHERTYPE.IPV6}, ipv6({src, dst, next: IPPROTO.TCP, extHeaders}, tcp({sport, dport, seq, flags})))

/** What the collector does with a packet on the general path, for a flow table (onPacket's
 * steps for an untunnelled TCP/UDP packet, without analyzers). */
function general(table: FlowTable, decoder: PacketDecoder, frame: Buffer, number: number, sec: number, linkType: number = LINKTYPE.ETHERNET): void {
  const rec = newPacketRecord()
  rec.data = frame
  rec.linkType = linkType
  rec.origLen = frame.length
  rec.frame = number
  rec.tsSec = sec
  const n = decoder.decode(rec)
  const layer = decoder.layers[0]!
  if (n !== 1 || !layer.hasTransport || layer.isFragment) return
  const slot = table.lookup(layer, number, sec, 0, 0, 0)
  table.count1(slot, table.senderIsA, frame.length, sec, 0)
  if (layer.proto === PROTO_TCP) table.trackTcp(slot, table.senderIsA, layer.tcpFlags, layer.tcpSeq, sec, 0)
}

/** Every column the fast path may touch, and the count of flows. */
function columns(t: FlowTable): unknown {
  return {
    count: t.count,
    keys: [...t.keys.subarray(0, t.count * 10)],
    packets: [...t.packets.subarray(0, t.count * 2)],
    bytes: [...t.bytes.subarray(0, t.count * 2)],
    first: [...t.firstSec.subarray(0, t.count)],
    last: [...t.lastSec.subarray(0, t.count)],
    tcp: [...t.tcpState.subarray(0, t.count)],
    baseSeq: [...t.baseSeq.subarray(0, t.count * 2)],
    times: [...t.synTime.subarray(0, t.count), ...t.synAckTime.subarray(0, t.count), ...t.ackTime.subarray(0, t.count)].map(String),
  }
}

/**
 * Feed the frames to two tables: one through the general path only, one offering each frame to
 * the fast path first. Returns which frames the fast path took; the tables must end up equal.
 */
function both(frames: Buffer[], linkTypes: number[] = []): {taken: boolean[]; table: FlowTable} {
  const reference = new FlowTable()
  const table = new FlowTable()
  const fast = new FlowFastPath(table)
  const decoder = new PacketDecoder()
  const taken = frames.map((frame, i) => {
    const linkType = linkTypes[i] ?? LINKTYPE.ETHERNET
    general(reference, decoder, frame, i + 1, 100 + i, linkType)
    const took = fast.take(frame, 0, frame.length, frame.length, 100 + i, 0, linkType, i + 1)
    if (!took) general(table, decoder, frame, i + 1, 100 + i, linkType)
    return took
  })
  expect(columns(table)).toEqual(columns(reference))
  return {taken, table}
}

describe('flow fast path: the common packet counted from its bytes', () => {
  it('takes the segments of a known connection and follows its handshake as lookup does', () => {
    const {taken, table} = both([
      tcp4(C4, S4, 40000, 443, 'S', 1000),
      tcp4(S4, C4, 443, 40000, 'SA', 5000),
      tcp4(C4, S4, 40000, 443, 'A', 1001),
      tcp4(S4, C4, 443, 40000, 'PA', 5001, Buffer.from('hello')),
      tcp4(C4, S4, 40000, 443, 'FA', 1001),
    ])
    // The first SYN makes the flow (general path); the SYN/ACK belongs to it.
    expect(taken).toEqual([false, true, true, true, true])
    expect(table.tcpState[0]! & ST_ESTABLISHED).toBe(ST_ESTABLISHED)
    expect([...table.packets.subarray(0, 2)]).toEqual([3, 2])
  })

  it('takes a retransmitted SYN, leaves a SYN with a new initial sequence number (a new connection) to lookup', () => {
    const {taken, table} = both([
      tcp4(C4, S4, 40001, 443, 'S', 7000),
      tcp4(C4, S4, 40001, 443, 'S', 7000),
      tcp4(S4, C4, 443, 40001, 'SA', 9000),
      tcp4(C4, S4, 40001, 443, 'A', 7001),
      tcp4(C4, S4, 40001, 443, 'S', 123456),
      tcp4(S4, C4, 443, 40001, 'SA', 5),
    ])
    expect(taken).toEqual([false, true, true, true, false, true])
    expect(table.count).toBe(2)
  })

  it('leaves new flows, fragments, tunnel ports, stacked VLAN tags and cut headers to the general path', () => {
    const fragments = fragmentIpv4(ipv4({src: C4, dst: S4, proto: IPPROTO.UDP, id: 7}, udp({sport: 5000, dport: 6000}, Buffer.alloc(3000, 1))), 1500)
    const cutTcp = tcp4(C4, S4, 40000, 443, 'A', 1002).subarray(0, 14 + 20 + 10)
    const tagged = ipv4({src: C4, dst: S4, proto: IPPROTO.UDP}, udp({sport: 5000, dport: 6000}, Buffer.from('tagged')))
    const {taken} = both([
      udp4(C4, S4, 5000, 6000, Buffer.from('first')), // creates the flow
      udp4(S4, C4, 6000, 5000, Buffer.from('reply')),
      ...fragments.map((f) => ethernet({type: ETHERTYPE.IPV4}, f)),
      udp4(C4, S4, 5001, 4789, Buffer.alloc(16)), // VXLAN's port: maybe a tunnel
      udp4(C4, S4, 5001, 4789, Buffer.alloc(16)),
      ethernet({type: ETHERTYPE.VLAN}, vlan8021q({vid: 5, type: ETHERTYPE.IPV4}, tagged)),
      ethernetQinQ({outerVid: 5, innerVid: 6, type: ETHERTYPE.IPV4}, tagged),
      ethernet({type: ETHERTYPE.VLAN}, vlan8021q({vid: 5, type: ETHERTYPE.IPV4}, tagged)).subarray(0, 17),
      cutTcp,
    ])
    // One 802.1Q tag is stepped over; two tags, or a tag cut short, go the general way.
    expect(taken).toEqual([false, true, false, false, false, false, false, true, false, false, false])
  })

  it('takes IPv6 TCP of a known flow, not one behind an extension header', () => {
    const {taken} = both([
      tcp6(C6, S6, 40000, 443, 'S', 1),
      tcp6(C6, S6, 40000, 443, 'A', 2),
      tcp6(S6, C6, 443, 40000, 'A', 9),
      tcp6(C6, S6, 40000, 443, 'A', 2, [{type: 0}]),
    ])
    expect(taken).toEqual([false, true, true, false])
  })

  it('finds the IP header behind Linux cooked headers (SLL, SLL2) and in raw IP frames', () => {
    const packet = (flags: string, seq: number) => ipv4({src: C4, dst: S4, proto: IPPROTO.TCP}, tcp({sport: 40000, dport: 443, seq, flags}))
    const reply = ipv6({src: S6, dst: C6, next: IPPROTO.UDP}, udp({sport: 53, dport: 5353}, Buffer.from('x')))
    const {taken} = both(
      [
        sll({protocol: ETHERTYPE.IPV4}, packet('S', 1)),
        sll({protocol: ETHERTYPE.IPV4}, packet('A', 2)),
        sll2({protocol: ETHERTYPE.IPV4}, packet('A', 2)),
        packet('A', 2),
        packet('A', 2),
        ipv6({src: C6, dst: S6, next: IPPROTO.UDP}, udp({sport: 5353, dport: 53}, Buffer.from('q'))),
        reply,
        sll({protocol: ETHERTYPE.VLAN}, vlan8021q({vid: 3, type: ETHERTYPE.IPV4}, packet('A', 2))),
        ethernet({type: ETHERTYPE.IPV4}, packet('A', 2)),
      ],
      [LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL2, LINKTYPE.RAW, LINKTYPE.IPV4, LINKTYPE.RAW, LINKTYPE.IPV6, LINKTYPE.LINUX_SLL, LINKTYPE.USER0],
    )
    expect(taken).toEqual([false, true, true, true, true, false, true, false, false])
  })

  it('declines while the table is full, so that lookup grows or evicts first', () => {
    const frames: Buffer[] = []
    for (let i = 0; i < 16; i++) frames.push(udp4(C4, S4, 7000 + i, 6000, Buffer.from('x')))
    frames.push(udp4(S4, C4, 6000, 7000, Buffer.from('y')))
    const table = new FlowTable({maxFlows: 16, initialCapacity: 16})
    const decoder = new PacketDecoder()
    frames.slice(0, 16).forEach((f, i) => general(table, decoder, f, i + 1, 100))
    expect(table.count).toBe(16)
    const last = frames[16]!
    expect(new FlowFastPath(table).take(last, 0, last.length, last.length, 101, 0, LINKTYPE.ETHERNET, 17)).toBe(false)
  })

  it('while analyzers run, hands them the payload of flows they still look at, as the general path does', () => {
    const request = Buffer.from('GET / HTTP/1.1\r\n\r\n')
    const frames = [tcp4(C4, S4, 40000, 80, 'S', 1), tcp4(S4, C4, 80, 40000, 'SA', 9), tcp4(C4, S4, 40000, 80, 'PA', 2, request), tcp4(S4, C4, 80, 40000, 'A', 10)]
    const seen: Array<{slot: number; toServer: boolean; text: string; seq: number; flags: number; frame: number; sec: number}> = []
    const inspector: PayloadInspector = (slot, toServer, bytes, start, end, seq, flags, frame, sec) => {
      seen.push({slot, toServer, text: Buffer.from(bytes.subarray(start, end)).toString(), seq, flags, frame, sec})
    }
    const table = new FlowTable()
    const decoder = new PacketDecoder()
    general(table, decoder, frames[0]!, 1, 100)
    general(table, decoder, frames[1]!, 2, 101)
    const fast = new FlowFastPath(table, inspector)
    const offer = (frame: Buffer, number: number) => fast.take(frame, 0, frame.length, frame.length, 100 + number, 0, LINKTYPE.ETHERNET, number)
    // The request's payload goes to the analyzers; the pure ACK has none to give.
    expect([offer(frames[2]!, 3), offer(frames[3]!, 4)]).toEqual([true, true])
    expect(seen).toEqual([{slot: 0, toServer: true, text: request.toString(), seq: 2, flags: 0x18, frame: 3, sec: 103}])
    // Done with the flow (inspect 2): counted, not offered.
    table.inspect[0] = 2
    expect(offer(frames[2]!, 5)).toBe(true)
    expect(seen).toHaveLength(1)
    expect([...table.packets.subarray(0, 2)]).toEqual([3, 2])
  })
})

/** The whole outcome of a read: flow records, protocol facts, capture summaries and counters. */
function outcome(c: FlowCollection): string {
  return JSON.stringify({
    flows: flowRecords(c),
    facts: [...c.facts],
    captures: c.captures,
    failures: c.failures.map((f) => f.message),
    stats: {...c.stats, unsupportedLinkTypes: [...c.stats.unsupportedLinkTypes]},
    fragments: [...c.fragmentsByFlow],
  })
}

const fixtureCaptures = readdirSync(FIXTURES)
  .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
  .map((f) => join(FIXTURES, f))

describe('flow fast path: the same outcome as the general path on real captures', () => {
  it.each(fixtureCaptures)('%s', async (path) => {
    for (const analyzers of [[], ALL_ANALYZERS]) {
      const general = await collectFlows([path], {analyzers, fastPath: false})
      const fast = await collectFlows([path], {analyzers})
      expect(outcome(fast)).toBe(outcome(general))
    }
  })

  it.skipIf(!HAVE_CORPUS)('a flow table small enough to evict (16 flows) gives the same evictions and flows', async () => {
    // Captures with many flows: the fast path must step aside whenever the table is full, so that
    // lookup evicts exactly when it would have.
    const names = ['1kxun.pcap', 'WebattackRCE.pcap', 'alexa-app.pcapng', 'gnutella.pcap', 'synscan.pcap', 'teams.pcap', 'wechat.pcap', 'whatsapp.pcap', 'sites.pcapng', 'quic_interop_V.pcapng'].filter((n) => corpusFiles().includes(n))
    expect(names.length).toBeGreaterThan(5)
    let evicting = 0
    for (const name of names) {
      const general = await collectFlows([corpusPath(name)], {maxFlows: 16, fastPath: false})
      const fast = await collectFlows([corpusPath(name)], {maxFlows: 16})
      expect(outcome(fast), name).toBe(outcome(general))
      expect(fast.table.evicted, name).toEqual(general.table.evicted)
      if (general.table.evicted.flows > 0) evicting++
    }
    expect(evicting).toBeGreaterThan(5)
  })

  it.skipIf(!HAVE_CORPUS)('every corpus capture, with and without analyzers', async () => {
    let differing: string[] = []
    for (const name of corpusFiles()) {
      const path = corpusPath(name)
      for (const analyzers of [[], ALL_ANALYZERS]) {
        const general = await collectFlows([path], {analyzers, fastPath: false})
        const fast = await collectFlows([path], {analyzers})
        if (outcome(fast) !== outcome(general)) differing = [...differing, `${name} (${analyzers.length ? 'analyzers' : 'flows'})`]
      }
    }
    expect(differing).toEqual([])
  }, 600_000)
})
