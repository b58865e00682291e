import {describe, expect, it} from 'vitest'
import {NetLayer, PROTO_ICMP, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_SYN} from '../../src/decode/net-layer.js'
import {FlowTable} from '../../src/flows/flow-table.js'

function ip(text: string): number {
  return text.split('.').reduce((n, o) => n * 256 + Number(o), 0)
}

function layer(proto: number, src: string, sport: number, dst: string, dport: number, flags = 0, seq = 0): NetLayer {
  const l = new NetLayer()
  l.ipVersion = 4
  l.proto = proto
  l.src[0] = ip(src)
  l.dst[0] = ip(dst)
  l.sport = sport
  l.dport = dport
  l.tcpFlags = flags
  l.tcpSeq = seq
  l.hasTransport = true
  return l
}

/** Feed one packet; returns [slot, client ip:port] so orientation can be checked. */
function feed(table: FlowTable, l: NetLayer, frame: number, sec = 100): number {
  const slot = table.lookup(l, frame, sec, 0, 0, 0)
  table.count1(slot, table.senderIsA, 100, sec, 0)
  if (l.proto === PROTO_TCP) table.trackTcp(slot, table.senderIsA, l.tcpFlags, l.tcpSeq, sec, 0)
  return slot
}

function clientOf(table: FlowTable, slot: number): string {
  const key = table.keyOf(slot)
  const aIsClient = table.clientIsA[slot] === 1
  const ipWord = aIsClient ? key[1]! : key[5]!
  const port = aIsClient ? key[9]! >>> 16 : key[9]! & 0xffff
  return `${ipWord >>> 24}.${(ipWord >>> 16) & 255}.${(ipWord >>> 8) & 255}.${ipWord & 255}:${port}`
}

