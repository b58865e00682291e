import {createHash} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {newCaptureSummary} from '../../src/capture/capture-summary.js'
import type {CaptureParser} from '../../src/capture/capture-parser.js'
import type {PacketRecord} from '../../src/capture/packet-record.js'
import {PcapRecordParser} from '../../src/capture/pcap-records.js'
import {PcapngBlockParser} from '../../src/capture/pcapng-blocks.js'
import {readCapture} from '../../src/capture/read-capture.js'
import {openByteSource, READ_CHUNK_BYTES} from '../../src/capture/byte-source.js'
import {corpusPath, FIXTURES, HAVE_CORPUS} from '../helpers/paths.js'
import {tempDir} from '../helpers/temp-dir.js'
import {epbBlock, idbBlock, pcapGlobalHeader, pcapRecordHeader, shbBlock, spbBlock} from '../support/capture-writer.js'

/** What a reader hands out, reduced to comparable text (data by hash). */
function describeRecord(r: PacketRecord): string {
  const digest = createHash('sha1').update(r.data).digest('hex').slice(0, 12)
  return `${r.frame} if${r.interfaceIndex} lt${r.linkType} ${r.tsSec}.${r.tsNsec} ${r.capLen}/${r.origLen} ${digest}`
}

function parseInChunks(bytes: Uint8Array, chunkSize: number): {records: string[]; damage?: string; warnings: string[]; bytes: number; packets: number} {
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
  return {
    records,
    damage: parser.damage ? `${parser.damage.offset} ${parser.damage.message}` : undefined,
    warnings: summary.warnings,
    bytes: summary.bytes,
    packets: summary.packets,
  }
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

  // A whole buffer goes through the readers' hot loops (wholeUnits); chunks of a few bytes never
  // hold a whole record and go through the general path. Records that need a warning sit between
  // ordinary ones, so the hot loop must hand each to the general path and take up again after it.
  const packet = (i: number) => Buffer.alloc(60 + i, i)
  function oddPcap(byteOrder: 'le' | 'be', nanos: boolean): Buffer {
    const parts = [pcapGlobalHeader({byteOrder, linkType: 1, snaplen: 100, nanos})]
    const add = (sec: number, frac: number, data: Buffer) => parts.push(pcapRecordHeader(byteOrder, sec, frac, data.length, data.length + 4), data)
    for (let i = 0; i < 12; i++) {
      if (i === 3) add(1_600_000_000, nanos ? 2_500_000_000 : 2_500_000, packet(i)) // fraction past one second
      else if (i === 6) add(1_600_000_006, 0, Buffer.alloc(150, 6)) // longer than the snaplen
      else add(1_600_000_000 + i, 1000 * i, packet(i))
    }
    return Buffer.concat(parts)
  }
  function oddPcapng(byteOrder: 'le' | 'be'): Buffer {
    const epb = (ifId: number, i: number) => epbBlock(byteOrder, {ifId, ts: 1_600_000_000_000_000n + BigInt(i), data: packet(i), origLen: 60 + i})
    return Buffer.concat([
      shbBlock(byteOrder),
      idbBlock(byteOrder, {linkType: 1, snaplen: 0}),
      epb(0, 1),
      epb(0, 2),
      epb(5, 3), // an interface the section does not describe
      epb(0, 4),
      spbBlock(byteOrder, {data: packet(5), origLen: 65}),
      epb(0, 6),
      shbBlock(byteOrder === 'le' ? 'be' : 'le'), // a second section in the other byte order
      idbBlock(byteOrder === 'le' ? 'be' : 'le', {linkType: 101, snaplen: 0}),
      epbBlock(byteOrder === 'le' ? 'be' : 'le', {ifId: 0, ts: 1_700_000_000_000_000n, data: packet(7), origLen: 67}),
      epbBlock(byteOrder === 'le' ? 'be' : 'le', {ifId: 0, ts: 1_700_000_000_000_001n, data: packet(8), origLen: 68}),
    ])
  }
  const oddFiles: Array<[string, Buffer]> = [
    ['pcap le µs', oddPcap('le', false)],
    ['pcap be ns', oddPcap('be', true)],
    ['pcapng le then be', oddPcapng('le')],
    ['pcapng be then le', oddPcapng('be')],
  ]
  for (const [name, bytes] of oddFiles) {
    it(`${name}: records needing a warning between ordinary ones read the same whole or in pieces`, () => {
      const whole = parseInChunks(bytes, bytes.length)
      expect(whole.warnings.length).toBeGreaterThan(0)
      expect(whole.records.length).toBeGreaterThanOrEqual(name.startsWith('pcap ') ? 12 : 7)
      for (const size of [1, 7, 64, 200]) expect(parseInChunks(bytes, size), `chunk size ${size}`).toEqual(whole)
    })
  }

  it('the file reader gives the same records as one whole-buffer parse', async () => {
    const file = join(FIXTURES, 'demo-call.pcapng')
    const viaReader: string[] = []
    await readCapture(file, (r) => viaReader.push(describeRecord(r)))
    expect(viaReader).toEqual(parseInChunks(readFileSync(file), 1 << 30).records)
  })

  /** A pcap of `count` 1000-byte records whose bytes say which record they are. */
  function numberedPcap(count: number): Buffer {
    const parts = [pcapGlobalHeader({byteOrder: 'le', linkType: 1, snaplen: 65535})]
    for (let i = 0; i < count; i++) {
      parts.push(pcapRecordHeader('le', 1_600_000_000 + i, 0, 1000, 1000), Buffer.alloc(1000, i % 251))
    }
    return Buffer.concat(parts)
  }

  it('a file of many read chunks (read ahead into buffers that take turns) gives every record once, in order', async () => {
    // Over five chunks, with records straddling every chunk boundary.
    const bytes = numberedPcap(Math.ceil((5.5 * READ_CHUNK_BYTES) / 1016))
    const file = join(tempDir(), 'many-chunks.pcap')
    writeFileSync(file, bytes)
    const viaReader: string[] = []
    const summary = await readCapture(file, (r) => viaReader.push(describeRecord(r)))
    expect(summary.stoppedAt).toBeUndefined()
    expect(viaReader).toEqual(parseInChunks(bytes, 1 << 30).records)
  })

  it('the read-ahead hands out every byte of a file once, in order, whatever its size against the chunk size', async () => {
    const dir = tempDir()
    for (const size of [1, READ_CHUNK_BYTES - 1, READ_CHUNK_BYTES, READ_CHUNK_BYTES + 1, 3 * READ_CHUNK_BYTES, 3 * READ_CHUNK_BYTES + 17]) {
      const bytes = Buffer.alloc(size)
      // A pattern that differs between chunks, so a chunk handed out twice or out of order shows.
      for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >>> 8) + (i >>> 16)) & 0xff
      const file = join(dir, `bytes-${size}.bin`)
      writeFileSync(file, bytes)
      const source = await openByteSource(file)
      const seen: Buffer[] = []
      // Copies: a chunk is valid only until the next one is asked for.
      for await (const chunk of source.chunks) seen.push(Buffer.from(chunk))
      expect(seen.every((c) => c.length > 0 && c.length <= READ_CHUNK_BYTES), `size ${size}`).toBe(true)
      expect(Buffer.concat(seen).equals(bytes), `size ${size}`).toBe(true)
    }
  })

  it('damage in the middle of a large file stops the read there, with the next chunk still being read', async () => {
    const bytes = numberedPcap(Math.ceil((4 * READ_CHUNK_BYTES) / 1016))
    // Captured and original lengths beyond any real record (256 KiB) in the second chunk.
    const damagedRecord = Math.ceil((1.5 * READ_CHUNK_BYTES) / 1016)
    const at = 24 + damagedRecord * 1016
    bytes.writeUInt32LE(1_000_000, at + 8)
    bytes.writeUInt32LE(1_000_000, at + 12)
    const file = join(tempDir(), 'damaged.pcap')
    writeFileSync(file, bytes)
    const viaReader: string[] = []
    const summary = await readCapture(file, (r) => viaReader.push(describeRecord(r)))
    expect(viaReader).toHaveLength(damagedRecord)
    expect(summary.stoppedAt?.offset).toBe(at)
    expect(viaReader).toEqual(parseInChunks(bytes, 1 << 30).records)
  })
})
