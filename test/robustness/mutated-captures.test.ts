import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {afterAll, describe, expect, it} from 'vitest'
import {InputError} from '../../src/errors.js'
import {collectFlows} from '../../src/flows/collect-flows.js'
import {buildFlowsReport} from '../../src/flows/flows-report.js'
import {corpusFiles, corpusPath, FIXTURES, HAVE_CORPUS} from '../helpers/paths.js'

/**
 * Hundreds of damaged captures (bit flips, overwritten length fields, cuts, zeroed and
 * repeated regions) built deterministically from the corpus and the fixtures. Each must be
 * read to the damage or rejected with an InputError: no other exception, no hang (each file
 * is small, so a slow read means a loop), and memory that stays bounded.
 */

/** Deterministic xorshift32, so a failure can be reproduced from its name. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 4294967296
  }
}

type Mutation = (bytes: Buffer, random: () => number) => Buffer

const MUTATIONS: Record<string, Mutation> = {
  flip1: (b, r) => flip(b, r, 1),
  flip16: (b, r) => flip(b, r, 16),
  flip256: (b, r) => flip(b, r, 256),
  cut: (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  cutHead: (b, r) => b.subarray(0, 24 + Math.floor(r() * 40)),
  hugeLength: (b, r) => {
    const out = Buffer.from(b)
    // Overwrite a 4-byte word at a 4-aligned offset with a huge length, where record and
    // block lengths live.
    for (let i = 0; i < 4; i++) {
      const at = (Math.floor(r() * (out.length / 4)) * 4) | 0
      if (at + 4 <= out.length) out.writeUInt32LE(r() < 0.5 ? 0xfffffff0 : Math.floor(r() * 0x7fffffff), at)
    }
    return out
  },
  zeroRegion: (b, r) => {
    const out = Buffer.from(b)
    const at = Math.floor(r() * out.length)
    out.fill(0, at, Math.min(out.length, at + 1 + Math.floor(r() * 200)))
    return out
  },
  repeat: (b, r) => {
    const at = Math.floor(r() * b.length)
    const len = Math.floor(r() * 300)
    return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)])
  },
  gzipCut: (b, r) => {
    const z = gzipSync(b)
    return z.subarray(0, Math.max(3, Math.floor(r() * z.length)))
  },
  gzipFlip: (b, r) => flip(gzipSync(b), r, 4),
}

function flip(bytes: Buffer, random: () => number, count: number): Buffer {
  const out = Buffer.from(bytes)
  for (let i = 0; i < count; i++) {
    const at = Math.floor(random() * out.length)
    out[at] = out[at]! ^ (1 << Math.floor(random() * 8))
  }
  return out
}

const SOURCES = [
  ...readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f) && !f.startsWith('bad-')).map((f) => join(FIXTURES, f)),
  // Small corpus files of every kind, including the fuzz reproducers, chosen deterministically.
  ...corpusFiles().map(corpusPath).filter((p) => statSync(p).size < 60_000).filter((_, i) => i % 6 === 0),
]

/** Without the shared corpus (a user's machine) each fixture is mutated with more seeds. */
const ROUNDS = HAVE_CORPUS ? 1 : 2
const MUTANTS = SOURCES.length * Object.keys(MUTATIONS).length * ROUNDS

describe('damaged captures never crash, hang or grow memory without bound', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callaudit-mutants-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it(`survives ${MUTANTS} mutants`, async () => {
    expect(MUTANTS).toBeGreaterThanOrEqual(300)
    const rssBefore = process.memoryUsage().rss
    let read = 0
    let rejected = 0
    let seed = 1
    for (const source of Array.from({length: ROUNDS}, () => SOURCES).flat()) {
      const original = readFileSync(source)
      for (const [name, mutate] of Object.entries(MUTATIONS)) {
        const mutant = mutate(original, rng(seed++))
        const path = join(dir, `${name}-${seed}-${source.split('/').pop()}`)
        writeFileSync(path, mutant)
        const collection = await collectFlows([path], {maxFlows: 1000})
        // The only acceptable failure is an InputError naming the file.
        for (const failure of collection.failures) {
          expect(failure).toBeInstanceOf(InputError)
          expect(failure.oneLine()).toContain(path)
          expect(failure.oneLine()).not.toContain('\n')
        }
        if (collection.captures.length) {
          read++
          const report = buildFlowsReport(collection)
          expect(report.summary.packets).toBeGreaterThanOrEqual(0)
          // Whatever was found is serialisable (no NaN/undefined surprises in the contract).
          expect(() => JSON.stringify(report)).not.toThrow()
          for (const flow of report.flows) {
            expect(Number.isFinite(flow.bytes.toServer + flow.bytes.toClient)).toBe(true)
            expect(flow.firstFrame).toBeGreaterThan(0)
          }
        } else {
          rejected++
        }
      }
    }
    expect(read).toBeGreaterThan(0)
    expect(rejected).toBeGreaterThan(0)
    // Every mutant is small: memory may not have grown by anything like their claimed sizes.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024)
  }, 240_000)
})
