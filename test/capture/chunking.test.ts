import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {newCaptureSummary} from '../../src/capture/capture-summary.js'
import type {CaptureParser} from '../../src/capture/capture-parser.js'
import type {PacketRecord} from '../../src/capture/packet-record.js'
import {PcapRecordParser} from '../../src/capture/pcap-records.js'
import {PcapngBlockParser} from '../../src/capture/pcapng-blocks.js'
import {readCapture} from '../../src/capture/read-capture.js'
import {corpusPath, FIXTURES, HAVE_CORPUS} from '../helpers/paths.js'

/** What a reader hands out, reduced to comparable text (data by hash). */
function describeRecord(r: PacketRecord): string {
  const digest = createHash('sha1').update(r.data).digest('hex').slice(0, 12)
  return `${r.frame} if${r.interfaceIndex} lt${r.linkType} ${r.tsSec}.${r.tsNsec} ${r.capLen}/${r.origLen} ${digest}`
}

function parseInChunks(bytes: Uint8Array, chunkSize: number): {records: string[]; damage?: string} {
  const records: string[] = []
  const summary = newCaptureSummary('x', 'pcap', false)
  const sink = (r: PacketRecord) => records.push(describeRecord(r))
  const pcapng = bytes[0] === 0x0a && bytes[1] === 0x0d
  const parser: CaptureParser = pcapng ? new PcapngBlockParser(summary, sink) : new PcapRecordParser(summary, sink)
  // Feed a reused buffer, as the file reader does, to catch views kept past their chunk.
  const reused = new Uint8Array(chunkSize)
  for (let i = 0; i < bytes.length && !parser.stopped; i += chunkSize) {
    const piece = bytes.subarray(i, i + chunkSize)
    reused.set(piece)
    parser.feed(reused.subarray(0, piece.length))
  }
  parser.finish()
  return {records, damage: parser.damage ? `${parser.damage.offset} ${parser.damage.message}` : undefined}
}

const FILES = [
  join(FIXTURES, 'demo-call.pcapng'),
  join(FIXTURES, 'pcapng-multi-section.pcapng'),
  join(FIXTURES, 'pcapng-blocks.pcapng'),
  join(FIXTURES, 'pcap-be-ns.pcap'),
  join(FIXTURES, 'bad-truncated-last.pcap'),
  join(FIXTURES, 'bad-pcapng-bad-length.pcapng'),
  ...(HAVE_CORPUS ? [corpusPath('zoom.pcap'), corpusPath('sites.pcapng'), corpusPath('teams.pcap')] : []),
]

describe('records do not depend on how the bytes are chunked', () => {
  for (const file of FILES) {
    it(file.split('/').pop()!, () => {
      const bytes = readFileSync(file)
      const whole = parseInChunks(bytes, bytes.length)
      expect(whole.records.length).toBeGreaterThan(0)
      for (const size of [1, 3, 16, 17, 100, 4093]) {
        expect(parseInChunks(bytes, size), `chunk size ${size}`).toEqual(whole)
      }
    })
  }

  it('the file reader gives the same records as one whole-buffer parse', async () => {
    const file = join(FIXTURES, 'demo-call.pcapng')
    const viaReader: string[] = []
    await readCapture(file, (r) => viaReader.push(describeRecord(r)))
    expect(viaReader).toEqual(parseInChunks(readFileSync(file), 1 << 30).records)
  })
})
