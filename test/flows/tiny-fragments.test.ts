import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows, reassemblyWanted} from '../../src/flows/collect-flows.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {FragmentTracker, MAX_HELD_BYTES, transportCutInFirstFragment} from '../../src/flows/fragment-tracker.js'
import {PacketDecoder} from '../../src/decode/packet-decoder.js'
import {newPacketRecord} from '../../src/capture/packet-record.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {PcapWriter} from '../support/capture-writer.js'
import {dnsQuery, ETHERTYPE, ethernet, IPPROTO, ipv4, ipv6, tcp, tlsClientHello, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'
import {runCli} from '../helpers/run-cli.js'

/**
 * A first fragment too short for its transport header (RFC 1858 §3.1 "tiny fragment"; an IPv6
 * first fragment that ends with the extension headers after its Fragment header) cannot name its
 * flow: the datagram is reassembled and its transport header names it, credited to the frame that
 * completed it, as tshark does. tshark's numbers below are from `tshark -q -z conv,tcp -z conv,udp`
 * on captures made the same way; as in test/corpus, fragment frames that completed no datagram
 * are what tshark does not count, and tshark's bytes are those of the completing frame.
 */

const dir = tempDir('callaudit-tinyfrag-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const T0 = 1_700_000_000

/** IPv4 fragments of `datagram` (a whole packet from ipv4()) cut at the given payload offsets. */
function ipv4Pieces(datagram: Buffer, cuts: number[]): Buffer[] {
  const header = {src: ipText(datagram, 12), dst: ipText(datagram, 16), proto: datagram[9]!, id: datagram.readUInt16BE(4)}
  const payload = datagram.subarray(20)
  const bounds = [0, ...cuts, payload.length]
  return bounds.slice(0, -1).map((start, i) => ipv4({...header, mf: i < bounds.length - 2, fragOffset: start}, payload.subarray(start, bounds[i + 1])))
}

function ipText(b: Buffer, at: number): string {
  return [...b.subarray(at, at + 4)].join('.')
}

/** IPv6 fragments (RFC 8200 §4.5) of a packet from ipv6() without extension headers before its
 * fragmentable part, cut at the given offsets of that part. */
function ipv6Pieces(packet: Buffer, cuts: number[], id: number): Buffer[] {
  const fragmentable = packet.subarray(40)
  const bounds = [0, ...cuts, fragmentable.length]
  return bounds.slice(0, -1).map((start, i) => {
    const more = i < bounds.length - 2
    const fh = Buffer.alloc(8)
    fh[0] = packet[6]!
    fh.writeUInt16BE(start | (more ? 1 : 0), 2)
    fh.writeUInt32BE(id, 4)
    const data = fragmentable.subarray(start, bounds[i + 1])
    const head = Buffer.from(packet.subarray(0, 40))
    head[6] = IPPROTO.FRAGMENT
    head.writeUInt16BE(8 + data.length, 4)
    return Buffer.concat([head, fh, data])
  })
}

/** A SYN with 8 bytes of options (MSS, NOPs): a 28-byte TCP header, in three IPv4 fragments of
 * 8, 8 and 12 bytes, the first of them tiny (RFC 1858). */
const syn = ipv4({src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.TCP, id: 88}, tcp({sport: 1234, dport: 80, seq: 1000, flags: 'S', options: Buffer.from([2, 4, 5, 0xb4, 1, 1, 1, 1])}))
const synPieces = ipv4Pieces(syn, [8, 16]).map((f) => ethernet({type: ETHERTYPE.IPV4}, f))
const synAck = ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '10.0.0.2', dst: '10.0.0.1', proto: IPPROTO.TCP}, tcp({sport: 80, dport: 1234, seq: 5000, ack: 1001, flags: 'SA'})))
const ack = ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.TCP}, tcp({sport: 1234, dport: 80, seq: 1001, ack: 5001, flags: 'A'})))

/** A DNS query over IPv6 with Destination Options after the Fragment header; the first fragment
 * holds only the options (its UDP header is all in the second). */
