import {execFileSync, spawn} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {afterAll, describe, expect, it} from 'vitest'
import {firstPacketTime, inTimeOrder} from '../../src/capture/capture-order.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecordAt} from '../../src/flows/flow-records.js'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {PcapngWriter, PcapWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, tcp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'

const dir = tempDir('callaudit-order-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const T0 = 1_790_000_000
const C = '10.0.0.2'
const S = '198.51.100.10'
const seg = (src: string, dst: string, h: Parameters<typeof tcp>[0], payload = '') =>
  ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto: IPPROTO.TCP}, tcp(h, Buffer.from(payload))))

/** One TCP connection cut in three files, as `editcap -c` or a ring buffer cuts a call. */
function writeParts(): string[] {
  const packets: Array<[number, Buffer]> = [
    [0, seg(C, S, {sport: 50000, dport: 443, seq: 100, flags: 'S'})],
    [0.02, seg(S, C, {sport: 443, dport: 50000, seq: 900, ack: 101, flags: 'SA'})],
    [0.021, seg(C, S, {sport: 50000, dport: 443, seq: 101, ack: 901, flags: 'A'})],
    [1, seg(C, S, {sport: 50000, dport: 443, seq: 101, ack: 901, flags: 'PA'}, 'hello')],
    [1.02, seg(S, C, {sport: 443, dport: 50000, seq: 901, ack: 106, flags: 'PA'}, 'world')],
    [2, seg(C, S, {sport: 50000, dport: 443, seq: 106, ack: 906, flags: 'FA'})],
    [2.02, seg(S, C, {sport: 443, dport: 50000, seq: 906, ack: 107, flags: 'FA'})],
  ]
  const cuts = [[0, 3], [3, 5], [5, 7]]
  return cuts.map(([from, to], i) => {
    const w = new PcapngWriter()
    w.sectionStart({byteOrder: 'le'})
    w.iface({linkType: LINKTYPE.ETHERNET})
    for (const [t, bytes] of packets.slice(from, to)) w.packet({sec: T0 + Math.floor(t), nsec: Math.round((t % 1) * 1e9)}, bytes)
    const path = join(dir, `call-part${i + 1}.pcapng`)
    writeFileSync(path, w.toBuffer())
    return path
  })
}

describe('first packet times', () => {
  it('of pcap, pcapng and gzip files; none for what is not a capture or holds no packet', () => {
    const pcap = new PcapWriter({linkType: 1})
    pcap.add({sec: T0 + 5, nsec: 123_000}, seg(C, S, {sport: 1, dport: 2, seq: 1, flags: 'S'}))
    writeFileSync(join(dir, 'a.pcap'), pcap.toBuffer())
    writeFileSync(join(dir, 'a.pcap.gz'), gzipSync(pcap.toBuffer()))
    const [part1] = writeParts()
    const empty = new PcapWriter({linkType: 1})
    writeFileSync(join(dir, 'empty.pcap'), empty.toBuffer())
    writeFileSync(join(dir, 'text.pcap'), 'not a capture\n')
    expect(firstPacketTime(join(dir, 'a.pcap'))).toEqual({sec: T0 + 5, nsec: 123_000})
    expect(firstPacketTime(join(dir, 'a.pcap.gz'))).toEqual({sec: T0 + 5, nsec: 123_000})
    expect(firstPacketTime(part1!)).toEqual({sec: T0, nsec: 0})
    expect(firstPacketTime(join(dir, 'empty.pcap'))).toBeUndefined()
    expect(firstPacketTime(join(dir, 'text.pcap'))).toBeUndefined()
    expect(firstPacketTime(join(dir, 'missing.pcap'))).toBeUndefined()
  })
})

describe('several captures of one call are read in time order', () => {
  it('gives the same flows whatever order the files are named in, and says when it reordered them', async () => {
    const parts = writeParts()
    const summary = async (paths: string[]) => {
      const c = await collectFlows(paths)
      return {
        flows: Array.from({length: c.table.count}, (_, slot) => flowRecordAt(c, slot)).map((f) => ({state: f.tcp?.state, rtt: f.tcp?.handshakeRttMs, packets: f.packets, capture: f.capture, firstFrame: f.firstFrame})),
        captures: c.captures.map((x) => x.path),
        warnings: c.captures.flatMap((x) => x.warnings),
      }
    }
    const inOrder = await summary(parts)
    // One connection, seen from its handshake to its close.
    expect(inOrder.flows).toEqual([{state: 'closed', rtt: 20, packets: {toServer: 4, toClient: 3}, capture: 0, firstFrame: 1}])
    expect(inOrder.warnings).toEqual([])
    // As a shell lists call-part1 … call-part10, or newest first: same flows, a warning.
    const shuffled = await summary([parts[2]!, parts[0]!, parts[1]!])
    expect(shuffled.flows).toEqual(inOrder.flows)
    expect(shuffled.captures).toEqual(parts)
    expect(shuffled.warnings).toEqual([`${parts[0]}: the 3 captures were read in the time order of their first packets, as mergecap merges them, not in the order given: ${parts.join(', ')}`])
  })

  it.skipIf(process.platform === 'win32')('keeps the order given when an input is a pipe (it cannot be peeked at) and reads the pipe once', async () => {
    const parts = writeParts()
    const fifo = join(dir, 'part.fifo')
    execFileSync('mkfifo', [fifo])
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', parts[0]!, fifo], {stdio: 'ignore'})
    expect(inTimeOrder([{path: parts[2]!}, {path: fifo}]).map((x) => x.path)).toEqual([parts[2], fifo])
    const c = await collectFlows([parts[2]!, fifo])
    writer.kill()
    expect(c.captures.map((x) => [x.path, x.packets])).toEqual([[parts[2], 2], [fifo, 3]])
    expect(c.captures.flatMap((x) => x.warnings)).toEqual([])
  })

  it('sums many captures up in one line of the terminal report (the JSON lists each)', async () => {
    const parts = writeParts()
    const copies = [...parts]
    // Five more, each a different file (a copy of one would be read once).
    for (let i = 0; i < 5; i++) {
      const w = new PcapngWriter()
      w.sectionStart({byteOrder: 'le'})
      w.iface({linkType: LINKTYPE.ETHERNET})
      w.packet({sec: T0 + 10 + i, nsec: 0}, seg(C, S, {sport: 51000 + i, dport: 443, seq: 1, flags: 'S'}))
      const path = join(dir, `extra-${i}.pcapng`)
      writeFileSync(path, w.toBuffer())
      copies.push(path)
    }
    const {report} = await analyzeCaptures({paths: copies, geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: dir, toolVersion: 'test'})
    expect(report.captures.length).toBe(8)
    const text = renderAnalyzeTable(report)
    expect(text).not.toMatch(/^Capture /m)
    expect(text).toMatch(/^Captures +8 files, 12 packets, /m)
    expect(text.replace(/\s+/g, ' ')).toContain(`${parts[0]}, ${parts[1]}, … ${copies[7]}`)
  })
})
