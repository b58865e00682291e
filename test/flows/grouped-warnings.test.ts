import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {flowsReportHead, groupedCaptureWarnings} from '../../src/flows/flows-report.js'
import {PcapngWriter} from '../support/capture-writer.js'
import {ETHERTYPE, ethernet, IPPROTO, ipv4, LINKTYPE, udp} from '../support/packet-builder.js'

describe('capture warnings in the summary', () => {
  it('gives one line for a warning several captures give word for word, at the place of its first', () => {
    const same = 'recorded with the capture filter "udp": packets it left out were never recorded'
    const captures = [
      {path: 'ring_1.pcapng', warnings: [`ring_1.pcapng: ${same}`, 'ring_1.pcapng: 3 packets stored shorter than sent']},
      {path: 'ring_2.pcapng', warnings: [`ring_2.pcapng: ${same}`]},
      {path: 'ring_3.pcapng', warnings: [`ring_3.pcapng: ${same}`, 'not about a path']},
    ]
    expect(groupedCaptureWarnings(captures)).toEqual([`ring_1.pcapng, ring_2.pcapng and ring_3.pcapng: ${same}`, 'ring_1.pcapng: 3 packets stored shorter than sent', 'not about a path'])
    const many = Array.from({length: 7}, (_, i) => ({path: `p${i}.pcap`, warnings: [`p${i}.pcap: ${same}`]}))
    expect(groupedCaptureWarnings(many)).toEqual([`p0.pcap, p1.pcap, p2.pcap and 4 more captures: ${same}`])
    // One capture: its warning as it was.
    expect(groupedCaptureWarnings(captures.slice(0, 1))).toEqual(captures[0]!.warnings)
  })

  it('groups the filter warning of the parts of a ring buffer read together, and each capture keeps its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callaudit-ring-'))
    try {
      const paths = [1, 2, 3, 4].map((i) => {
        const w = new PcapngWriter()
        w.sectionStart({byteOrder: 'le'})
        w.iface({linkType: LINKTYPE.ETHERNET, filter: 'udp'})
        w.packet({sec: 1_700_000_000 + i, nsec: 0}, ethernet({type: ETHERTYPE.IPV4}, ipv4({src: '192.168.1.2', dst: '198.51.100.9', proto: IPPROTO.UDP}, udp({sport: 40000, dport: 3478}, Buffer.alloc(20)))))
        const path = join(dir, `call_0000${i}.pcapng`)
        writeFileSync(path, w.toBuffer())
        return path
      })
      const collection = await collectFlows(paths, {})
      const head = flowsReportHead(collection, 1)
      const filterLines = head.summary.warnings.filter((w) => w.includes('capture filter'))
      expect(filterLines).toEqual([`${paths[0]}, ${paths[1]}, ${paths[2]} and 1 more capture: recorded with the capture filter "udp": packets it left out were never recorded, so a report that finds none of them does not show that none was sent`])
      expect(head.captures.map((c) => c.warnings.filter((w) => w.includes('capture filter')).length)).toEqual([1, 1, 1, 1])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