const query = dnsQuery({id: 0x1234, name: 'ministry.zoom.us'})
const v6Dns = ipv6({src: '2001:db8::1', dst: '2001:db8::53', next: IPPROTO.UDP, extHeaders: [{type: 60, options: Buffer.from([1, 4, 0, 0, 0, 0])}]}, udp({sport: 40000, dport: 53}, query))
const v6DnsPieces = ipv6Pieces(v6Dns, [8], 0x77).map((f) => ethernet({type: ETHERTYPE.IPV6}, f))

/** An IPv6 SYN whose first fragment holds 8 bytes of its TCP header. */
const v6Syn = ipv6({src: '2001:db8::1', dst: '2001:db8::2', next: IPPROTO.TCP}, tcp({sport: 50000, dport: 443, seq: 7, flags: 'S'}))
const v6SynPieces = ipv6Pieces(v6Syn, [8], 0x99).map((f) => ethernet({type: ETHERTYPE.IPV6}, f))

function write(name: string, frames: Buffer[]): string {
  const w = new PcapWriter({linkType: 1})
  frames.forEach((frame, i) => w.add({sec: T0 + i, nsec: 0}, frame))
  const path = join(dir, name)
  writeFileSync(path, w.toBuffer())
  return path
}

function firstLayer(frame: Buffer) {
  const decoder = new PacketDecoder()
  const record = newPacketRecord()
  record.linkType = 1
  record.data = frame
  expect(decoder.decode(record)).toBe(1)
  return decoder.layers[0]!
}

describe('a first fragment too short for its transport header, on raw bytes', () => {
  it('is told from one that gives the ports, a later fragment, a snaplen cut and an unfragmented packet', () => {
    // 8 bytes of a TCP header (RFC 1858 §3.1): no ports.
    expect(transportCutInFirstFragment(firstLayer(synPieces[0]!))).toBe(true)
    // 24 of a 28-byte header: cut below its data offset, but the ports are there.
    const [cutBelowOffset] = ipv4Pieces(syn, [24]).map((f) => ethernet({type: ETHERTYPE.IPV4}, f))
    const layer = firstLayer(cutBelowOffset!)
    expect([layer.hasTransport, layer.sport, layer.dport, transportCutInFirstFragment(layer)]).toEqual([true, 1234, 80, false])
    expect(transportCutInFirstFragment(firstLayer(synPieces[1]!))).toBe(false)
    // The snapshot length cut it: the bytes it lacks never come.
    const record = newPacketRecord()
    record.linkType = 1
    record.data = synPieces[0]!.subarray(0, 14 + 20 + 4)
    record.origLen = synPieces[0]!.length
    const decoder = new PacketDecoder()
    expect(decoder.decode(record)).toBe(1)
    expect([decoder.layers[0]!.truncated, transportCutInFirstFragment(decoder.layers[0]!)]).toEqual([true, false])
    // Not a fragment: an undecodable transport header, nothing to wait for.
    const short = ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.TCP}, Buffer.alloc(8)))
    expect(transportCutInFirstFragment(firstLayer(short))).toBe(false)
  })

  it('in IPv6: a first fragment that ends with the Destination Options after its Fragment header, or inside the TCP header', () => {
    const dns = firstLayer(v6DnsPieces[0]!)
    expect([dns.isFragment, dns.fragOffset, dns.proto, dns.hasTransport, dns.l4Start - dns.fragDataStart, dns.ipEnd - dns.l4Start]).toEqual([true, 0, IPPROTO.UDP, false, 8, 0])
    expect(transportCutInFirstFragment(dns)).toBe(true)
    expect(transportCutInFirstFragment(firstLayer(v6SynPieces[0]!))).toBe(true)
  })
})

