import {describe, expect, it} from 'vitest'
import {GeoDatabase} from '../../src/geo/database.js'
import {openDatabases} from '../../src/geo/open-databases.js'
import {GeoResolver, MAX_CACHED_ANSWERS} from '../../src/geo/resolver.js'
import {fixture} from './helpers.js'

const open = (name: string) => GeoDatabase.open(fixture(name), {id: name.replace('.mmdb', ''), origin: 'geoip-db'})

describe('schema detection', () => {
  it('recognises each fixture layout from metadata and record shape', () => {
    expect(open('GeoIP2-City-Test.mmdb').info).toMatchObject({schema: 'maxmind-city', databaseType: 'GeoIP2-City', recordSize: 24, ipVersions: [4, 6], countryMeaning: 'location'})
    expect(open('GeoLite2-ASN-Test.mmdb').info).toMatchObject({schema: 'maxmind-asn', recordSize: 28, ipVersions: [4, 6]})
    expect(open('flat-city-ipv4.mmdb').info).toMatchObject({schema: 'flat-city', recordSize: 32, ipVersion: 4, ipVersions: [4]})
    expect(open('iptoasn-country-ipv6.mmdb').info).toMatchObject({schema: 'flat-country', ipVersions: [6], countryMeaning: 'registration'})
    expect(open('GeoIP2-City-Test.mmdb').info.buildEpoch).toBe('2026-01-01T00:00:00.000Z')
  })
})

describe('normalised records from the fixtures', () => {
  it('maps the nested City layout field by field', () => {
    const hit = open('GeoIP2-City-Test.mmdb').lookup({version: 4, bytes: Uint8Array.from([192, 0, 2, 77])})
    expect(hit).toEqual({
      network: '192.0.2.0/24',
      fields: {country: 'DE', registeredCountry: 'US', continent: 'EU', subdivision: 'Land Berlin', city: 'Berlin', latitude: 52.5244, longitude: 13.4105, accuracyRadius: 20, isAnycast: false},
    })
  })

  it('maps the flat layout, skipping empty strings', () => {
    const db = open('flat-city-ipv4.mmdb')
    expect(db.lookup({version: 4, bytes: Uint8Array.from([192, 0, 2, 5])})?.fields).toEqual({country: 'NL', subdivision: 'North Holland', city: 'Amsterdam', latitude: 52.374, longitude: 4.8897})
    expect(db.lookup({version: 4, bytes: Uint8Array.from([203, 0, 113, 5])})?.fields).toEqual({country: 'AU', latitude: -33.8688, longitude: 151.2093})
    expect(db.lookup({version: 4, bytes: Uint8Array.from([192, 0, 2, 200])})).toBeUndefined()
  })

  it('never asks an IPv4-only tree about IPv6 (mmdb-lib would answer for the first 32 bits)', () => {
    const db = open('flat-city-ipv4.mmdb')
    // c000:0205:: begins with the bits of 192.0.2.5, which has a record
    const v6 = new Uint8Array(16)
    v6.set([0xc0, 0x00, 0x02, 0x05])
    expect(db.lookup({version: 6, bytes: v6})).toBeUndefined()
  })
})

