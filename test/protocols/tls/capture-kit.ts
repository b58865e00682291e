/**
 * Test support for the TLS, QUIC and DTLS analyzer tests: frames from endpoints, a TCP
 * conversation with tracked sequence numbers, a pcap written to a temporary file and read by
 * `collectFlows` with the analyzers under test, and analyzers wrapped so that an exception the
 * dispatcher would swallow is counted instead.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {collectFlows, type FlowCollection} from '../../../src/flows/collect-flows.js'
import {type FlowRecord, flowRecords} from '../../../src/flows/flow-records.js'
import type {ProtocolAnalyzer} from '../../../src/protocols/analyzer.js'
import {PcapWriter} from '../../support/capture-writer.js'
import {ETHERTYPE, ethernet, IPPROTO, ipv4, ipv6, LINKTYPE, tcp, udp} from '../../support/packet-builder.js'

export interface Endpoints {
  src: string
  sport: number
  dst: string
  dport: number
}

export function reverse(e: Endpoints): Endpoints {
  return {src: e.dst, sport: e.dport, dst: e.src, dport: e.sport}
}

function ipFrame(e: Endpoints, proto: number, payload: Buffer): Buffer {
  const v6 = e.src.includes(':')
  return ethernet(
    {type: v6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4},
    v6 ? ipv6({src: e.src, dst: e.dst, next: proto}, payload) : ipv4({src: e.src, dst: e.dst, proto}, payload),
  )
}

export function udpFrame(e: Endpoints, payload: Buffer): Buffer {
  return ipFrame(e, IPPROTO.UDP, udp({sport: e.sport, dport: e.dport}, payload))
}

export function tcpFrame(e: Endpoints, h: {seq: number; ack?: number; flags: string}, payload: Buffer = Buffer.alloc(0)): Buffer {
  return ipFrame(e, IPPROTO.TCP, tcp({sport: e.sport, dport: e.dport, seq: h.seq >>> 0, ack: (h.ack ?? 0) >>> 0, flags: h.flags}, payload))
}

export interface Segment {
  toServer: boolean
  data: Buffer
  /** Bytes of this direction's stream skipped before this segment (a segment not captured). */
  gapBefore?: number
}

/**
 * A TCP conversation: the three-way handshake (unless `handshake` is false), then one frame per
 * segment with sequence numbers tracked per direction.
 */
export function tcpConversation(e: Endpoints, segments: Segment[], o: {client?: number; server?: number; handshake?: boolean} = {}): Buffer[] {
  const back = reverse(e)
  const isnClient = o.client ?? 1000
  const isnServer = o.server ?? 5000
  let c = isnClient + 1
  let s = isnServer + 1
  const frames: Buffer[] = []
  if (o.handshake !== false) {
    frames.push(tcpFrame(e, {seq: isnClient, flags: 'S'}), tcpFrame(back, {seq: isnServer, ack: c, flags: 'SA'}), tcpFrame(e, {seq: c, ack: s, flags: 'A'}))
  }
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

/** Split `data` into pieces of at most `size` bytes. */
export function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size))
  return out
}

/** 2024-05-01T10:00:00Z, the default time of a test capture's first frame. */
export const T0 = 1714557600

/** Write Ethernet frames one millisecond apart from `startSec` into a pcap. */
export function pcapOf(frames: Buffer[], startSec = T0): Buffer {
  const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  frames.forEach((f, i) => w.add({sec: startSec + Math.floor(i / 1000), nsec: (i % 1000) * 1_000_000}, f))
  return w.toBuffer()
}

/** Run the analyzers over a capture made of `frames`. */
export async function analyze(frames: Buffer[], analyzers: ProtocolAnalyzer<any, any>[], startSec = T0): Promise<FlowRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), 'callaudit-tls-'))
  try {
    const path = join(dir, 'test.pcap')
    writeFileSync(path, pcapOf(frames, startSec))
    const collection: FlowCollection = await collectFlows([path], {analyzers})
    return flowRecords(collection)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/** The facts of `name` on every flow that has some, in flow order. */
export function factsOf<T>(flows: FlowRecord[], name: string): T[] {
  return flows.filter((f) => f.protocols?.[name] !== undefined).map((f) => f.protocols![name] as T)
}

/**
 * The analyzer with every method wrapped: an exception is recorded in `errors` (with the capture
 * name set by the caller) and re-thrown, so a corpus test can show what the dispatcher would have
 * swallowed.
 */
export function guarded<S, F>(analyzer: ProtocolAnalyzer<S, F>, errors: string[], where: () => string): ProtocolAnalyzer<S, F> {
  const wrap =
    <A extends unknown[], R>(method: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      try {
        return fn(...args)
      } catch (error) {
        errors.push(`${where()}: ${analyzer.name}.${method}: ${(error as Error)?.stack?.split('\n').slice(0, 3).join(' | ')}`)
        throw error
      }
    }
  return {
    name: analyzer.name,
    probe: wrap('probe', analyzer.probe.bind(analyzer)),
    start: wrap('start', analyzer.start.bind(analyzer)),
    feed: wrap('feed', analyzer.feed.bind(analyzer)),
    finish: wrap('finish', analyzer.finish.bind(analyzer)),
    describe: wrap('describe', analyzer.describe.bind(analyzer)),
  }
}
