import {writeFileSync} from 'node:fs'
import {getHeapStatistics} from 'node:v8'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecords} from '../../src/flows/flow-records.js'
import {flowsReportHead} from '../../src/flows/flows-report.js'
import {ALL_ANALYZERS} from '../../src/protocols/index.js'
import {ProtocolDispatcher} from '../../src/protocols/registry.js'
import {ReusedPayloadPacket} from '../../src/protocols/analyzer.js'
import {passiveDns} from '../../src/protocols/dns/passive-dns.js'
import {oldGenerationLimit} from '../../src/flows/heap-watch.js'
import {dnsResponse} from '../support/packet-builder.js'
import {pcapOf, udpFrame} from '../protocols/tls/capture-kit.js'
import {runCli} from '../helpers/run-cli.js'
import {tempDir} from '../helpers/temp-dir.js'

/**
 * A resolver's answers to `count` clients, each on a flow of its own and each holding 64 A
 * records no other answer repeats: about 1.1 KB on the wire and 8 KB of facts per packet, the
 * shape of a capture taken at a busy resolver, whose facts outgrow any heap.
 */
function resolverAnswers(count: number): Buffer {
  const frames: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const answers = Array.from({length: 64}, (_, k) => ({name: 'cdn.example', type: 'A' as const, ttl: 60, value: `10.${k}.${(i >> 8) & 255}.${i & 255}`}))
    const client = {src: `172.16.${(i >> 8) & 255}.${i & 255}`, sport: 40000 + (i % 20000), dst: '192.0.2.53', dport: 53}
    frames.push(udpFrame({src: client.dst, sport: 53, dst: client.src, dport: client.sport}, dnsResponse({id: i & 0xffff, name: 'cdn.example', answers})))
  }
  return pcapOf(frames)
}

const COUNT = 12_000
let capture: string

beforeAll(() => {
  capture = join(tempDir(), 'resolver.pcap')
  writeFileSync(capture, resolverAnswers(COUNT))
})

interface FlowJson {
  id: number
  firstFrame: number
  protocols?: {dns?: unknown}
}

