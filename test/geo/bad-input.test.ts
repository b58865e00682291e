import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/errors.js'
import {GeoDatabase} from '../../src/geo/database.js'
import {parseCidr, type Cidr} from '../../src/geo/ip.js'
import {MmdbWriter} from '../../src/geo/mmdb/writer.js'
import {fixture, tempDir} from './helpers.js'

function openError(path: string): string {
  try {
    GeoDatabase.open(path, {id: 'x', origin: 'geoip-db'})
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).oneLine()
  }
  throw new Error('expected an error')
}

describe('unusable database files', () => {
  const dir = tempDir()
  const good = readFileSync(fixture('GeoIP2-City-Test.mmdb'))

  it('missing file', () => {
    expect(openError(join(dir, 'nope.mmdb'))).toBe(`${join(dir, 'nope.mmdb')}: database file not found`)
  })

  it('a directory', () => {
    expect(openError(dir)).toBe(`${dir}: not a regular file`)
  })

  it('gzip-compressed database', () => {
    const path = join(dir, 'GeoLite2-City.mmdb.gz')
    writeFileSync(path, gzipSync(good))
    expect(openError(path)).toMatch(/GeoLite2-City\.mmdb\.gz: gzip-compressed file, not an MMDB database/)
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
