import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Reader} from 'maxmind'
import {describe, expect, it} from 'vitest'
import {parseCidr, type Cidr} from '../../src/geo/ip.js'
import {typed} from '../../src/geo/mmdb/values.js'
import {MmdbWriter} from '../../src/geo/mmdb/writer.js'
import {tempDir} from './helpers.js'

const cidr = (text: string) => parseCidr(text) as Cidr

const ALL_TYPES = {
  utf8: 'Zürich 東京',
  long: 'x'.repeat(70_000), // size field with 3 extra bytes (>= 65821)
  medium: 'y'.repeat(300), // 2 extra bytes (>= 285)
  short: 'z'.repeat(40), // 1 extra byte (>= 29)
  dbl: 1.5,
  negDbl: -97.82,
  flt: typed('float', 0.5),
  u16: typed('uint16', 65535),
  u32: 4_294_967_295,
  zero: 0,
  i32: -123_456,
  u64: 2n ** 63n + 5n,
  u128: 2n ** 127n + 9n,
  yes: true,
  no: false,
  bytes: Uint8Array.from([0, 1, 254, 255]),
  arr: [1, 'two', [3], {four: 4}],
  map: {nested: {deeper: {value: 'ok'}}},
  emptyMap: {},
  emptyArr: [],
}

describe('MMDB writer round-trip through the maxmind reader', () => {
  for (const recordSize of [24, 28, 32] as const) {
    for (const ipVersion of [4, 6] as const) {
      it(`${recordSize}-bit records, IPv${ipVersion} tree`, () => {
        const writer = new MmdbWriter({ipVersion, recordSize, databaseType: 'Test-DB', buildEpoch: 1_700_000_000, languages: ['en'], description: {en: 'test'}})
        writer.insert(cidr('192.0.2.0/24'), ALL_TYPES)
        writer.insert(cidr('192.0.2.128/25'), {which: 'more specific'})
        writer.insert(cidr('198.51.100.7/32'), {which: 'host'})
        if (ipVersion === 6) writer.insert(cidr('2001:db8::/32'), {which: 'v6'})
        const reader = new Reader<Record<string, unknown>>(writer.toBuffer())
        expect(reader.metadata.recordSize).toBe(recordSize)
        expect(reader.metadata.ipVersion).toBe(ipVersion)
        expect(reader.metadata.databaseType).toBe('Test-DB')
        expect(reader.metadata.buildEpoch.toISOString()).toBe('2023-11-14T22:13:20.000Z')
        expect(reader.metadata.languages).toEqual(['en'])
        expect(reader.metadata.description).toEqual({en: 'test'})
        const [record, prefix] = reader.getWithPrefixLength('192.0.2.1')
        expect(prefix).toBe(25)
        expect({...record, flt: record?.['flt'], u16: record?.['u16']}).toEqual({...ALL_TYPES, flt: 0.5, u16: 65535, bytes: Buffer.from([0, 1, 254, 255])})
        expect(reader.getWithPrefixLength('192.0.2.200')).toEqual([{which: 'more specific'}, 25])
        expect(reader.getWithPrefixLength('198.51.100.7')).toEqual([{which: 'host'}, 32])
        expect(reader.get('198.51.100.8')).toBeNull()
        expect(reader.get('8.8.8.8')).toBeNull()
        if (ipVersion === 6) {
          expect(reader.getWithPrefixLength('2001:db8:ffff::1')).toEqual([{which: 'v6'}, 32])
          // IPv4-mapped alias leads to the IPv4 subtree at ::/96
          expect(reader.getWithPrefixLength('::ffff:192.0.2.200')).toEqual([{which: 'more specific'}, 96 + 25])
          expect(reader.get('::c000:2c8')).toEqual({which: 'more specific'})
        }
      })
    }
  }

  it('picks the smallest record size that fits and deduplicates repeated records', () => {
    const writer = new MmdbWriter({ipVersion: 4, databaseType: 'T', buildEpoch: 0})
    for (let i = 0; i < 256; i++) writer.insert(cidr(`10.0.${i}.0/24`), {org: 'Same Org', asn: 64500})
    const buffer = writer.toBuffer()
    const reader = new Reader<Record<string, unknown>>(buffer)
    expect(reader.metadata.recordSize).toBe(24)
    expect(reader.get('10.0.77.1')).toEqual({org: 'Same Org', asn: 64500})
    // 256 copies would need > 256 * 15 bytes of data; one copy plus the tree is far less.
    expect(buffer.indexOf('Same Org')).toBe(buffer.lastIndexOf('Same Org'))
  })

  it('encodes pointers of every size (data section past 2 KiB, 512 KiB)', () => {
    const writer = new MmdbWriter({ipVersion: 4, databaseType: 'T', buildEpoch: 0})
    // Fill the data section so later records point back to strings at growing offsets.
    for (let i = 0; i < 150; i++) writer.insert(cidr(`10.${i}.0.0/16`), {filler: `${i}-${'f'.repeat(4000)}`, shared: `shared-${i % 3}`})
    // Targets at ~0 (11-bit pointer), ~4 KiB (19-bit) and ~560 KiB (27-bit, past 526336).
    writer.insert(cidr('192.0.2.0/24'), {again: '140-' + 'f'.repeat(4000), first: '0-' + 'f'.repeat(4000), shared: 'shared-1'})
    const buffer = writer.toBuffer()
    expect(buffer.length).toBeLessThan(151 * 4100) // the repeats were written as pointers
    const reader = new Reader<Record<string, unknown>>(buffer)
    expect(reader.get('10.149.1.1')).toEqual({filler: `149-${'f'.repeat(4000)}`, shared: 'shared-2'})
    expect(reader.get('192.0.2.9')).toEqual({again: '140-' + 'f'.repeat(4000), first: '0-' + 'f'.repeat(4000), shared: 'shared-1'})
  })

  it('is deterministic: same inserts, same bytes', () => {
    const build = () => {
      const writer = new MmdbWriter({ipVersion: 6, databaseType: 'T', buildEpoch: 42})
      writer.insert(cidr('2001:db8::/48'), {b: 1, a: 2})
      writer.insert(cidr('192.0.2.0/24'), {a: 2, b: 1})
      return writer.toBuffer()
    }
    expect(build().equals(build())).toBe(true)
  })

  const mmdblookup = spawnSync('mmdblookup', ['--version'], {encoding: 'utf8'})
  it.skipIf(mmdblookup.error !== undefined)('output opens with libmaxminddb mmdblookup', () => {
    const dir = tempDir()
    for (const recordSize of [24, 28, 32] as const) {
      const writer = new MmdbWriter({ipVersion: 6, recordSize, databaseType: 'Test-DB', buildEpoch: 1_700_000_000})
      writer.insert(cidr('192.0.2.0/24'), {country: {iso_code: 'DE'}, n: typed('uint32', 64500), big: 2n ** 100n, neg: -5, d: 2.25})
      writer.insert(cidr('2001:db8::/32'), {country: {iso_code: 'SE'}})
      const file = join(dir, `t${recordSize}.mmdb`)
      writeFileSync(file, writer.toBuffer())
      const v4 = spawnSync('mmdblookup', ['--file', file, '--ip', '192.0.2.9', 'country', 'iso_code'], {encoding: 'utf8'})
      expect(v4.status).toBe(0)
      expect(v4.stdout).toContain('"DE" <utf8_string>')
      const all = spawnSync('mmdblookup', ['--file', file, '--ip', '::ffff:192.0.2.9'], {encoding: 'utf8'})
      expect(all.stdout).toContain('64500 <uint32>')
      expect(all.stdout).toContain('0x00000010000000000000000000000000 <uint128>') // 2^100, printed in hex
      expect(all.stdout).toContain('-5 <int32>')
      expect(all.stdout).toContain('2.250000 <double>')
      const v6 = spawnSync('mmdblookup', ['--file', file, '--ip', '2001:db8::1', 'country', 'iso_code'], {encoding: 'utf8'})
      expect(v6.stdout).toContain('"SE" <utf8_string>')
      const verbose = spawnSync('mmdblookup', ['--file', file, '--ip', '8.8.8.8', '--verbose'], {encoding: 'utf8'})
      expect(verbose.stdout).toMatch(new RegExp(`Record size:\\s+${recordSize}`))
    }
  })
})
