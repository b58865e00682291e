import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {analyzeCaptures} from '../../src/analysis/analyze.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {renderHtml} from '../../src/report/html/render-html.js'
import {renderMarkdown} from '../../src/report/markdown.js'
import {captureRecords} from '../../src/flows/flow-records.js'
import {tempDir} from '../helpers/temp-dir.js'
import {PcapngWriter} from '../support/capture-writer.js'
import {ETHERTYPE, IPPROTO, LINKTYPE, ethernet, ipv4, udp} from '../support/packet-builder.js'

function packet(i: number): Buffer {
  return ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.168.1.2', dst: '203.0.113.5', proto: IPPROTO.UDP, id: i}, udp({sport: 5000, dport: 8801}, Buffer.alloc(20, i))))
}

/** Two sections (as mergecap writes two files), comments on the file and on some packets. */
function commented(byteOrder: 'le' | 'be', packetComments: number): string {
  const w = new PcapngWriter()
  w.sectionStart({byteOrder, comment: 'Zoom 6.2 test call, office LAN', userappl: 'Wireshark 4.4'})
  w.iface({linkType: LINKTYPE.ETHERNET})
  let frame = 0
  for (let i = 0; i < 5; i++, frame++) w.packet({sec: 1_763_600_000 + frame, nsec: 0}, packet(frame), i === 2 ? {comment: 'joined meeting', flags: 1} : {flags: 2})
  w.sectionStart({byteOrder, comment: 'second file'})
  w.iface({linkType: LINKTYPE.ETHERNET})
  for (let i = 0; i < packetComments; i++, frame++) w.packet({sec: 1_763_600_000 + frame, nsec: 0}, packet(frame), {comment: `note ${i}`})
  const path = join(tempDir('callaudit-comments-'), `commented-${byteOrder}.pcapng`)
  writeFileSync(path, w.toBuffer())
  return path
}

describe('pcapng comments', () => {
  it.each(['le', 'be'] as const)('reports the file\'s comments of every section and each packet comment with its frame (%s)', async (order) => {
    const [record] = captureRecords(await collectFlows([commented(order, 2)]))
    expect(record!.comments).toEqual(['Zoom 6.2 test call, office LAN', 'second file'])
    expect(record!.packetComments).toEqual([
      {frame: 3, text: 'joined meeting'},
      {frame: 6, text: 'note 0'},
      {frame: 7, text: 'note 1'},
    ])
    // Comments and flags do not change what is counted.
    expect(record!.packets).toBe(7)
    expect(record!.recordedBy).toEqual({application: 'Wireshark 4.4'})
  })

  it('keeps the first 100 packet comments and says how many there were', async () => {
    const path = commented('le', 150)
    const [record] = captureRecords(await collectFlows([path]))
    expect(record!.packetComments).toHaveLength(100)
    expect(record!.packetComments.at(-1)).toEqual({frame: 104, text: 'note 98'})
    expect(record!.warnings).toContain(`${path}: 151 packet comments; the first 100 are listed`)
  })

  it('does not list the comments Windows conversion tools write on every packet; a warning counts them', async () => {
    // etl2pcapng (netsh trace): PID=%d TID=%d, with wireless metadata on Wi-Fi; pktmon: its
    // per-packet header. An analyst's note among them is still listed.
    const w = new PcapngWriter()
    w.sectionStart({byteOrder: 'le'})
    w.iface({linkType: LINKTYPE.ETHERNET})
    const comments = [
      'PID=4 TID=1234',
      'PID=0 TID=0 Packet Metadata: ReceiveFlags:0x0, PhyType:802.11ac, CenterCh:5180, NumMPDUsReceived:1, RSSI:-51, DataRate:234',
      'joined meeting',
      'PID=4 TID=1234',
      'PktGroupId 1125899906842625, PktNumber 1, Appearance 1, Direction Tx , Type Ethernet , Component 18, Edge 1, Filter 0, OriginalSize 60, LoggedSize 60',
      'PID=4', // not what etl2pcapng writes: an analyst's
      'PktGroupId 5, PktNumber 2 is the retransmission', // nor pktmon's
    ]
    comments.forEach((comment, i) => w.packet({sec: 1_763_600_000 + i, nsec: 0}, packet(i), {comment}))
    const path = join(tempDir('callaudit-comments-'), 'netsh.pcapng')
    writeFileSync(path, w.toBuffer())
    const [record] = captureRecords(await collectFlows([path]))
    expect(record!.packetComments).toEqual([{frame: 3, text: 'joined meeting'}, {frame: 6, text: 'PID=4'}, {frame: 7, text: 'PktGroupId 5, PktNumber 2 is the retransmission'}])
    expect(record!.packets).toBe(7)
    expect(record!.warnings.filter((x) => / carr(y|ies) the comment /.test(x))).toEqual([
      `${path}: 3 packets carry the comment etl2pcapng writes on every packet of a Windows netsh trace (PID=… TID=…: the process that was running when the packet was logged, which Microsoft warns is often not the one that sent or received it: not used to name a process); they are not listed as packet comments`,
      `${path}: 1 packet carries the comment pktmon writes on every packet (PktGroupId, Appearance, Component: where in the Windows network stack it was logged; a packet logged at several components appears several times); it is not listed as packet comments`,
    ])
  })

  it('warns that a capture carrying decryption secrets (a TLS key log) must be shared as carefully as the call', async () => {
    const path = join(import.meta.dirname, '../../fixtures/pcapng-blocks.pcapng')
    const [record] = captureRecords(await collectFlows([path]))
    expect(record!.secrets).toEqual([{type: 'TLS key log', length: expect.any(Number)}])
    expect(record!.warnings).toContain(`${path}: carries decryption secrets (TLS key log): anyone with this file can read the encrypted sessions they cover, so share it as carefully as the call's content`)
    const [plain] = captureRecords(await collectFlows([commented('le', 0)]))
    expect(plain!.warnings.filter((w) => w.includes('decryption secrets'))).toEqual([])
  })

  it('shows a comment of several lines (as mergecap writes) line by line in Markdown and HTML, raw in the JSON', async () => {
    const w = new PcapngWriter()
    w.sectionStart({byteOrder: 'le', comment: 'File created by merging: \nFile1: a.pcap \nFile2: b.pcap'})
    w.iface({linkType: LINKTYPE.ETHERNET})
    w.packet({sec: 1_763_600_000, nsec: 0}, packet(1), {comment: 'first\r\nsecond'})
    const path = join(tempDir('callaudit-comments-'), 'merged.pcapng')
    writeFileSync(path, w.toBuffer())
    const {report} = await analyzeCaptures({paths: [path], geo: {dbPaths: [], dirs: [], env: {}, systemDirs: false, useEmbedded: true}, policy: {}, cwd: tempDir('callaudit-cwd-'), toolVersion: 'test'})
    expect(report.captures[0]!.comments).toEqual(['File created by merging: \nFile1: a.pcap \nFile2: b.pcap'])
    const markdown = renderMarkdown(report)
    expect(markdown).toContain('- Capture 1 comment: File created by merging\\: / File1\\: a.pcap / File2\\: b.pcap')
    expect(markdown).toContain('frame 1: first / second')
    expect(markdown).not.toContain('\\x0a')
    const html = renderHtml(report)
    expect(html).toContain('<dd>File created by merging:<br>File1: a.pcap<br>File2: b.pcap</dd>')
  })
})
