import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowRecordAt, flowRecordJson, processLabel} from '../../src/flows/flow-records.js'
import {safeJsonStringify} from '../../src/report/json-text.js'
import {renderFlowsCsv} from '../../src/report/flows-csv.js'
import {buildFlowsReport} from '../../src/flows/flows-report.js'
import {encodeOptions, epbBlock, idbBlock, opt, pcapngBlock, PcapWriter, shbBlock} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, ethernet, ipv4, udp} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {defaultSignatures} from '../../src/apps/signatures.js'
import {renderNdjson} from '../../src/report/ndjson.js'
import {renderAnalyzeTable} from '../../src/report/analyze-table.js'
import {corpusFiles, corpusPath, HAVE_CORPUS} from '../helpers/paths.js'

const dir = tempDir('callaudit-process-')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const frame = (sport: number, dport: number, src = '192.168.1.20', dst = '203.0.113.9') =>
  ethernet({type: ETHERTYPE.IPV4}, ipv4({src, dst, proto: IPPROTO.UDP}, udp({sport, dport}, Buffer.from('payload'))))

/** Apple's PKTAP header (xnu bsd/net/pktap.h), little-endian, before an Ethernet frame. */
function pktap(inner: Buffer, p: {pid: number; comm: string; epid?: number; ecomm?: string}): Buffer {
  const h = Buffer.alloc(108)
  h.writeUInt32LE(108, 0)
  h.writeUInt32LE(1, 4) // PKT_REC_PACKET
  h.writeUInt32LE(1, 8) // DLT_EN10MB
  h.write('en0', 12, 'latin1')
  h.writeInt32LE(p.pid, 52)
  h.write(p.comm, 56, 'latin1')
  h.writeInt32LE(p.epid ?? 0, 84)
  h.write(p.ecomm ?? '', 88, 'latin1')
  return Buffer.concat([h, inner])
}

async function flowsOf(bytes: Buffer, name: string) {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  const collection = await collectFlows([path])
  const records = Array.from({length: collection.table.count}, (_, slot) => flowRecordAt(collection, slot))
  return {collection, records}
}

