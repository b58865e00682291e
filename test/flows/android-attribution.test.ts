import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecordAt, flowRecordJson, processLabel} from '../../src/flows/flow-records.js'
import {safeJsonStringify} from '../../src/report/json-text.js'
import {hasPcapdroidTrailer, pcapdroidTrailerProcess} from '../../src/decode/pcapdroid-trailer.js'
import {customBlock, epbBlock, idbBlock, opt, PcapWriter, shbBlock} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, ethernet, ipv4, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'
import {FIXTURES} from '../helpers/paths.js'
import {ALL_ANALYZERS, analyzerByName} from '../../src/protocols/index.js'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {defaultSignatures} from '../../src/apps/signatures.js'
import {renderNdjson} from '../../src/report/ndjson.js'
import {renderFlowsTable} from '../../src/report/flows-table.js'
import {renderFlowsCsv} from '../../src/report/flows-csv.js'
import {buildFlowsReport} from '../../src/flows/flows-report.js'

const dir = tempDir('callaudit-android-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const ip = (sport: number, dport: number, payload = 'payload', src = '10.215.173.1', dst = '198.51.100.77') =>
  ipv4({src, dst, proto: IPPROTO.UDP}, udp({sport, dport}, Buffer.from(payload)))

/**
 * A frame as PCAPdroid writes it with its trailer (pcap_dump.c): an Ethernet header with both
 * MACs zero, the IP packet, zero padding to a multiple of 4, then magic, uid (big-endian), the
 * app name in 20 bytes (NUL-ended) and a CRC-32 (not checked by readers; zero here).
 */
function pcapdroidFrame(packet: Buffer, uid: number, name: string): Buffer {
  const frame = ethernet({type: ETHERTYPE.IPV4, src: '00:00:00:00:00:00', dst: '00:00:00:00:00:00'}, packet)
  const padding = Buffer.alloc((4 - (frame.length % 4)) % 4)
  const trailer = Buffer.alloc(32)
  trailer.writeUInt32BE(0x01072021, 0)
  trailer.writeInt32BE(uid, 4)
  Buffer.from(name, 'utf8').subarray(0, 19).copy(trailer, 8)
  return Buffer.concat([frame, padding, trailer])
}

async function flowsOf(bytes: Buffer, name: string, fastPath = true) {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  const collection = await collectFlows([path], {fastPath})
  const records = Array.from({length: collection.table.count}, (_, slot) => flowRecordAt(collection, slot))
  return {path, collection, records}
}

describe('PCAPdroid trailer, on raw bytes', () => {
  const frame = pcapdroidFrame(ip(40000, 3478), 10234, 'us.zoom.videomeetings')

  it('reads the app user id and its name, cut to 19 characters as PCAPdroid cuts it', () => {
    expect(hasPcapdroidTrailer(frame, 0, frame.length)).toBe(true)
    expect(pcapdroidTrailerProcess(frame, 0, frame.length)).toEqual({name: 'us.zoom.videomeetin', uid: 10234})
  })

  it('is not seen in a real Ethernet frame, a frame without the magic, or a short one', () => {
    const real = Buffer.from(frame)
    real[5] = 1 // a destination MAC that is not zero
    expect(pcapdroidTrailerProcess(real, 0, real.length)).toBeUndefined()
    const noMagic = Buffer.from(frame)
    noMagic[frame.length - 32] = 2
    expect(pcapdroidTrailerProcess(noMagic, 0, noMagic.length)).toBeUndefined()
    expect(pcapdroidTrailerProcess(frame, 0, 40)).toBeUndefined()
    // The frame's view inside a larger buffer: offsets are honoured.
    const inside = Buffer.concat([Buffer.alloc(7, 0xff), frame, Buffer.alloc(5, 0xff)])
    expect(pcapdroidTrailerProcess(inside, 7, 7 + frame.length)).toEqual({name: 'us.zoom.videomeetin', uid: 10234})
  })

  it('takes user id -1 (PCAPdroid did not know the app) as no attribution', () => {
    const unknown = pcapdroidFrame(ip(40000, 3478), -1, '')
    expect(hasPcapdroidTrailer(unknown, 0, unknown.length)).toBe(true)
    expect(pcapdroidTrailerProcess(unknown, 0, unknown.length)).toBeUndefined()
  })
})

describe('PCAPdroid captures name the Android app of each flow', () => {
  it('the generated fixture: every flow names the app, and the trailer adds no flow or payload', async () => {
    const collection = await collectFlows([join(FIXTURES, 'link-pcapdroid.pcap')], {analyzers: ALL_ANALYZERS})
    const twin = await collectFlows([join(FIXTURES, 'link-raw.pcap')], {analyzers: ALL_ANALYZERS})
    const records = Array.from({length: collection.table.count}, (_, slot) => flowRecordAt(collection, slot))
    expect(records.length).toBeGreaterThan(3)
    expect(new Set(records.map((r) => JSON.stringify(r.process)))).toEqual(new Set([JSON.stringify({name: 'us.zoom.videomeetin', uid: 10234})]))
    // The same conversations as the raw-IP fixture's, protocol facts alike (addresses differ).
    expect(records.map((r) => [r.proto, r.packets, Object.keys(r.protocols ?? {})])).toEqual(
      Array.from({length: twin.table.count}, (_, slot) => flowRecordAt(twin, slot)).map((r) => [r.proto, r.packets, Object.keys(r.protocols ?? {})]),
    )
  })

  const hostile = 'Zoom\u001b[2J\u202e<b>'

  function trailerCapture(): Buffer {
    const w = new PcapWriter({linkType: 1, snaplen: 65535})
    let sec = 1_700_000_000
    // The first packet of a flow whose app PCAPdroid did not know; the next one names it.
    w.add({sec: sec++, nsec: 0}, pcapdroidFrame(ip(40000, 3478), -1, ''))
    w.add({sec: sec++, nsec: 0}, pcapdroidFrame(ip(40000, 3478), 10234, 'Zoom'))
    w.add({sec: sec++, nsec: 0}, pcapdroidFrame(ip(40001, 53, 'dns', '10.215.173.1', '10.215.173.2'), 1051, 'netd'))
    w.add({sec: sec++, nsec: 0}, pcapdroidFrame(ip(40002, 443), 10300, hostile))
    // A real Ethernet frame between them names nothing.
    w.add({sec: sec++, nsec: 0}, ethernet({type: ETHERTYPE.IPV4}, ip(40003, 443)))
    return w.toBuffer()
  }

  it('reads the trailer, the same way on the fast and the general path', async () => {
    const fast = await flowsOf(trailerCapture(), 'trailer.pcap')
    expect(fast.records.map((r) => r.process ?? null)).toEqual([
      {name: 'Zoom', uid: 10234},
      {name: 'netd', uid: 1051},
      {name: hostile, uid: 10300},
      null,
    ])
    expect(processLabel(fast.records[0]!.process!)).toBe('Zoom (uid 10234)')
    const general = await flowsOf(trailerCapture(), 'trailer-general.pcap', false)
    for (let slot = 0; slot < fast.collection.table.count; slot++) {
      expect(flowRecordJson(fast.collection, slot)).toBe(flowRecordJson(general.collection, slot))
      expect(flowRecordJson(fast.collection, slot)).toBe(safeJsonStringify(flowRecordAt(fast.collection, slot)))
    }
    // The trailer is not payload: the UDP flow's 7 payload bytes are all the analyzers see, and
    // the untrusted name is neutralised in the terminal table.
    const table = renderFlowsTable(buildFlowsReport(fast.collection), {detail: analyzerByName})
    expect(table).toContain('process: Zoom (uid 10234)')
    expect(table).not.toMatch(/[\u001b\u202e]/)
  })

  it('reads PCAPdroid pcapng: the UID map blocks and each packet\'s u-<uid> comment, which is not an analyst\'s comment', async () => {
    const bo = 'le' as const
    const uidMap = (uid: number, pkg: string, name: string) => {
      const p = Buffer.from(pkg, 'utf8')
      const n = Buffer.from(name, 'utf8')
      const head = Buffer.alloc(10)
      head.writeUInt16LE(1, 0) // version
      head.writeUInt8(1, 2) // type: UID mapping
      head.writeInt32LE(uid, 4)
      head.writeUInt8(p.length, 8)
      head.writeUInt8(n.length, 9)
      const data = Buffer.concat([head, p, n])
      return customBlock(bo, {copyable: true, pen: 62652, data: Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)])})
    }
    const epb = (data: Buffer, ts: bigint, comment?: string) =>
      epbBlock(bo, {ifId: 0, ts, data, origLen: data.length, options: comment === undefined ? [] : [opt.string(1, comment)]})
    const bytes = Buffer.concat([
      shbBlock(bo, {options: [opt.string(4, 'PCAPdroid v1.8.0')]}),
      idbBlock(bo, {linkType: 101, snaplen: 65535}),
      uidMap(10234, 'us.zoom.videomeetings', 'Zoom'),
      epb(ip(40000, 8801), 1_700_000_000_000_000n, 'u-10234'),
      uidMap(10111, 'com.google.android.apps.tachyon', 'Meet'),
      epb(ip(40001, 19305), 1_700_000_001_000_000n, 'u-10111'),
      // A uid the section never mapped: attributed by number alone.
      epb(ip(40002, 443), 1_700_000_002_000_000n, 'u-10999'),
      // What an analyst wrote on a packet stays a packet comment.
      epb(ip(40003, 443), 1_700_000_003_000_000n, 'u-turn here: the call starts'),
      // A new section (mergecap of a capture from elsewhere) has no map: u-1 is a comment there.
      shbBlock(bo),
      idbBlock(bo, {linkType: 101, snaplen: 65535}),
      epb(ip(40004, 443), 1_700_000_004_000_000n, 'u-1'),
    ])
    const {collection, records} = await flowsOf(bytes, 'pcapdroid.pcapng')
    expect(records.map((r) => r.process ?? null)).toEqual([
      {name: 'Zoom', uid: 10234, package: 'us.zoom.videomeetings'},
      {name: 'Meet', uid: 10111, package: 'com.google.android.apps.tachyon'},
      {name: '', uid: 10999},
      null,
      null,
    ])
    expect(processLabel(records[0]!.process!)).toBe('Zoom (us.zoom.videomeetings, uid 10234)')
    expect(processLabel(records[2]!.process!)).toBe('? (uid 10999)')
    // The CSV carries the uid and package beside the name.
    const csv = renderFlowsCsv(buildFlowsReport(collection, {})).split('\r\n')
    expect(csv[0]).toMatch(/,process,pid,uid,package$/)
    expect(csv[1]).toMatch(/,Zoom,,10234,us\.zoom\.videomeetings$/)
    expect(csv[3]).toMatch(/,,,10999,$/)
    expect(collection.captures[0]!.packetComments).toEqual([
      {frame: 4, text: 'u-turn here: the call starts'},
      {frame: 5, text: 'u-1'},
    ])
  })

  it('claims the app from the package name of a pcapng UID map when the app\'s name is one no signature knows', async () => {
    const bo = 'le' as const
    const head = Buffer.alloc(10)
    const pkg = Buffer.from('us.zoom.videomeetings')
    const label = Buffer.from('ズーム') // a label in another language
    head.writeUInt16LE(1, 0)
    head.writeUInt8(1, 2)
    head.writeInt32LE(10234, 4)
    head.writeUInt8(pkg.length, 8)
    head.writeUInt8(label.length, 9)
    const data = Buffer.concat([head, pkg, label])
    const bytes = Buffer.concat([
      shbBlock(bo),
      idbBlock(bo, {linkType: 101, snaplen: 65535}),
      customBlock(bo, {copyable: true, pen: 62652, data: Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)])}),
      ...[0, 1, 2].map((i) => epbBlock(bo, {ifId: 0, ts: 1_700_000_000_000_000n + BigInt(i) * 1_000_000n, data: ip(40000, 40000), origLen: ip(40000, 40000).length, options: [opt.string(1, 'u-10234')]})),
    ])
    const path = join(dir, 'label.pcapng')
    writeFileSync(path, bytes)
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: dir, toolVersion: 'test'})
    expect(report.apps.map((a) => a.app)).toEqual(['zoom'])
    expect(report.apps[0]!.evidence).toMatchObject([{kind: 'process', value: 'us.zoom.videomeetings', match: 'us.zoom.videomeetings'}])
    expect(report.flows[0]!.process).toEqual({name: 'ズーム', uid: 10234, package: 'us.zoom.videomeetings'})
  })

  it('claims the app from the Android package name a trailer cuts, but not from a cut that ends at a dot', async () => {
    const sig = defaultSignatures()
    const apps = (name: string) => sig.matchProcess(name).map((m) => m.app)
    expect(apps('us.zoom.videomeetin')).toEqual(['zoom'])
    expect(apps('com.microsoft.teams')).toEqual(['teams'])
    expect(apps('org.thoughtcrime.se')).toEqual(['signal'])
    expect(apps('com.google.android.')).toEqual([]) // Meet's and every other Google app's cut
    expect(apps('us.zoom.videomeetix')).toEqual([])
    expect(apps('us.zoom')).toEqual([]) // cut short of 19 characters: not a trailer's cut

    const w = new PcapWriter({linkType: 1, snaplen: 65535})
    let sec = 1_700_000_000
    // UDP to an address and port no signature knows: only the app's name says Zoom.
    for (let i = 0; i < 3; i++) w.add({sec: sec++, nsec: 0}, pcapdroidFrame(ip(40000, 40000), 10234, 'us.zoom.videomeetings'))
    w.add({sec: sec++, nsec: 0}, pcapdroidFrame(ip(40001, 40001, 'x', '10.215.173.1', '198.51.100.78'), 10050, 'com.google.android.gms'))
    const path = join(dir, 'zoom-android.pcap')
    writeFileSync(path, w.toBuffer())
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: dir, toolVersion: 'test'})
    expect(report.apps.map((a) => a.app)).toEqual(['zoom'])
    expect(report.apps[0]!.evidence).toMatchObject([{kind: 'process', value: 'us.zoom.videomeetin', match: 'us.zoom.videomeetings', flowIds: [1]}])
    expect(report.flows.map((f) => [f.id, f.app, f.process])).toEqual([
      [1, 'zoom', {name: 'us.zoom.videomeetin', uid: 10234}],
      [2, null, {name: 'com.google.android.', uid: 10050}],
    ])
    // The ECS export carries the app's user id as user.id.
    const flowEvents = renderNdjson(report).trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event?.dataset === 'callaudit.flow')
    expect(flowEvents.map((e) => [e.process, e.user])).toEqual([
      [{name: 'us.zoom.videomeetin'}, {id: '10234'}],
      [{name: 'com.google.android.'}, {id: '10050'}],
    ])
  })
})