describe('memory running short during a read', () => {
  // Without the watch, both runs end in V8's "heap out of memory" abort (signal 6, no report):
  // the facts of 12 000 answers need about 100 MB, twice this heap's budget for them.
  it('flows --detail on a 128 MB heap: the analyzers stop, the flows are all counted, the report says where', async () => {
    const run = await runCli(['flows', capture, '--detail', '--json'], {env: {NODE_OPTIONS: '--max-old-space-size=128'}})
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as {summary: {flows: number; packets: number; warnings: string[]}; flows: FlowJson[]}
    expect(report.summary.packets).toBe(COUNT)
    expect(report.summary.flows).toBe(COUNT)
    const warning = report.summary.warnings.find((w) => w.startsWith('memory ran short'))
    // The limit named is the old generation's, the one --max-old-space-size sets: V8's
    // heap_size_limit adds the young generation, room long-lived facts never get.
    expect(warning).toMatch(/^memory ran short: the protocol analyzers stopped after frame \d+ of .*resolver\.pcap \(their facts outgrew \d+ MiB, their share of the JavaScript heap's 128 MiB limit\)/)
    const stoppedAfter = Number(/after frame (\d+)/.exec(warning!)![1])
    expect(stoppedAfter).toBeGreaterThan(0)
    expect(stoppedAfter).toBeLessThan(COUNT)
    // Every answer up to that frame was read, and none after it.
    const read = report.flows.filter((f) => f.protocols?.dns !== undefined)
    expect(read.length).toBe(stoppedAfter)
    expect(Math.max(...read.map((f) => f.firstFrame))).toBe(stoppedAfter)
  })

  // On this heap a budget taken from V8's heap_size_limit (old and young generations together),
  // overshot by up to twice before a forced collection noticed, left the report too little room:
  // V8's abort, in most runs (how far facts overshoot depends on when collections fall).
  it('analyze on an 80 MB heap: a report (not a crash), with the warning', async () => {
    const run = await runCli(['analyze', capture, '--json'], {env: {NODE_OPTIONS: '--max-old-space-size=80'}})
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout) as {summary: {flows: number; warnings: string[]}}
    expect(report.summary.flows).toBe(COUNT)
    expect(report.summary.warnings.some((w) => w.startsWith('memory ran short: the protocol analyzers stopped after frame'))).toBe(true)
  })

  it('with room enough, nothing stops and nothing is said', async () => {
    const collection = await collectFlows([capture], {analyzers: ALL_ANALYZERS})
    expect(collection.analyzersStopped).toBeUndefined()
    expect(collection.facts.size).toBe(COUNT)
    expect(flowsReportHead(collection, 0).summary.warnings.filter((w) => w.startsWith('memory'))).toEqual([])
  })

  it('a share of the heap below what is live stops the analyzers at the first chunk; counts stay whole', async () => {
    const plain = await collectFlows([capture])
    const stopped = await collectFlows([capture], {analyzers: ALL_ANALYZERS, analyzerHeapShare: 1e-6})
    const at = stopped.analyzersStopped!
    expect(at.capture).toBe(0)
    // The first check comes after the first chunk (1 MiB: under a thousand of these packets).
    expect(at.frame).toBeGreaterThan(0)
    expect(at.frame).toBeLessThan(1000)
    expect(stopped.facts.size).toBe(at.frame)
    const records = flowRecords(stopped)
    expect(records.map((r) => [r.packets, r.bytes])).toEqual(flowRecords(plain).map((r) => [r.packets, r.bytes]))
    expect(records.filter((r) => r.protocols?.['dns']).every((r) => r.firstFrame <= at.frame)).toBe(true)
  })
})

describe('the old generation\'s limit', () => {
  const MiB = 1024 * 1024
  it('is V8\'s heap limit less its young generation (48 MiB with --max-old-space-size on 64-bit)', () => {
    expect(oldGenerationLimit(176 * MiB)).toBe(128 * MiB)
    expect(oldGenerationLimit(4144 * MiB)).toBe(4096 * MiB)
    expect(oldGenerationLimit(getHeapStatistics().heap_size_limit)).toBeLessThan(getHeapStatistics().heap_size_limit)
  })
  it('keeps a quarter of a heap too small to hold the largest young generation', () => {
    expect(oldGenerationLimit(60 * MiB)).toBe(15 * MiB)
  })
})

describe('ProtocolDispatcher.stop', () => {
  const answer = (id: number) => dnsResponse({id, name: 'meet.example', answers: [{name: 'meet.example', type: 'A', ttl: 60, value: '198.51.100.7'}]})
  const info = (id: number) => ({id, transport: 'udp' as const, client: {ip: '10.0.0.1', port: 40000 + id}, server: {ip: '192.0.2.53', port: 53}})
  const packet = (frame: number, bytes: Buffer) => {
    const p = new ReusedPayloadPacket()
    p.frame = frame
    p.toServer = false
    p.setPayload(bytes, 0, bytes.length)
    return p
  }

  it('keeps what was learned, refuses new flows, and forgets evicted ones', () => {
    const dispatcher = new ProtocolDispatcher(ALL_ANALYZERS, (p) => ({frame: p.frame, capture: p.capture, time: 'T'}))
    expect(dispatcher.start(info(1), packet(1, answer(1)))).toBeGreaterThanOrEqual(0)
    expect(dispatcher.start(info(2), packet(2, answer(2)))).toBeGreaterThanOrEqual(0)
    expect(dispatcher.stopped).toBe(false)
    dispatcher.stop()
    expect(dispatcher.stopped).toBe(true)
    expect(dispatcher.start(info(3), packet(3, answer(3)))).toBe(-1)
    expect([...dispatcher.snapshot((s) => s).keys()]).toEqual([1, 2])
    dispatcher.forget([1])
    const facts = dispatcher.finish()
    expect([...facts.keys()]).toEqual([2])
    const dns = facts.get(2)!['dns'] as {messages: Array<{evidence: {frame: number}}>}
    expect(dns.messages.map((m) => m.evidence.frame)).toEqual([2])
  })
})

describe('passive DNS for the flows\' own addresses', () => {
  const facts = new Map<number, Record<string, unknown>>([
    [1, {dns: {messages: [{response: true, records: [
      {name: 'www.zoom.us', type: 5, data: 'zoom.cdn.example'},
      {name: 'zoom.cdn.example', type: 1, data: '203.0.113.7'},
      {name: 'zoom.cdn.example', type: 1, data: '203.0.113.8'},
    ]}]}}],
  ])

  it('names only the addresses asked for, with the CNAME chain as before', () => {
    expect([...passiveDns(facts).keys()]).toEqual(['203.0.113.7', '203.0.113.8'])
    expect(passiveDns(facts, new Set(['203.0.113.8', '198.51.100.1']))).toEqual(new Map([['203.0.113.8', ['www.zoom.us', 'zoom.cdn.example']]]))
  })
})