describe('FragmentTracker and a datagram whose first fragment gave no ports', () => {
  /** Feed the SYN's fragments, the tiny first one second, to a tracker with this `wanted`. */
  function track(wanted: (layer: ReturnType<typeof firstLayer>) => boolean) {
    const counted: number[] = []
    const completing: boolean[] = []
    const asked: Array<[number, number]> = []
    const tracker = new FragmentTracker(
      (_slot, _a, _length, _sec, _nsec, frame) => counted.push(frame),
      () => {},
      wanted,
      (_fragment, proto, transport) => {
        asked.push([proto, (transport[2]! << 8) | transport[3]!])
        return {slot: 0, senderIsA: true}
      },
    )
    tracker.setFragmentListener((_slot, _a, completes) => completing.push(completes))
    for (const [frame, piece] of [[1, synPieces[2]!], [2, synPieces[0]!], [3, synPieces[1]!]] as const) {
      tracker.fragment(firstLayer(piece), piece, frame, -1, false, piece.length, T0, 0)
    }
    return {counted, completing, asked, stats: tracker.stats}
  }

  it('reassembles it (the collector wants it even without analyzers), asks for its flow from the whole transport header, and counts every fragment frame there, the completing one as completing', () => {
    const {counted, completing, asked, stats} = track(reassemblyWanted)
    expect(asked).toEqual([[IPPROTO.TCP, 80]])
    expect(counted).toEqual([1, 2, 3])
    expect(completing).toEqual([false, false, true])
    expect(stats).toEqual({unattributed: 0, abandoned: 0})
    // The collector's predicate: a later fragment cannot tell, a tiny first fragment is wanted.
    expect([synPieces[2]!, synPieces[0]!].map((f) => reassemblyWanted(firstLayer(f)))).toEqual([true, true])
    expect(reassemblyWanted(firstLayer(synAck))).toBe(false)
  })

  it('cannot name the flow when `wanted` let the bytes go', () => {
    expect(track(() => false).asked).toEqual([])
  })

  it('lets go of a datagram past 64 fragments, which can never be made whole', () => {
    const tracker = new FragmentTracker(() => {}, () => {}, reassemblyWanted, () => undefined)
    // One datagram of 100 later fragments of 8 bytes each (its first never comes).
    const pieces = ipv4Pieces(ipv4({src: '10.0.0.9', dst: '10.0.0.2', proto: IPPROTO.TCP, id: 7}, tcp({sport: 1, dport: 2, seq: 1, flags: 'PA'}, Buffer.alloc(800))), Array.from({length: 100}, (_, i) => 8 * (i + 1)))
    for (const [i, piece] of pieces.slice(1, 64).entries()) {
      const frame = ethernet({type: ETHERTYPE.IPV4}, piece)
      tracker.fragment(firstLayer(frame), frame, i + 1, -1, false, frame.length, T0, 0)
    }
    expect(tracker.reassemblyBytes).toBe(63 * 8)
    for (const [i, piece] of pieces.slice(64, 90).entries()) {
      const frame = ethernet({type: ETHERTYPE.IPV4}, piece)
      tracker.fragment(firstLayer(frame), frame, i + 64, -1, false, frame.length, T0, 0)
    }
    expect(tracker.reassemblyBytes).toBe(0)
  })

  it(`holds at most ${MAX_HELD_BYTES} bytes of fragments whose first never came, letting the oldest go, and still reassembles the next datagram`, () => {
    const asked: number[] = []
    const tracker = new FragmentTracker(() => {}, () => {}, reassemblyWanted, (_fragment, _proto, transport) => {
      asked.push((transport[2]! << 8) | transport[3]!)
      return {slot: 0, senderIsA: true}
    })
    // 4000 later fragments of 1400 bytes, each of its own datagram: 5.6 MB, past the budget.
    for (let id = 1; id <= 4000; id++) {
      const orphan = ipv4Pieces(ipv4({src: '10.0.0.9', dst: '10.0.0.2', proto: IPPROTO.UDP, id}, udp({sport: 5000, dport: 6000}, Buffer.alloc(1408))), [8])[1]!
      const frame = ethernet({type: ETHERTYPE.IPV4}, orphan)
      tracker.fragment(firstLayer(frame), frame, id, -1, false, frame.length, T0, 0)
      expect(tracker.reassemblyBytes).toBeLessThanOrEqual(MAX_HELD_BYTES)
    }
    expect(tracker.reassemblyBytes).toBeGreaterThan(MAX_HELD_BYTES - 2000)
    // A TCP segment of 3000 bytes, its second fragment (more than the room left) first, then
    // its tiny first fragment: room is made by letting the oldest go, not by refusing it.
    const big = ipv4Pieces(ipv4({src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.TCP, id: 4242}, tcp({sport: 1234, dport: 443, seq: 1, flags: 'PA'}, Buffer.alloc(3000))), [8])
    for (const [frame, piece] of [[5001, big[1]!], [5002, big[0]!]] as const) {
      const bytes = ethernet({type: ETHERTYPE.IPV4}, piece)
      tracker.fragment(firstLayer(bytes), bytes, frame, -1, false, bytes.length, T0, 0)
    }
    expect(asked).toEqual([443])
  })
})

