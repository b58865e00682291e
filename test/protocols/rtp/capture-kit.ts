/**
 * A small capture builder for the STUN, RTP and Zoom analyzer tests: UDP and TCP packets over
 * Ethernet/IPv4 or IPv6 into a pcap, then `collectFlows` with the analyzers under test.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {collectFlows} from '../../../src/flows/collect-flows.js'
import {type FlowRecord, flowRecords} from '../../../src/flows/flow-records.js'
import type {ProtocolAnalyzer} from '../../../src/protocols/analyzer.js'
import {PcapWriter} from '../../support/capture-writer.js'
import {ETHERTYPE, ethernet, IPPROTO, ipv4, ipv6, isIpv6, LINKTYPE, tcp, udp} from '../../support/packet-builder.js'

export interface End {
  ip: string
  port: number
}

export class CaptureKit {
  readonly writer = new PcapWriter({linkType: LINKTYPE.ETHERNET})
  private sec = 1_700_000_000
  private usec = 0

  /** Advance the clock by `us` microseconds. */
  wait(us: number): this {
    this.usec += us
    this.sec += Math.floor(this.usec / 1_000_000)
    this.usec %= 1_000_000
    return this
  }

  private ip(src: string, dst: string, proto: number, segment: Buffer): Buffer {
    if (isIpv6(src)) return ethernet({type: ETHERTYPE.IPV6}, ipv6({src, dst, next: proto}, segment))
    return ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto}, segment))
  }

  /** One UDP datagram; returns its frame number. */
  udp(from: End, to: End, payload: Buffer, gapUs = 1000): number {
    this.wait(gapUs)
    return this.writer.add({sec: this.sec, nsec: this.usec * 1000}, this.ip(from.ip, to.ip, IPPROTO.UDP, udp({sport: from.port, dport: to.port}, payload))).frame
  }

  /** One TCP segment; returns its frame number. */
  tcp(from: End, to: End, h: {seq: number; ack?: number; flags: string}, payload: Buffer = Buffer.alloc(0), gapUs = 1000): number {
    this.wait(gapUs)
    const segment = tcp({sport: from.port, dport: to.port, seq: h.seq, ack: h.ack ?? 0, flags: h.flags}, payload)
    return this.writer.add({sec: this.sec, nsec: this.usec * 1000}, this.ip(from.ip, to.ip, IPPROTO.TCP, segment)).frame
  }

  /** Write the pcap and run the analyzers over it. */
  async analyze(analyzers: ProtocolAnalyzer<any, any>[]): Promise<FlowRecord[]> {
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-proto-'))
    try {
      const path = join(dir, 'test.pcap')
      writeFileSync(path, this.writer.toBuffer())
      const collection = await collectFlows([path], {analyzers})
      return flowRecords(collection)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }
}

/** The facts one analyzer left on the flow between two endpoints (either orientation). */
export function factsOn<T>(flows: FlowRecord[], name: string, a: End, b: End): T | undefined {
  const flow = flows.find(
    (f) =>
      (f.client.ip === a.ip && f.client.port === a.port && f.server.ip === b.ip && f.server.port === b.port) ||
      (f.client.ip === b.ip && f.client.port === b.port && f.server.ip === a.ip && f.server.port === a.port),
  )
  return flow?.protocols?.[name] as T | undefined
}
