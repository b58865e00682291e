/**
 * Test support shared by the DNS, HTTP and LAN analyzer tests: build a capture from frames,
 * write it to a temporary file and run `collectFlows` with the analyzers under test; and the
 * corpus helpers (analyzers wrapped to count exceptions the dispatcher would swallow).
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {collectFlows, type FlowCollection} from '../../../src/flows/collect-flows.js'
import type {ProtocolAnalyzer} from '../../../src/protocols/analyzer.js'
import {PcapWriter} from '../../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, ipv6, tcp, udp} from '../../support/packet-builder.js'

export interface Endpoints {
  src: string
  sport: number
  dst: string
  dport: number
}

function ip(e: Endpoints, proto: number, payload: Buffer): Buffer {
  const v6 = e.src.includes(':')
  return ethernet(
    {type: v6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4},
    v6 ? ipv6({src: e.src, dst: e.dst, next: proto}, payload) : ipv4({src: e.src, dst: e.dst, proto}, payload),
  )
}

export function udpFrame(e: Endpoints, payload: Buffer): Buffer {
  return ip(e, IPPROTO.UDP, udp({sport: e.sport, dport: e.dport}, payload))
}

export function tcpFrame(e: Endpoints, h: {seq: number; ack?: number; flags: string}, payload: Buffer = Buffer.alloc(0)): Buffer {
  return ip(e, IPPROTO.TCP, tcp({sport: e.sport, dport: e.dport, seq: h.seq, ack: h.ack ?? 0, flags: h.flags}, payload))
}

export function reverse(e: Endpoints): Endpoints {
  return {src: e.dst, sport: e.dport, dst: e.src, dport: e.sport}
}

/**
 * A TCP conversation: handshake, then the given payloads (each a segment, `toServer` or not),
 * with sequence numbers tracked per direction. `gapBefore` skips bytes (a segment not captured);
 * `order` lets a test reorder the resulting frames.
 */
export function tcpConversation(
  e: Endpoints,
  segments: Array<{toServer: boolean; data: Buffer; gapBefore?: number}>,
  isn: {client: number; server: number} = {client: 1000, server: 5000},
): Buffer[] {
  const back = reverse(e)
  let c = isn.client + 1
  let s = isn.server + 1
  const frames = [
    tcpFrame(e, {seq: isn.client, flags: 'S'}),
    tcpFrame(back, {seq: isn.server, ack: c, flags: 'SA'}),
    tcpFrame(e, {seq: c, ack: s, flags: 'A'}),
  ]
  for (const seg of segments) {
    if (seg.toServer) {
      c += seg.gapBefore ?? 0
      frames.push(tcpFrame(e, {seq: c, ack: s, flags: 'PA'}, seg.data))
      c += seg.data.length
    } else {
      s += seg.gapBefore ?? 0
      frames.push(tcpFrame(back, {seq: s, ack: c, flags: 'PA'}, seg.data))
      s += seg.data.length
    }
  }
  return frames
}

/** Write frames (Ethernet) one millisecond apart from 2024-05-01T10:00:00Z into a pcap. */
export function pcapOf(frames: Buffer[]): Buffer {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  frames.forEach((f, i) => w.add({sec: 1714557600 + Math.floor(i / 1000), nsec: (i % 1000) * 1_000_000}, f))
  return w.toBuffer()
}

/** Run the analyzers over a capture made of `frames`. */
export async function analyze(frames: Buffer[], analyzers: ProtocolAnalyzer<any, any>[]): Promise<FlowCollection> {
  const dir = mkdtempSync(join(tmpdir(), 'callaudit-proto-'))
  try {
    const path = join(dir, 'test.pcap')
    writeFileSync(path, pcapOf(frames))
    return await collectFlows([path], {analyzers})
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/** Facts of one analyzer, in flow id order. */
export function factsOf<T>(collection: FlowCollection, name: string): T[] {
  return [...collection.facts.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, f]) => (f[name] === undefined ? [] : [f[name] as T]))
}

/**
 * Wrap an analyzer so that exceptions are recorded (and re-thrown for the dispatcher, which
 * swallows them): the corpus tests assert that there are none.
 */
export function counting<S, F>(analyzer: ProtocolAnalyzer<S, F>, errors: string[], label: () => string): ProtocolAnalyzer<S, F> {
  const wrap = <A extends unknown[], R>(method: string, fn: (...args: A) => R) => (...args: A): R => {
    try {
      return fn(...args)
    } catch (error) {
      errors.push(`${label()} ${analyzer.name}.${method}: ${(error as Error).stack ?? String(error)}`)
      throw error
    }
  }
  return {
    name: analyzer.name,
    ...(analyzer.packetBudget === undefined ? {} : {packetBudget: analyzer.packetBudget}),
    probe: wrap('probe', analyzer.probe.bind(analyzer)),
    start: wrap('start', analyzer.start.bind(analyzer)),
    feed: wrap('feed', analyzer.feed.bind(analyzer)),
    finish: wrap('finish', analyzer.finish.bind(analyzer)),
    describe: wrap('describe', analyzer.describe.bind(analyzer)),
  }
}

/** Deterministic pseudo-random bytes (xorshift32) for fuzz-style tests. */
export function pseudoRandom(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
}