describe('collectFlows and the CLI count a datagram whose first fragment was tiny in its flow', () => {
  it('TCP, tiny first fragment out of order, then the handshake: tshark 2 packets 96 B client to server, 1 packet 54 B back', async () => {
    // Frames 1-3: the SYN's fragments, last first; 4: SYN/ACK; 5: ACK.
    const frames = [synPieces[2]!, synPieces[1]!, synPieces[0]!, synAck, ack]
    expect(frames.map((f) => f.length)).toEqual([46, 42, 42, 54, 54])
    const path = write('tiny-rev.pcap', frames)
    for (const options of [{}, {analyzers: ALL_ANALYZERS}, {fastPath: false}]) {
      const collection = await collectFlows([path], options)
      const flows = flowRecords(collection)
      expect(flows).toHaveLength(1)
      const [flow] = flows
      expect([flow!.client.port, flow!.server.port, flow!.tcp?.state]).toEqual([1234, 80, 'established'])
      // Every fragment frame counts (the project's rule); the datagram once, at frame 3.
      expect(flow!.packets).toEqual({toServer: 4, toClient: 1})
      expect(flow!.fragments).toEqual({frames: {toServer: 3, toClient: 0}, datagrams: {toServer: 1, toClient: 0}})
      expect(flow!.firstFrame).toBe(1)
      // As tshark: 4 - (3 - 1) = 2 packets to the server, 42 B for the datagram + 54 B for the ACK.
      const counts = collection.fragmentsByFlow.get(flow!.id)!
      expect(counts.completingBytes).toEqual([42, 0])
      expect(flow!.bytes.toServer - frames.slice(0, 3).reduce((n, f) => n + f.length, 0) + counts.completingBytes[0]).toBe(96)
      expect(flow!.bytes.toClient).toBe(54)
      expect(collection.stats.fragments.unattributed).toBe(0)
      expect(collection.stats.undecodedTransport).toBe(0)
    }
  })

  it('IPv6 DNS query whose first fragment holds only Destination Options: tshark 1 packet 104 B, the query read at frame 2', async () => {
    expect(v6DnsPieces.map((f) => f.length)).toEqual([70, 104])
    const path = write('v6-tiny-dns.pcap', v6DnsPieces)
    for (const analyzers of [undefined, ALL_ANALYZERS]) {
      const collection = await collectFlows([path], analyzers ? {analyzers} : {})
      const [flow, ...rest] = flowRecords(collection)
      expect(rest).toEqual([])
      expect([flow!.proto, flow!.client.port, flow!.server.ip, flow!.server.port]).toEqual(['udp', 40000, '2001:db8::53', 53])
      expect(flow!.packets).toEqual({toServer: 2, toClient: 0})
      expect(flow!.fragments?.datagrams).toEqual({toServer: 1, toClient: 0})
      expect(collection.fragmentsByFlow.get(flow!.id)!.completingBytes).toEqual([104, 0])
      if (analyzers) {
        const facts = collection.facts.get(flow!.id) as {dns: {messages: Array<{evidence: {frame: number}; questions: Array<{name: string}>}>}}
        expect(facts.dns.messages.map((m) => [m.evidence.frame, m.questions[0]!.name])).toEqual([[2, 'ministry.zoom.us']])
      }
    }
  })

  it('IPv6 SYN with 8 bytes of TCP in its first fragment, through the CLI (flows --json and --detail): tshark 1 packet 74 B', async () => {
    expect(v6SynPieces.map((f) => f.length)).toEqual([70, 74])
    const path = write('v6-tiny-syn.pcap', v6SynPieces)
    const json = await runCli(['flows', path, '--json'])
    expect(json.code).toBe(0)
    const report = JSON.parse(json.stdout) as {summary: {undecodedTransport: number; unattributedFragments: number}; flows: Array<{client: {port: number}; server: {port: number}; packets: unknown; fragments: unknown}>}
    expect(report.summary.undecodedTransport).toBe(0)
    expect(report.summary.unattributedFragments).toBe(0)
    expect(report.flows.map((f) => [f.client.port, f.server.port, f.packets, f.fragments])).toEqual([[50000, 443, {toServer: 2, toClient: 0}, {frames: {toServer: 2, toClient: 0}, datagrams: {toServer: 1, toClient: 0}}]])
    const detail = await runCli(['flows', path, '--detail'])
    expect(detail.code).toBe(0)
    expect(detail.stdout).toContain('[2001:db8::1]:50000 → [2001:db8::2]:443')
  })

  it('a datagram still too short for its transport header once whole is undecoded, its fragments unattributed', async () => {
    const stub = ipv4({src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO.TCP, id: 5}, Buffer.alloc(16, 0x50))
    const path = write('tiny-short.pcap', ipv4Pieces(stub, [8]).map((f) => ethernet({type: ETHERTYPE.IPV4}, f)))
    const collection = await collectFlows([path])
    expect(flowRecords(collection)).toEqual([])
    expect(collection.stats.undecodedTransport).toBe(1)
    expect(collection.stats.fragments.unattributed).toBe(2)
  })
})