describe('layered resolver', () => {
  const resolver = () => new GeoResolver([open('GeoLite2-ASN-Test.mmdb'), open('flat-city-ipv4.mmdb'), open('GeoIP2-City-Test.mmdb'), open('iptoasn-country-ipv6.mmdb')])

  it('takes each field from the first database that has it, and names the source', () => {
    const answer = resolver().lookup('192.0.2.5')
    expect(answer.special?.kind).toBe('documentation')
    expect(answer.fields.asn).toEqual({value: 64500, source: 'GeoLite2-ASN-Test', network: '192.0.2.0/24'})
    expect(answer.fields.asOrg?.value).toBe('Example Berlin Hosting')
    // flat file is before City: its country wins for 192.0.2.0/25...
    expect(answer.fields.country).toEqual({value: 'NL', source: 'flat-city-ipv4', network: '192.0.2.0/25'})
    expect(answer.fields.city?.value).toBe('Amsterdam')
    // ...and City fills what the flat file lacks
    expect(answer.fields.registeredCountry).toEqual({value: 'US', source: 'GeoIP2-City-Test', network: '192.0.2.0/24'})
    expect(answer.fields.accuracyRadius?.source).toBe('GeoIP2-City-Test')
    // outside the flat /25, City answers the country
    expect(resolver().lookup('192.0.2.130').fields.country?.source).toBe('GeoIP2-City-Test')
  })

  it('reports represented country, anycast and 32-bit AS numbers', () => {
    const r = resolver()
    expect(r.lookup('198.51.100.200').fields.representedCountry).toEqual({value: 'US', source: 'GeoIP2-City-Test', network: '198.51.100.128/25'})
    expect(r.lookup('198.51.100.1').fields.representedCountry).toBeUndefined()
    expect(r.lookup('203.0.113.9').fields.isAnycast?.value).toBe(true)
    expect(r.lookup('203.0.113.9').fields.asn?.value).toBe(4_200_000_000)
    expect(r.lookup('203.0.113.200').fields.asn).toBeUndefined()
  })

  it('uses a registration-country flat file for registeredCountry only, IPv6 only', () => {
    const answer = resolver().lookup('2001:db8:1::10')
    expect(answer.fields.country).toEqual({value: 'SE', source: 'GeoIP2-City-Test', network: '2001:db8:1::/48'})
    expect(answer.fields.registeredCountry?.value).toBe('SE') // City answers first
    const other = resolver().lookup('2001:db8:2::1')
    expect(other.fields.registeredCountry).toEqual({value: 'US', source: 'iptoasn-country-ipv6', network: '2001:db8::/32'})
    expect(other.fields.country).toBeUndefined()
  })

  it('reports an address without records as unknown, with no fields', () => {
    const answer = resolver().lookup('198.18.0.1')
    expect(answer).toEqual({ip: '198.18.0.1', version: 4, special: {kind: 'benchmarking', network: '198.18.0.0/15', name: 'Benchmarking (RFC 2544)'}, lookupIp: '198.18.0.1', known: false, fields: {}})
  })

  it('looks each unique address up once', () => {
    const r = resolver()
    for (const ip of ['192.0.2.1', '192.0.2.1', '2001:db8:1::1', '2001:DB8:1:0::1', '192.0.2.1']) r.lookup(ip)
    expect(r.resolvedCount).toBe(2)
    expect(r.lookup('192.0.2.1')).toBe(r.lookup(' 192.0.2.1 '))
  })

  it('keeps a bounded number of answers: past the bound an address is resolved again, to the same answer', () => {
    const r = resolver()
    const first = r.lookup('81.2.69.160')
    // A scan's worth of distinct addresses (10.0.0.0/8 and beyond, in order).
    for (let i = 0; i < MAX_CACHED_ANSWERS; i++) r.lookup(`${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.1`)
    expect(r.resolvedCount).toBe(MAX_CACHED_ANSWERS + 1)
    const again = r.lookup('81.2.69.160')
    expect(r.resolvedCount).toBe(MAX_CACHED_ANSWERS + 2)
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })

  it('rejects invalid addresses with an InputError naming the value', () => {
    expect(() => resolver().lookup('192.0.2.256')).toThrow('invalid IP address "192.0.2.256"')
  })
})

describe('database order', () => {
  it('user databases answer special addresses; the embedded default is not asked', () => {
    const {databases} = openDatabases({dbPaths: [fixture('GeoIP2-City-Test.mmdb')], env: {}, systemDirs: false})
    const resolver = new GeoResolver(databases)
    expect(resolver.lookup('192.0.2.1').fields.country?.source).toBe('GeoIP2-City-Test')
    const lan = resolver.lookup('10.1.2.3')
    expect(lan.special?.kind).toBe('private')
    expect(lan.known).toBe(false)
  })
})
