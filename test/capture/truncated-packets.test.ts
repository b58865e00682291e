import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {captureRecords} from '../../src/flows/flow-records.js'
import {PcapngWriter, PcapWriter} from '../support/capture-writer.js'
import {LINKTYPE} from '../support/packet-builder.js'
import {tempDir} from '../helpers/temp-dir.js'

/** A frame of `n` bytes (the reader does not care what it holds). */
const frame = (n: number, fill: number) => Buffer.alloc(n, fill)

async function captureOf(bytes: Buffer, name: string) {
  const path = join(tempDir('callaudit-trunc-'), name)
  writeFileSync(path, bytes)
  return {path, record: captureRecords(await collectFlows([path]))[0]!}
}

describe('packets cut by the snapshot length', () => {
  it('counts them and says where the first is, in pcap', async () => {
    const w = new PcapWriter({linkType: LINKTYPE.ETHERNET, snaplen: 96})
    w.add({sec: 1_700_000_000, nsec: 0}, frame(60, 1)) // whole
    w.add({sec: 1_700_000_001, nsec: 0}, frame(400, 2)) // stored as 96 of 400 bytes
    w.add({sec: 1_700_000_002, nsec: 0}, frame(90, 3)) // whole
    w.add({sec: 1_700_000_003, nsec: 0}, frame(1500, 4)) // cut
    const {path, record} = await captureOf(w.toBuffer(), 'cut.pcap')
    expect(record.truncatedPackets).toBe(2)
    expect(record.bytes).toBe(60 + 400 + 90 + 1500) // original lengths, as before
    const warning = record.warnings.find((x) => x.includes('snapshot length'))
    expect(warning).toBe(`${path}: 2 of 4 packets were stored shorter than sent (cut by the capture's snapshot length; first: frame 2): what they carried past the cut (names, addresses, certificates) was not captured and cannot be reported`)
  })

  it('says "all" when every packet was cut, in pcapng', async () => {
    const w = new PcapngWriter()
    w.sectionStart({byteOrder: 'le'})
    w.iface({linkType: LINKTYPE.ETHERNET, snaplen: 64})
    for (let i = 0; i < 3; i++) w.packet({sec: 1_700_000_000 + i, nsec: 0}, frame(200, i))
    const {record} = await captureOf(w.toBuffer(), 'cut.pcapng')
    expect(record.truncatedPackets).toBe(3)
    expect(record.warnings.filter((x) => x.includes('all 3 packets were stored shorter than sent'))).toHaveLength(1)
  })

  it('does not blame the snapshot length for a last record the file\'s end cut short, unless it was cut by both', async () => {
    const w = new PcapWriter({linkType: LINKTYPE.ETHERNET, snaplen: 96})
    w.add({sec: 1_700_000_000, nsec: 0}, frame(60, 1))
    w.add({sec: 1_700_000_001, nsec: 0}, frame(90, 2)) // whole, then the file ends 40 bytes into it
    const whole = w.toBuffer()
    const endCut = await captureOf(whole.subarray(0, whole.length - 50), 'end-cut.pcap')
    expect(endCut.record.packets).toBe(2)
    expect(endCut.record.truncatedPackets).toBe(0)
    expect(endCut.record.warnings).toEqual([expect.stringContaining('last record is cut short (40 of 90 captured bytes present)')])
    w.add({sec: 1_700_000_002, nsec: 0}, frame(400, 3)) // stored as 96 of 400, then the file ends inside it
    const both = w.toBuffer()
    const bothCut = await captureOf(both.subarray(0, both.length - 20), 'both-cut.pcap')
    expect(bothCut.record.packets).toBe(3)
    expect(bothCut.record.truncatedPackets).toBe(1)
    expect(bothCut.record.warnings.filter((x) => x.includes('1 of 3 packets were stored shorter than sent (cut by the capture\'s snapshot length; first: frame 3)'))).toHaveLength(1)
  })

  it('stays silent for a capture stored whole', async () => {
    const w = new PcapWriter({linkType: LINKTYPE.ETHERNET})
    w.add({sec: 1_700_000_000, nsec: 0}, frame(1500, 7))
    const {record} = await captureOf(w.toBuffer(), 'whole.pcap')
    expect(record.truncatedPackets).toBe(0)
    expect(record.warnings).toEqual([])
  })
})
