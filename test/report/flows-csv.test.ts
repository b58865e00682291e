import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {collectFlows, type FlowCollection} from '../../src/flows/collect-flows.js'
import {buildFlowsReport, type FlowsSelection} from '../../src/flows/flows-report.js'
import {flowsCsvPieces, renderFlowsCsv} from '../../src/report/flows-csv.js'
import {PcapWriter} from '../support/capture-writer.js'
import {expectPiecesOfWholeLines} from '../support/pieces.js'
import {ethernet, ipv4, udp} from '../support/packet-builder.js'
import {FIXTURES} from '../helpers/paths.js'

const dir = mkdtempSync(join(tmpdir(), 'callaudit-flows-csv-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A capture of `count` one-packet UDP flows from one host to as many addresses (a scan). */
function scanCapture(count: number): string {
  const w = new PcapWriter({linkType: 1})
  for (let i = 0; i < count; i++) {
    const packet = ipv4({src: '192.168.1.2', dst: `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, proto: 17}, udp({sport: 40000 + (i % 20000), dport: 3478}, Buffer.alloc(20)))
    w.add({sec: 1_700_000_000 + (i >> 10), nsec: (i & 1023) * 1000}, ethernet({type: 0x0800}, packet))
  }
  const path = join(dir, `scan-${count}.pcap`)
  writeFileSync(path, w.toBuffer())
  return path
}

describe('flowsCsvPieces', () => {
  let demo: FlowCollection
  let scan: FlowCollection
  beforeAll(async () => {
    demo = await collectFlows([join(FIXTURES, 'demo-jakarta-call.pcapng')])
    scan = await collectFlows([scanCapture(12_000)])
  })

  it('writes the rows renderFlowsCsv writes for the same selection', () => {
    const selections: FlowsSelection[] = [{}, {sort: 'bytes', limit: 5}, {protos: ['udp'], sort: 'time'}, {protos: ['icmp']}]
    for (const selection of selections) {
      expect([...flowsCsvPieces(demo, selection)].join(''), JSON.stringify(selection)).toBe(renderFlowsCsv(buildFlowsReport(demo, selection)))
    }
  })

  it('gives a large listing in pieces of whole rows of about a mebibyte', () => {
    const pieces = [...flowsCsvPieces(scan)]
    expectPiecesOfWholeLines(pieces, '\r\n')
    const text = pieces.join('')
    expect(text).toBe(renderFlowsCsv(buildFlowsReport(scan)))
    expect(text.split('\r\n')).toHaveLength(1 + 12_000 + 1)
  })
})