describe('process attribution (macOS captures that name processes)', () => {
  it('reads the process, and the effective process, from PKTAP headers', async () => {
    const w = new PcapWriter({linkType: 258})
    let sec = 1_700_000_000
    // Unknown owner first (pid -1, no name): the flow takes the first packet that names one.
    w.add({sec: sec++, nsec: 0}, pktap(frame(50000, 8801), {pid: -1, comm: ''}))
    w.add({sec: sec++, nsec: 0}, pktap(frame(50000, 8801), {pid: 812, comm: 'zoom.us'}))
    w.add({sec: sec++, nsec: 0}, pktap(frame(50000, 8801), {pid: 999, comm: 'other'}))
    w.add({sec: sec++, nsec: 0}, pktap(frame(50001, 443), {pid: 120, comm: 'nsurlsessiond', epid: 812, ecomm: 'zoom.us'}))
    w.add({sec: sec++, nsec: 0}, pktap(frame(50002, 53), {pid: -1, comm: ''}))
    const {collection, records} = await flowsOf(w.toBuffer(), 'pktap.pcap')
    expect(records.map((r) => r.process)).toEqual([
      {pid: 812, name: 'zoom.us'},
      {pid: 120, name: 'nsurlsessiond', effectivePid: 812, effectiveName: 'zoom.us'},
      undefined,
    ])
    expect(processLabel(records[1]!.process!)).toBe('nsurlsessiond (pid 120) on behalf of zoom.us (pid 812)')
    // The hand-written JSON says the same as the record.
    for (let slot = 0; slot < collection.table.count; slot++) expect(flowRecordJson(collection, slot)).toBe(safeJsonStringify(flowRecordAt(collection, slot)))
  })

  it('reads pcapng process information blocks that packets point to, per section', async () => {
    const bo = 'le' as const
    const pib = (pid: number, name: string) => {
      const body = Buffer.alloc(4)
      body.writeUInt32LE(pid)
      return pcapngBlock(bo, 0x80000001, Buffer.concat([body, encodeOptions(bo, [opt.string(2, name)])]))
    }
    const epb = (data: Buffer, ts: bigint, own?: number, effective?: number) =>
      epbBlock(bo, {ifId: 0, ts, data, origLen: data.length, options: [
        ...(own === undefined ? [] : [opt.u32(bo, 0x8001, own)]),
        ...(effective === undefined ? [] : [opt.u32(bo, 0x8003, effective)]),
      ]})
    const hostile = 'evil\u001b[31m\u202e'
    const bytes = Buffer.concat([
      shbBlock(bo),
      idbBlock(bo, {linkType: 1, snaplen: 65535}),
      pib(812, 'zoom.us'),
      pib(120, 'nsurlsessiond'),
      pib(66, hostile),
      epb(frame(50000, 8801), 1_700_000_000_000_000n, 0),
      epb(frame(50001, 443), 1_700_000_001_000_000n, 1, 0),
      epb(frame(50002, 5353), 1_700_000_002_000_000n),
      epb(frame(50003, 80), 1_700_000_002_500_000n, 2),
      // A new section forgets the processes of the one before: index 1 names nothing here.
      shbBlock(bo),
      idbBlock(bo, {linkType: 1, snaplen: 65535}),
      pib(7, 'FaceTime'),
      epb(frame(50004, 3478), 1_700_000_003_000_000n, 1),
      epb(frame(50005, 3478), 1_700_000_004_000_000n, 0),
    ])
    const {collection, records} = await flowsOf(bytes, 'pib.pcapng')
    expect(records.map((r) => r.process ?? null)).toEqual([
      {pid: 812, name: 'zoom.us'},
      {pid: 120, name: 'nsurlsessiond', effectivePid: 812, effectiveName: 'zoom.us'},
      null,
      {pid: 66, name: hostile},
      null,
      {pid: 7, name: 'FaceTime'},
    ])
    // Untrusted names come out neutralised in JSON and CSV.
    const json = flowRecordJson(collection, 3)
    expect(json).toBe(safeJsonStringify(flowRecordAt(collection, 3)))
    expect(json).not.toMatch(/[\u001b\u202e]/)
    const csv = renderFlowsCsv(buildFlowsReport(collection, {}))
    expect(csv.split('\r\n')[0]).toMatch(/,process,pid,uid,package$/)
    expect(csv).toContain(',zoom.us,812')
    expect(csv).not.toMatch(/[\u001b\u202e]/)
  })
})

