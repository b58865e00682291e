import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'
import {readCapture} from '../../src/capture/read-capture.js'
import {corpusFiles, corpusPath, FIXTURES} from '../helpers/paths.js'

/**
 * Differential test against pcap-parser (the library the product card names): on every classic
 * microsecond pcap among the fixtures and the corpus, both readers must hand out the same
 * records: timestamps, lengths and bytes. pcap-parser knows no pcapng, no nanosecond pcap and
 * drops a truncated last record silently; those are outside the comparison (the last one is
 * checked: we keep the partial record and it does not).
 */
const require = createRequire(import.meta.url)
const pcapParser = require('pcap-parser') as {parse(path: string): NodeJS.EventEmitter}

interface Rec {
  micros: bigint
  capLen: number
  origLen: number
  data: string
}

function viaPcapParser(path: string): Promise<Rec[]> {
  return new Promise((resolve, reject) => {
    const out: Rec[] = []
    const parser = pcapParser.parse(path)
    parser.on('packet', (p: {header: {timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number}; data: Buffer}) => {
      out.push({
        micros: BigInt(p.header.timestampSeconds) * 1_000_000n + BigInt(p.header.timestampMicroseconds),
        capLen: p.header.capturedLength,
        origLen: p.header.originalLength,
        data: p.data.toString('base64'),
      })
    })
    parser.on('error', reject)
    parser.on('end', () => resolve(out))
  })
}

async function viaOurs(path: string): Promise<Rec[]> {
  const out: Rec[] = []
  await readCapture(path, (r) => {
    out.push({micros: BigInt(r.tsSec) * 1_000_000n + BigInt(r.tsNsec / 1000), capLen: r.capLen, origLen: r.origLen, data: Buffer.from(r.data).toString('base64')})
  })
  return out
}

function isMicrosecondPcap(path: string): boolean {
  const head = readFileSync(path).subarray(0, 4).toString('hex')
  return head === 'a1b2c3d4' || head === 'd4c3b2a1'
}

const candidates = [
  ...readdirSync(FIXTURES).filter((f) => !f.startsWith('bad-')).map((f) => join(FIXTURES, f)),
  ...corpusFiles().map(corpusPath),
].filter((p) => /\.(pcap|pcapng)$/.test(p) && isMicrosecondPcap(p))

describe('our reader and pcap-parser agree on classic pcap', () => {
  it(`hand out identical records for ${candidates.length} files`, async () => {
    expect(candidates.length).toBeGreaterThan(10)
    let compared = 0
    for (const path of candidates) {
      const theirs = await viaPcapParser(path)
      const ours = await viaOurs(path)
      // pcap-parser cannot see damage: on a file we stopped reading early, compare the prefix.
      expect(ours.slice(0, theirs.length), path).toEqual(theirs.slice(0, ours.length))
      if (ours.length === theirs.length) compared++
    }
    expect(compared).toBeGreaterThan(candidates.length * 0.95)
  })

  it('keeps a truncated last record that pcap-parser silently drops', async () => {
    const path = join(FIXTURES, 'bad-truncated-last.pcap')
    const theirs = await viaPcapParser(path)
    const ours = await viaOurs(path)
    expect(ours.length).toBe(theirs.length + 1)
    expect(ours.slice(0, -1)).toEqual(theirs)
    expect(ours.at(-1)!.capLen).toBeLessThan(ours.at(-1)!.origLen)
  })
})
