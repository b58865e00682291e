import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {PcapWriter} from '../support/capture-writer.js'
import {dnsQuery, ETHERTYPE, ethernet, fragmentIpv4, fragmentIpv6, gtpu, IPPROTO, ipv4, ipv6, udp} from '../support/packet-builder.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {FragmentTracker} from '../../src/flows/fragment-tracker.js'
import {PacketDecoder} from '../../src/decode/packet-decoder.js'
import {newPacketRecord} from '../../src/capture/packet-record.js'
import {tempDir} from '../helpers/temp-dir.js'

const dir = tempDir('callaudit-fragdup-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const T0 = 1_700_000_000

/** One UDP datagram of 3000 bytes in three IPv4 fragments (RFC 791), identification `id`. */
function fragments(id: number, sport = 5000): Buffer[] {
  const datagram = ipv4({src: '192.0.2.10', dst: '198.51.100.7', proto: IPPROTO.UDP, id}, udp({sport, dport: 6000}, Buffer.alloc(3000, 1)))
  return fragmentIpv4(datagram, 1500).map((f) => ethernet({type: ETHERTYPE.IPV4}, f))
}

async function collect(name: string, frames: Array<[number, Buffer]>, maxFlows?: number) {
  const w = new PcapWriter({linkType: 1})
  for (const [sec, frame] of frames) w.add({sec, nsec: 0}, frame)
  const path = join(dir, name)
  writeFileSync(path, w.toBuffer())
  const collection = await collectFlows([path], {maxFlows})
  return {collection, flows: flowRecords(collection)}
}

describe('duplicate fragments of a datagram that arrived whole', () => {
  it('count on its flow for a minute after its last fragment, later ones are unattributed', async () => {
    const [first, second, third] = fragments(77)
    const {collection, flows} = await collect('dup.pcap', [
      [T0, first!],
      [T0, second!],
      [T0, third!],
      [T0 + 30, second!], // duplicate of a later fragment, 30 s on: still the flow's
      [T0 + 40, first!], // duplicate of the first fragment: its ports name the flow
      [T0 + 101, third!], // 61 s after the last duplicate: the datagram is forgotten
    ])
    expect(flows).toHaveLength(1)
    expect(flows[0]!.packets).toEqual({toServer: 5, toClient: 0})
    expect(flows[0]!.fragments).toEqual({frames: {toServer: 5, toClient: 0}, datagrams: {toServer: 1, toClient: 0}})
    expect(collection.stats.fragments.unattributed).toBe(1)
  })

  it('are recognised in IPv6 too (RFC 8200 §4.5: no protocol in the key), by addresses and identification', async () => {
    const ipv6Fragments = (src: string) =>
      fragmentIpv6(ipv6({src, dst: '2001:db8:1::7', next: IPPROTO.UDP}, udp({sport: 5000, dport: 6000}, Buffer.alloc(3000, 1))), 1280, 42).map((f) => ethernet({type: ETHERTYPE.IPV6}, f))
    const mine = ipv6Fragments('2001:db8::10')
    const another = ipv6Fragments('2001:db8::11') // same identification, another source
    const {collection, flows} = await collect('v6.pcap', [
      ...mine.map((f): [number, Buffer] => [T0, f]),
      [T0 + 5, mine[1]!],
      [T0 + 5, another[1]!],
    ])
    expect(flows).toHaveLength(1)
    expect(flows[0]!.packets.toServer).toBe(mine.length + 1)
    expect(collection.stats.fragments.unattributed).toBe(1)
  })

  it('are not counted on whatever flow takes the place of theirs when the table evicts', async () => {
    const frames: Array<[number, Buffer]> = fragments(9).map((f) => [T0, f])
    // Twenty more flows through a 16-flow table: flows are evicted and the rest renumbered.
    for (let port = 7000; port < 7020; port++) {
      const udpFrame = ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.0.2.10', dst: '198.51.100.7', proto: IPPROTO.UDP}, udp({sport: 5000, dport: port}, Buffer.from('x'))))
      frames.push([T0 + 1, udpFrame])
    }
    frames.push([T0 + 2, fragments(9)[1]!])
    const {collection, flows} = await collect('evict.pcap', frames, 16)
    expect(collection.table.evicted.flows).toBeGreaterThan(0)
    // Every flow still listed got its one packet; the duplicate is nobody's.
    for (const f of flows) expect(f.packets.toServer, `flow to port ${f.server.port}`).toBe(1)
    expect(collection.stats.fragments.unattributed).toBe(1)
  })

  it('are still recognised after thousands of other datagrams, up to the table size', async () => {
    const frames: Array<[number, Buffer]> = []
    for (let id = 1; id <= 4097; id++) for (const f of fragments(id)) frames.push([T0, f])
    const [, secondOfFirst] = fragments(1)
    const [, secondOfSecond] = fragments(2)
    const [, secondOfLast] = fragments(4097)
    frames.push([T0 + 1, secondOfFirst!], [T0 + 1, secondOfSecond!], [T0 + 1, secondOfLast!])
    const {collection, flows} = await collect('many.pcap', frames)
    // 4096 whole datagrams are remembered: the first one is forgotten, the second one is not.
    expect(flows).toHaveLength(1)
    expect(flows[0]!.packets.toServer).toBe(3 * 4097 + 2)
    expect(collection.stats.fragments.unattributed).toBe(1)
  })
})

describe('an IPv6 datagram with Destination Options after its Fragment header', () => {
  it('is reassembled (the options are part of the fragmented data, RFC 8200 §4.5) and its payload read', async () => {
    const query = Buffer.concat([dnsQuery({id: 9, name: 'ministry.zoom.us'}), Buffer.alloc(2000)])
    const packet = ipv6({src: '2001:db8::10', dst: '2001:db8:1::53', next: IPPROTO.UDP, extHeaders: [{type: 60}]}, udp({sport: 40000, dport: 53}, query))
    const w = new PcapWriter({linkType: 1})
    fragmentIpv6(packet, 1280, 7).forEach((f, i) => w.add({sec: T0 + i, nsec: 0}, ethernet({type: ETHERTYPE.IPV6}, f)))
    const path = join(dir, 'v6-destopts.pcap')
    writeFileSync(path, w.toBuffer())
    const collection = await collectFlows([path], {analyzers: ALL_ANALYZERS})
    const [flow] = flowRecords(collection)
    expect(flow!.fragments?.datagrams.toServer).toBe(1)
    const facts = collection.facts.get(flow!.id) as {dns: {messages: Array<{questions: Array<{name: string}>}>}}
    expect(facts.dns.messages[0]!.questions[0]!.name).toBe('ministry.zoom.us')
  })
})

describe('a tunnel in a datagram that came in fragments', () => {
  // GTP-U between eNodeB and gateway, cut in two by a 1500-byte underlay: the subscriber's DNS
  // query inside is whole only once both fragments are in.
  const inner = (id: number) => ipv4({src: '10.45.0.7', dst: '8.8.8.8', proto: IPPROTO.UDP, id}, udp({sport: 40000, dport: 53}, Buffer.concat([dnsQuery({id, name: 'ministry.zoom.us'}), Buffer.alloc(1400)])))
  const outer = (id: number) => ipv4({src: '192.0.2.1', dst: '192.0.2.2', proto: IPPROTO.UDP, id}, udp({sport: 2152, dport: 2152}, gtpu({teid: 7}, inner(id))))

  it('is decoded once whole: the inner packet counts on its flow, credited to the frame that completed it, and its payload is analysed', async () => {
    const [first, second] = fragmentIpv4(outer(11), 1000).map((f) => ethernet({type: ETHERTYPE.IPV4}, f))
    const frames: Array<[number, Buffer]> = [[T0, ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.0.2.1', dst: '192.0.2.2', proto: IPPROTO.UDP}, udp({sport: 2152, dport: 2152}, gtpu({teid: 7}, inner(10)))))], [T0 + 1, first!], [T0 + 2, second!]]
    for (const analyzers of [undefined, ALL_ANALYZERS]) {
      const w = new PcapWriter({linkType: 1})
      for (const [sec, frame] of frames) w.add({sec, nsec: 0}, frame)
      const path = join(dir, 'gtp-frag.pcap')
      writeFileSync(path, w.toBuffer())
      const collection = await collectFlows([path], analyzers ? {analyzers} : {})
      const flows = flowRecords(collection)
      const dns = flows.find((f) => f.server.port === 53)!
      expect(dns.tunnel?.type).toBe('gtp-u')
      expect(dns.packets.toServer).toBe(2)
      expect(dns.bytes.toServer).toBe(frames[0]![1].length + second!.length)
      expect(dns.lastTime).toBe('2023-11-14T22:13:22.000000Z')
      if (analyzers) {
        const facts = collection.facts.get(dns.id) as {dns: {messages: Array<{evidence: {frame: number}; questions: Array<{name: string}>}>}}
        expect(facts.dns.messages.map((m) => [m.evidence.frame, m.questions[0]!.name])).toEqual([[1, 'ministry.zoom.us'], [3, 'ministry.zoom.us']])
      }
    }
  })

  it('reassembles only the datagrams the tracker is told to (without analyzers: those that may carry a tunnel)', () => {
    const lengths: number[] = []
    for (const wanted of [() => true, () => false]) {
      const tracker = new FragmentTracker(() => {}, (_slot, _a, payload) => lengths.push(payload.length), wanted)
      const decoder = new PacketDecoder()
      fragmentIpv4(outer(3), 1000).forEach((f, i) => {
        const record = newPacketRecord()
        record.linkType = 101
        record.data = f
        expect(decoder.decode(record)).toBe(1)
        tracker.fragment(decoder.layers[0]!, f, i + 1, i === 0 ? 0 : -1, true, f.length, T0, 0)
      })
    }
    expect(lengths).toEqual([outer(3).length - 20])
  })
})