describe('process names as app evidence', () => {
  const sig = defaultSignatures()
  const apps = (name: string) => sig.matchProcess(name).map((m) => `${m.app}:${m.confidence}`)

  it('matches exact, case-insensitive, cut to 16 characters, and helper processes', () => {
    expect(apps('zoom.us')).toEqual(['zoom:high'])
    expect(apps('ZOOM.US')).toEqual(['zoom:high'])
    // Unverified process names count one level lower.
    expect(apps('Slack')).toEqual(['slack:medium'])
    expect(apps('Slack Helper (Re')).toEqual(['slack:medium'])
    expect(apps('Microsoft Teams ')).toEqual(['teams:medium']) // "Microsoft Teams Helper" as the kernel cuts it
    expect(apps('Cisco Webex Meet')).toEqual(['webex:medium']) // "Cisco Webex Meetings" cut to 16
  })

  it('does not match other programs that merely share a prefix or a word', () => {
    expect(apps('zoom.usx')).toEqual([])
    expect(apps('NotSlack')).toEqual([])
    expect(apps('SlackAgent')).toEqual([])
    expect(apps('Safari')).toEqual([])
    expect(apps('')).toEqual([])
  })

  it('claims the app from the process the capture names, with its evidence', async () => {
    const w = new PcapWriter({linkType: 258})
    let sec = 1_700_000_000
    // An unremarkable HTTPS-like UDP exchange on an unknown server: nothing but the process names the app.
    for (let i = 0; i < 3; i++) w.add({sec: sec++, nsec: 0}, pktap(frame(50010, 40000, '192.168.1.20', '198.51.100.77'), {pid: 300, comm: 'nsurlsessiond', epid: 301, ecomm: 'Signal'}))
    w.add({sec: sec++, nsec: 0}, pktap(frame(50011, 40001, '192.168.1.20', '198.51.100.78'), {pid: 302, comm: 'Finder'}))
    const path = join(dir, 'signal.pcap')
    writeFileSync(path, w.toBuffer())
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: dir, toolVersion: 'test'})
    expect(report.apps.map((a) => [a.app, a.confidence])).toEqual([['signal', 'medium']])
    expect(report.apps[0]!.evidence).toMatchObject([{kind: 'process', value: 'Signal', match: 'Signal', flowIds: [1]}])
    expect(report.flows.map((f) => [f.id, f.app, f.process?.name])).toEqual([[1, 'signal', 'nsurlsessiond'], [2, null, 'Finder']])
    expect(renderAnalyzeTable(report)).toMatch(/Apps +Signal \(medium, process Signal\)/)
    // The ECS export: process.* is the socket's process; the one it acted for is callaudit's own field.
    const events = renderNdjson(report).trim().split('\n').map((l) => JSON.parse(l))
    const flowEvents = events.filter((e) => e.event?.dataset === 'callaudit.flow')
    expect(flowEvents.map((e) => [e.callaudit.flow.id, e.process, e.callaudit.flow.effective_process])).toEqual([
      [1, {pid: 300, name: 'nsurlsessiond'}, {pid: 301, name: 'Signal'}],
      [2, {pid: 302, name: 'Finder'}, undefined],
    ])
  })
})

describe('process names in findings', () => {
  it('a flow abroad names the process that sent it in the finding\'s evidence', async () => {
    const w = new PcapWriter({linkType: 258})
    let sec = 1_700_000_000
    // Zoom media to a Zoom server the embedded database places in the US; home is Indonesia.
    // 4 frames of 157 bytes: the PKTAP header is part of each frame (as tshark's frame.len counts it).
    for (let i = 0; i < 4; i++) w.add({sec: sec++, nsec: 0}, pktap(frame(50020, 8801, '192.168.1.20', '144.195.37.118'), {pid: 812, comm: 'zoom.us'}))
    const path = join(dir, 'abroad.pcap')
    writeFileSync(path, w.toBuffer())
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {home: 'ID'}, cwd: dir, toolVersion: 'test'})
    const geo = report.findings.filter((f) => f.ruleId === 'CA-GEO-001')
    expect(geo.length).toBe(1)
    expect(geo[0]!.evidence.map((e) => e.description)).toEqual(['flow #1 udp 192.168.1.20:50020 → 144.195.37.118:8801: media (zoom), 628 bytes, process zoom.us (pid 812)'])
  })
})

describe.skipIf(!HAVE_CORPUS)('process attribution on the corpus', () => {
  it('names the process only where the capture does: mpeg.pcap (a macOS pcapng with a process block)', async () => {
    const named: Record<string, unknown[]> = {}
    for (const name of corpusFiles()) {
      let collection
      try {
        collection = await collectFlows([corpusPath(name)])
      } catch {
        continue // unreadable on purpose (the corpus holds broken files); other tests cover them
      }
      if (collection.processes.length > 0) named[name] = Array.from({length: collection.table.count}, (_, slot) => flowRecordAt(collection, slot).process ?? null)
    }
    // mpeg.pcap: the first EPB names no process, the second points (option 0x8001) at the only
    // process block, pid 224 "acwebsecagent" (Cisco AnyConnect's web security agent); the block's
    // name option ends with a NUL inside its length, which is not part of the name.
    expect(named).toEqual({'mpeg.pcap': [{pid: 224, name: 'acwebsecagent'}]})
  }, 120_000)
})
