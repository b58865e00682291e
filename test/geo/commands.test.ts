import {execFileSync} from 'node:child_process'
import {lstatSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {ensureBuilt, fixture, runCli, tempDir} from './helpers.js'

const FIXTURE_DBS = ['--no-default-geoip', '--no-system-geoip', '--geoip-db', fixture('GeoLite2-ASN-Test.mmdb'), '--geoip-db', fixture('GeoIP2-City-Test.mmdb')]

describe('commands through oclif (node bin/run.js)', () => {
  beforeAll(() => ensureBuilt())

  it('geo --json: every field with its source, databases and age warnings', () => {
    const r = runCli(['geo', '192.0.2.9', '2001:db8:1::1', '--json', ...FIXTURE_DBS])
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.addresses[0].fields.country).toEqual({value: 'DE', source: 'GeoIP2-City-Test', network: '192.0.2.0/24'})
    expect(out.addresses[0].fields.asn).toEqual({value: 64500, source: 'GeoLite2-ASN-Test', network: '192.0.2.0/24'})
    expect(out.addresses[1].fields.city.value).toBe('Stockholm')
    expect(out.databases.map((d: {id: string}) => d.id)).toEqual(['GeoLite2-ASN-Test', 'GeoIP2-City-Test'])
    // CALLAUDIT_NOW=2026-07-01: ASN fixture (2025-01-01) is stale, City (2026-01-01) is 181 days old
    expect(out.warnings.map((w: {database: string; days: number}) => [w.database, w.days])).toEqual([['GeoLite2-ASN-Test', 546], ['GeoIP2-City-Test', 181]])
    // deterministic
    expect(runCli(['geo', '192.0.2.9', '2001:db8:1::1', '--json', ...FIXTURE_DBS]).stdout).toBe(r.stdout)
  })

  it('geo table from stdin, database text neutralised', () => {
    const r = runCli(['geo', ...FIXTURE_DBS], {input: '# endpoints\n198.51.100.200\n\n10.0.0.1\n'})
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/198\.51\.100\.200 +│ special +│ documentation: Documentation TEST-NET-2 \(RFC 5737\)/)
    expect(r.stdout).toMatch(/│ country +│ FR +│ GeoIP2-City-Test +│ 198\.51\.100\.128\/25/)
    expect(r.stdout).toMatch(/represented country +│ US/)
    expect(r.stdout).toMatch(/10\.0\.0\.1 +│ special +│ private: Private-use \(RFC 1918\)/)
    expect(r.stdout).toContain('no database has a record for this address')
    expect(r.stdout).not.toContain('\u001b[') // NO_COLOR
  })

  it('geo: --geoip-db takes one value per occurrence, so an address after it stays an address', () => {
    const r = runCli(['geo', '--no-default-geoip', '--no-system-geoip', '--geoip-db', fixture('GeoIP2-City-Test.mmdb'), '192.0.2.9', '--json'])
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.addresses.map((a: {ip: string}) => a.ip)).toEqual(['192.0.2.9'])
    expect(out.databases.map((d: {id: string}) => d.id)).toEqual(['GeoIP2-City-Test'])
  })

  it('geo: a CSV column on stdin (its header first, as `cut -d, -f1` gives it)', () => {
    const r = runCli(['geo', '--json', ...FIXTURE_DBS], {input: 'ip\n192.0.2.9\n'})
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout).addresses.map((a: {ip: string}) => a.ip)).toEqual(['192.0.2.9'])
    // Only a first line of letters is a header; anywhere else a word is an error.
    const later = runCli(['geo', ...FIXTURE_DBS], {input: '192.0.2.9\nip\n'})
    expect(later.status).toBe(2)
  })

  it('geo: invalid address → one-line error, exit 2', () => {
    const r = runCli(['geo', '8.8.8.8', 'not-an-ip', ...FIXTURE_DBS])
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('callaudit: invalid IP address "not-an-ip"\n')
  })

  it('geo: unreadable database → exit 2 naming the file', () => {
    const bad = join(tempDir(), 'GeoLite2-City.mmdb')
    writeFileSync(bad, 'garbage')
    const r = runCli(['geo', '8.8.8.8', '--geoip-db', bad])
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(`callaudit: ${bad}: not a MaxMind DB (MMDB) file: no metadata marker\n`)
    const json = runCli(['geo', '8.8.8.8', '--json', '--geoip-db', bad])
    expect(json.status).toBe(2)
    expect(JSON.parse(json.stdout).error.message).toBe(`${bad}: not a MaxMind DB (MMDB) file: no metadata marker`)
  })

  it('geo with the embedded default', () => {
    const r = runCli(['geo', '193.122.35.237', '--json', '--no-system-geoip'])
    expect(r.status).toBe(0)
    const f = JSON.parse(r.stdout).addresses[0].fields
    expect([f.country.value, f.registeredCountry.value, f.asn.value, f.city.value]).toEqual(['DE', 'US', 31898, 'Frankfurt am Main'])
  })

  it('db info: order, type, age, provenance', () => {
    const r = runCli(['db', 'info', '--json', '--no-system-geoip', '--geoip-db', fixture('flat-city-ipv4.mmdb')])
    expect(r.status).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.analysisTime).toBe('2026-07-01T00:00:00.000Z')
    expect(out.databases.map((d: {id: string; schema: string}) => `${d.id}=${d.schema}`)).toEqual([
      'flat-city-ipv4=flat-city',
      'embedded:geolite2-city-ipv4=flat-city',
      'embedded:geolite2-city-ipv6=flat-city',
      'embedded:asn=callaudit-asn',
      'embedded:iptoasn-country=flat-country',
    ])
    expect(out.databases[3].provenance).toMatchObject({package: '@ip-location-db/asn', version: '2.3.2026061719'})
    const table = runCli(['db', 'info', '--no-system-geoip'])
    expect(table.stdout).toMatch(/embedded:asn/)
    expect(table.stdout).toMatch(/2026-06-17 +│ 13 d/)
  })

  it('db build: CSV → MMDB usable with --geoip-db; errors name file and line', () => {
    const dir = tempDir()
    const csv = join(dir, 'ranges.csv')
    writeFileSync(csv, 'network,country,label\n10.20.0.0/16,DE,HQ LAN\n')
    const out = join(dir, 'site.mmdb')
    const built = runCli(['db', 'build', '--csv', csv, '-o', out, '--json'], {env: {SOURCE_DATE_EPOCH: '1767225600'}})
    expect(built.status).toBe(0)
    expect(JSON.parse(built.stdout)).toMatchObject({networks: 1, rows: 1, ipVersion: 4, recordSize: 24, buildEpoch: '2026-01-01T00:00:00.000Z'})
    const first = readFileSync(out)
    runCli(['db', 'build', '--csv', csv, '-o', out], {env: {SOURCE_DATE_EPOCH: '1767225600'}})
    expect(readFileSync(out).equals(first)).toBe(true)
    const geo = runCli(['geo', '10.20.3.4', '--json', '--geoip-db', out, '--no-system-geoip'])
    expect(JSON.parse(geo.stdout).addresses[0].fields.label).toEqual({value: 'HQ LAN', source: 'site', network: '10.20.0.0/16'})
    writeFileSync(csv, 'network,country\n10.20.0.0/16,DEU\n')
    const bad = runCli(['db', 'build', '--csv', csv, '-o', out])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toBe(`callaudit: ${csv}: line 2: country "DEU" is not an ISO 3166-1 alpha-2 code such as DE\n`)
  })

  it('db build replaces the file a link names, keeps the link, and refuses a pipe or device as output', () => {
    const dir = tempDir()
    const csv = join(dir, 'ranges.csv')
    writeFileSync(csv, 'network,country,label\n10.20.0.0/16,DE,HQ LAN\n')
    const file = join(dir, 'site.mmdb')
    const link = join(dir, 'site-link.mmdb')
    writeFileSync(file, 'old')
    symlinkSync(file, link)
    expect(runCli(['db', 'build', '--csv', csv, '-o', link]).status).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(file).length).toBeGreaterThan(100)
    if (process.platform === 'win32') return
    const fifo = join(dir, 'out.fifo')
    execFileSync('mkfifo', [fifo])
    const refused = runCli(['db', 'build', '--csv', csv, '-o', fifo])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toBe(`callaudit: ${fifo}: is not a regular file: db build writes a database file there\n`)
    expect(lstatSync(fifo).isFIFO()).toBe(true)
  })
})
