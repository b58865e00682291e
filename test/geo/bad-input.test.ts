import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {parseCidr, type Cidr} from '../../src/geo/ip.js'
import {MmdbWriter} from '../../src/geo/mmdb/writer.js'
import {fixture, openError, tempDir} from './helpers.js'


describe('unusable database files', () => {
  const dir = tempDir()
  const good = readFileSync(fixture('GeoIP2-City-Test.mmdb'))

  it('missing file', () => {
    expect(openError(join(dir, 'nope.mmdb'))).toBe(`${join(dir, 'nope.mmdb')}: database file not found`)
  })

  it('a directory', () => {
    expect(openError(dir)).toBe(`${dir}: a directory, not a database file (use --geoip-dir for a directory)`)
  })

  it('a device', () => {
    expect(openError('/dev/null')).toBe('/dev/null: not a regular file or a pipe')
  })

  it('gzip-compressed file that is not a database inside, or is cut short', () => {
    const text = join(dir, 'notes.mmdb.gz')
    writeFileSync(text, gzipSync(Buffer.from('hello\n')))
    expect(openError(text)).toBe(`${text}: not a MaxMind DB (MMDB) file: no metadata marker`)
    const cut = join(dir, 'cut.mmdb.gz')
    const packed = gzipSync(good)
    writeFileSync(cut, packed.subarray(0, packed.length - 100))
    expect(openError(cut)).toMatch(/cut\.mmdb\.gz: corrupt gzip-compressed file \(unexpected end of file\)$/)
  })

  it('not an MMDB at all', () => {
    const path = join(dir, 'text.mmdb')
    writeFileSync(path, 'hello\n')
    expect(openError(path)).toBe(`${path}: not a MaxMind DB (MMDB) file: no metadata marker`)
  })

  it('truncated file (search tree cut off)', () => {
    const path = join(dir, 'truncated.mmdb')
    const markerAt = good.lastIndexOf(Buffer.from([0xab, 0xcd, 0xef]))
    writeFileSync(path, Buffer.concat([good.subarray(0, 200), good.subarray(markerAt)]))
    expect(openError(path)).toMatch(/truncated\.mmdb: corrupt or truncated MMDB file/)
  })

  it('tree record pointing past the data section', () => {
    const path = join(dir, 'badpointer.mmdb')
    const bytes = Buffer.from(good)
    bytes.writeUIntBE(0xfffff0, 0, 3) // root's left record (24-bit) → far outside the file
    writeFileSync(path, bytes)
    expect(openError(path)).toMatch(/badpointer\.mmdb: corrupt MMDB search tree/)
  })

  it('a database with no location or ASN data (wrong type for the role)', () => {
    const writer = new MmdbWriter({ipVersion: 6, databaseType: 'GeoIP2-Anonymous-IP', buildEpoch: 0})
    writer.insert(parseCidr('192.0.2.0/24') as Cidr, {is_anonymous: true, is_anonymous_vpn: true})
    const path = join(dir, 'anon.mmdb')
    writeFileSync(path, writer.toBuffer())
    expect(openError(path)).toBe(`${path}: database type "GeoIP2-Anonymous-IP" holds no location or ASN data callaudit can use`)
  })
})