describe('a TCP segment in fragments (a tunnel with a smaller MTU, DF not set)', () => {
  it('is offered to the analyzers whole once reassembled: the ClientHello split over two IP fragments gives its SNI', async () => {
    const c = {src: '10.0.0.1', dst: '93.184.216.34'}
    const hello = tlsClientHello({sni: 'meeting.example.org', version: '1.3'})
    expect(hello.length).toBeGreaterThan(200)
    const segment = ipv4({...c, proto: IPPROTO.TCP, id: 501}, tcp({sport: 40000, dport: 443, seq: 1001, ack: 7001, flags: 'PA'}, hello))
    const pieces = ipv4Pieces(segment, [128])
    const frames = [
      ethernet({type: ETHERTYPE.IPV4}, ipv4({...c, proto: IPPROTO.TCP}, tcp({sport: 40000, dport: 443, seq: 1000, flags: 'S'}))),
      ethernet({type: ETHERTYPE.IPV4}, ipv4({src: c.dst, dst: c.src, proto: IPPROTO.TCP}, tcp({sport: 443, dport: 40000, seq: 7000, ack: 1001, flags: 'SA'}))),
      ethernet({type: ETHERTYPE.IPV4}, ipv4({...c, proto: IPPROTO.TCP}, tcp({sport: 40000, dport: 443, seq: 1001, ack: 7001, flags: 'A'}))),
      ...pieces.map((p) => ethernet({type: ETHERTYPE.IPV4}, p)),
    ]
    const path = write('tcp-fragmented-hello.pcap', frames)
    for (const fastPath of [true, false]) {
      const collection = await collectFlows([path], {analyzers: ALL_ANALYZERS, fastPath})
      const [flow] = flowRecords(collection)
      expect(flow!.packets).toEqual({toServer: 4, toClient: 1})
      const tls = collection.facts.get(flow!.id)?.['tls'] as {clientHello?: {sni?: string; evidence: {frame: number}}} | undefined
      expect(tls?.clientHello?.sni).toBe('meeting.example.org')
      // Read at the frame that made the segment whole.
      expect(tls?.clientHello?.evidence.frame).toBe(5)
    }
  })
})