describe('flow table', () => {
  it('finds the same flow from both directions and counts each direction', () => {
    const t = new FlowTable()
    const a = feed(t, layer(PROTO_UDP, '192.168.1.5', 50000, '8.8.8.8', 53), 1)
    const b = feed(t, layer(PROTO_UDP, '8.8.8.8', 53, '192.168.1.5', 50000), 2)
    expect(a).toBe(b)
    expect(t.count).toBe(1)
    expect([t.packets[a * 2], t.packets[a * 2 + 1]]).toEqual([1, 1])
  })

  it.each([
    ['TCP SYN sender', layer(PROTO_TCP, '203.0.113.9', 443, '192.168.1.5', 50000, TCP_SYN), '203.0.113.9:443'],
    ['TCP SYN/ACK receiver', layer(PROTO_TCP, '192.168.1.5', 443, '203.0.113.9', 50000, TCP_SYN | TCP_ACK), '203.0.113.9:50000'],
    ['UDP response from a server port', layer(PROTO_UDP, '8.8.8.8', 53, '192.168.1.5', 50000), '192.168.1.5:50000'],
    ['UDP to Zoom media port', layer(PROTO_UDP, '192.168.1.5', 60000, '170.114.52.2', 8801), '192.168.1.5:60000'],
    ['UDP between ephemeral ports, public sender', layer(PROTO_UDP, '203.0.113.9', 40000, '192.168.1.5', 50000), '192.168.1.5:50000'],
    ['UDP between ephemeral ports, both private', layer(PROTO_UDP, '10.0.0.9', 40000, '10.0.0.5', 50000), '10.0.0.9:40000'],
    ['a DHCP server\'s broadcast OFFER (the broadcast address never sends)', layer(PROTO_UDP, '192.168.1.1', 67, '255.255.255.255', 68), '192.168.1.1:67'],
    ['a DHCP server\'s unicast OFFER', layer(PROTO_UDP, '192.168.1.1', 67, '192.168.1.5', 68), '192.168.1.5:68'],
    ['a DHCPv6 client port below its server\'s (546 → 547)', layer(PROTO_UDP, '192.168.1.5', 546, '192.168.1.1', 547), '192.168.1.5:546'],
    ['a DHCPv6 server\'s reply (547 → 546)', layer(PROTO_UDP, '192.168.1.1', 547, '192.168.1.5', 546), '192.168.1.5:546'],
    ['two other well-known ports: the higher is the client', layer(PROTO_UDP, '192.168.1.1', 161, '192.168.1.5', 162), '192.168.1.5:162'],
  ])('orients %s', (_name, first, client) => {
    const t = new FlowTable()
    expect(clientOf(t, feed(t, first, 1))).toBe(client)
  })

  it('never makes an IPv6 multicast group the client: a DHCPv6 Solicit to ff02::1:2 port 547', () => {
    const t = new FlowTable()
    const solicit = layer(PROTO_UDP, '0.0.0.0', 546, '0.0.0.0', 547)
    solicit.ipVersion = 6
    solicit.src.set([0xfe800000, 0, 0x04065500, 0x64530001])
    solicit.dst.set([0xff020000, 0, 0, 0x00010002])
    const slot = feed(t, solicit, 1)
    const key = t.keyOf(slot)
    const aIsClient = t.clientIsA[slot] === 1
    // The client's address words and port: the link-local sender, not the group.
    expect(aIsClient ? key[1] : key[5]).toBe(0xfe800000)
    expect(aIsClient ? key[9]! >>> 16 : key[9]! & 0xffff).toBe(546)
  })

  it('orients ICMP by echo request and reply', () => {
    const t = new FlowTable()
    const reply = layer(PROTO_ICMP, '8.8.8.8', 0, '192.168.1.5', 0)
    reply.icmpType = 0
    expect(clientOf(t, feed(t, reply, 1))).toBe('192.168.1.5:0')
  })

  it('starts a new flow when a 4-tuple is reused with a new initial sequence number', () => {
    const t = new FlowTable()
    const first = feed(t, layer(PROTO_TCP, '192.168.1.5', 50000, '203.0.113.9', 443, TCP_SYN, 1000), 1)
    feed(t, layer(PROTO_TCP, '203.0.113.9', 443, '192.168.1.5', 50000, TCP_SYN | TCP_ACK, 5000), 2)
    // A retransmitted SYN (same sequence number) is the same connection.
    expect(feed(t, layer(PROTO_TCP, '192.168.1.5', 50000, '203.0.113.9', 443, TCP_SYN, 1000), 3)).toBe(first)
    const second = feed(t, layer(PROTO_TCP, '192.168.1.5', 50000, '203.0.113.9', 443, TCP_SYN, 777777), 4)
    expect(second).not.toBe(first)
    expect(t.ids[second]).toBe(2)
    // Later packets of the tuple belong to the new connection.
    expect(feed(t, layer(PROTO_TCP, '203.0.113.9', 443, '192.168.1.5', 50000, TCP_ACK, 9), 5)).toBe(second)
  })

  it('grows past its initial capacity without losing flows', () => {
    const t = new FlowTable({initialCapacity: 16})
    for (let i = 0; i < 5000; i++) feed(t, layer(PROTO_UDP, '10.0.0.1', 1000 + i, '10.0.0.2', 53), i + 1)
    for (let i = 0; i < 5000; i++) feed(t, layer(PROTO_UDP, '10.0.0.2', 53, '10.0.0.1', 1000 + i), 6000 + i)
    expect(t.count).toBe(5000)
    for (let slot = 0; slot < t.count; slot++) expect(t.packets[slot * 2]! + t.packets[slot * 2 + 1]!).toBe(2)
  })

  it('evicts the longest-idle quarter at its cap and counts what it evicted', () => {
    const t = new FlowTable({maxFlows: 100, initialCapacity: 16})
    // A scan: 1000 one-packet flows, one per second, plus one long flow kept busy.
    let busy = -1
    for (let i = 0; i < 1000; i++) {
      feed(t, layer(PROTO_UDP, '10.0.0.1', 1000 + i, '10.0.0.2', 9), i + 1, i)
      busy = feed(t, layer(PROTO_UDP, '10.0.0.1', 999, '10.0.0.3', 53), 100000 + i, i)
    }
    expect(t.count).toBeLessThanOrEqual(100)
    const busyId = t.ids[busy]
    expect(busyId).toBe(2)
    expect(t.evicted.flows + t.count).toBe(1001)
    expect(t.evicted.packets).toBe(t.evicted.flows)
    // The busy flow was never evicted: it has every one of its packets.
    expect(t.packets[busy * 2]).toBe(1000)
  })
})
