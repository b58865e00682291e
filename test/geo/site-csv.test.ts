import {Reader} from 'maxmind'
import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/errors.js'
import {GeoDatabase} from '../../src/geo/database.js'
import {compileSiteCsv} from '../../src/geo/site-csv.js'
import {GeoResolver} from '../../src/geo/resolver.js'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {tempDir} from './helpers.js'

const CSV = [
  '# our ranges',
  'network,country,label,asn,org',
  '10.20.0.0/16,DE,HQ LAN,,',
  '10.20.5.0/24,FR,"Paris office, VPN",AS64512,Example SE',
  '2001:db8:100::/48,se,Stockholm DC,64513,',
  '',
].join('\r\n')

function compileError(text: string): string {
  try {
    compileSiteCsv(text, 'ranges.csv', {buildEpoch: 0})
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).oneLine()
  }
  throw new Error('expected an error')
}

describe('db build CSV compiler', () => {
  it('compiles networks with country, label and ASN; more specific wins', () => {
    const result = compileSiteCsv(CSV, 'ranges.csv', {buildEpoch: 1_767_225_600})
    expect(result).toMatchObject({rows: 3, networks: 3, ipVersion: 6})
    const reader = new Reader<Record<string, unknown>>(result.buffer)
    expect(reader.metadata.databaseType).toBe('callaudit-Site')
    expect(reader.get('10.20.1.1')).toEqual({country: {iso_code: 'DE'}, label: 'HQ LAN'})
    expect(reader.get('10.20.5.9')).toEqual({country: {iso_code: 'FR'}, label: 'Paris office, VPN', autonomous_system_number: 64512, autonomous_system_organization: 'Example SE'})
    expect(reader.get('2001:db8:100::1')).toEqual({country: {iso_code: 'SE'}, label: 'Stockholm DC', autonomous_system_number: 64513})
    expect(reader.get('10.21.0.1')).toBeNull()
  })

  it('accepts start,end ranges and builds an IPv4 tree when all rows are IPv4', () => {
    const result = compileSiteCsv('start,end,country,label\n192.0.2.10,192.0.2.20,NL,egress\n', 'r.csv', {buildEpoch: 0})
    expect(result.ipVersion).toBe(4)
    expect(result.networks).toBe(4) // .10/31 .12/30 .16/30 .20/32
    const reader = new Reader<Record<string, unknown>>(result.buffer)
    expect(reader.get('192.0.2.20')).toEqual({country: {iso_code: 'NL'}, label: 'egress'})
    expect(reader.get('192.0.2.9')).toBeNull()
    expect(reader.get('192.0.2.21')).toBeNull()
  })

  it('layers above other databases through the resolver (private ranges included)', () => {
    const path = join(tempDir(), 'site.mmdb')
    writeFileSync(path, compileSiteCsv(CSV, 'ranges.csv', {buildEpoch: 0}).buffer)
    const db = GeoDatabase.open(path, {id: 'site', origin: 'geoip-db'})
    expect(db.info.schema).toBe('callaudit-site')
    const answer = new GeoResolver([db]).lookup('10.20.5.1')
    expect(answer.special?.kind).toBe('private')
    expect(answer.fields.label).toEqual({value: 'Paris office, VPN', source: 'site', network: '10.20.5.0/24'})
  })

  it('is deterministic', () => {
    expect(compileSiteCsv(CSV, 'a.csv', {buildEpoch: 5}).buffer.equals(compileSiteCsv(CSV, 'a.csv', {buildEpoch: 5}).buffer)).toBe(true)
  })

  it('reports bad input with file and line', () => {
    expect(compileError('')).toBe('ranges.csv: empty CSV: expected a header row such as "network,country,label"')
    expect(compileError('10.0.0.0/8,DE\n')).toMatch(/^ranges\.csv: line 1: unknown column "10\.0\.0\.0\/8" .*is the header row missing\?$/)
    expect(compileError('network,start,end,country\n')).toBe('ranges.csv: line 1: header needs either a "network" column or "start" and "end" columns')
    expect(compileError('network,country\n10.0.0.0/8,DE\n10.0.0.1/8,DE\n')).toBe('ranges.csv: line 3: host bits set in "10.0.0.1/8" (network is 10.0.0.0/8)')
    expect(compileError('network,country\n10.0.0.0/8,Germany\n')).toBe('ranges.csv: line 2: country "Germany" is not an ISO 3166-1 alpha-2 code such as DE')
    expect(compileError('network,asn\n10.0.0.0/8,ASX\n')).toBe('ranges.csv: line 2: asn "ASX" is not an AS number (e.g. 64500 or AS64500)')
    expect(compileError('network,country\n10.0.0.0/8,DE\n# c\n10.0.0.0/8,FR\n')).toBe('ranges.csv: line 4: network 10.0.0.0/8 already defined on line 2')
    expect(compileError('start,end,country\n10.0.0.9,10.0.0.1,DE\n')).toBe('ranges.csv: line 2: start 10.0.0.9 is after end 10.0.0.1')
    expect(compileError('start,end,country\n10.0.0.1,::1,DE\n')).toBe('ranges.csv: line 2: start 10.0.0.1 and end ::1 are different IP versions')
    expect(compileError('network,country\n10.0.0.0/8,DE,extra\n')).toBe('ranges.csv: line 2: expected 2 fields like the header, found 3')
    expect(compileError('network,country,label\n10.0.0.0/8,DE,"open\n')).toBe('ranges.csv: line 2: unterminated quoted field')
    expect(compileError('network,country,label\n10.0.0.0/8,,\n')).toBe('ranges.csv: line 2: row has no country, label or asn')
    expect(compileError('network,country\n')).toBe('ranges.csv: no ranges in CSV (only a header)')
  })
})
