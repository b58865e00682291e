import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, ethernet, fragmentIpv4, fragmentIpv6, IPPROTO, ipv4, ipv6, udp} from '../support/packet-builder.js'
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
