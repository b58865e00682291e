import {copyFileSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {discoverDatabaseFiles, nameRank} from '../../src/geo/discovery.js'
import {openDatabases, openDatabasesAsync} from '../../src/geo/open-databases.js'
import {fixture, tempDir} from './helpers.js'

describe('database discovery', () => {
  it('ranks standard file names most specific first', () => {
    const names = ['GeoLite2-Country.mmdb', 'GeoLite2-ASN.mmdb', 'zz-custom.mmdb', 'GeoIP2-ISP.mmdb', 'GeoIP2-City.mmdb', 'GeoIP2-Enterprise.mmdb', 'dbip-city-lite-2026-01.mmdb']
    const sorted = [...names].sort((a, b) => nameRank(a) - nameRank(b) || a.localeCompare(b))
    expect(sorted).toEqual(['GeoIP2-Enterprise.mmdb', 'dbip-city-lite-2026-01.mmdb', 'GeoIP2-City.mmdb', 'GeoIP2-ISP.mmdb', 'GeoLite2-ASN.mmdb', 'GeoLite2-Country.mmdb', 'zz-custom.mmdb'])
  })

  it('orders --geoip-db, --geoip-dir, $CALLAUDIT_GEOIP_DIR, system dirs; skips non-geo MaxMind names; dedupes', () => {
    const root = tempDir()
    const dir = join(root, 'dir')
    const envDir = join(root, 'env')
    const system = join(root, 'system')
    for (const d of [dir, envDir, system]) mkdirSync(d)
    copyFileSync(fixture('GeoLite2-ASN-Test.mmdb'), join(dir, 'GeoLite2-ASN.mmdb'))
    copyFileSync(fixture('GeoIP2-City-Test.mmdb'), join(dir, 'GeoIP2-City.mmdb'))
    writeFileSync(join(dir, 'GeoIP2-Anonymous-IP.mmdb'), 'x')
    writeFileSync(join(dir, 'notes.txt'), 'x')
    copyFileSync(fixture('flat-city-ipv4.mmdb'), join(envDir, 'flat.mmdb'))
    copyFileSync(fixture('iptoasn-country-ipv6.mmdb'), join(system, 'iptoasn-country.mmdb'))
    const files = discoverDatabaseFiles({
      dbPaths: [join(dir, 'GeoLite2-ASN.mmdb')],
      dirs: [dir],
      env: {CALLAUDIT_GEOIP_DIR: envDir},
      systemDirs: [system, join(root, 'absent')],
    })
    expect(files.map((f) => [f.path.slice(root.length + 1), f.origin])).toEqual([
      ['dir/GeoLite2-ASN.mmdb', 'geoip-db'],
      ['dir/GeoIP2-City.mmdb', 'geoip-dir'],
      ['env/flat.mmdb', 'env-dir'],
      ['system/iptoasn-country.mmdb', 'system-dir'],
    ])
  })

  it('errors on a missing --geoip-dir or $CALLAUDIT_GEOIP_DIR, not on missing system dirs', () => {
    expect(() => discoverDatabaseFiles({dirs: ['/nonexistent/geoip'], systemDirs: false})).toThrow('GeoIP directory not found')
    expect(() => discoverDatabaseFiles({env: {CALLAUDIT_GEOIP_DIR: '/nonexistent/env'}, systemDirs: false})).toThrow('GeoIP directory not found')
    expect(discoverDatabaseFiles({systemDirs: ['/nonexistent/system']})).toEqual([])
  })

  it('skips a broken file found in a directory with a note, but fails on one named with --geoip-db', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'broken.mmdb'), 'not a database')
    copyFileSync(fixture('flat-city-ipv4.mmdb'), join(dir, 'flat.mmdb'))
    const opened = openDatabases({dirs: [dir], systemDirs: false, useEmbedded: false})
    expect(opened.databases.map((d) => d.info.id)).toEqual(['flat'])
    expect(opened.notes).toEqual([`skipped ${join(dir, 'broken.mmdb')}: not a MaxMind DB (MMDB) file: no metadata marker`])
    expect(() => openDatabases({dbPaths: [join(dir, 'broken.mmdb')], systemDirs: false, useEmbedded: false})).toThrow('no metadata marker')
  })

  it('opens the same databases, notes and errors whether the files are read at once (async) or one by one', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'broken.mmdb'), 'not a database')
    writeFileSync(join(dir, 'GeoIP2-City.mmdb'), Buffer.from([0x1f, 0x8b, 8, 0])) // gzip cut short
    copyFileSync(fixture('flat-city-ipv4.mmdb'), join(dir, 'flat.mmdb'))
    copyFileSync(fixture('GeoLite2-ASN-Test.mmdb'), join(dir, 'GeoLite2-ASN.mmdb'))
    const summary = (o: {databases: Array<{info: object}>; notes: string[]}) => ({databases: o.databases.map((d) => d.info), notes: o.notes})
    const options = {dbPaths: [fixture('GeoIP2-City-Test.mmdb')], dirs: [dir], systemDirs: false as const}
    const sync = summary(openDatabases(options))
    expect(sync.databases.length).toBeGreaterThan(4) // the named file, two found ones, the embedded default
    expect(sync.notes.length).toBe(2)
    expect(summary(await openDatabasesAsync(options))).toEqual(sync)
    // The first file that must work and does not is the error, in lookup order.
    const failing = {dbPaths: [fixture('GeoIP2-City-Test.mmdb'), join(dir, 'GeoIP2-City.mmdb'), join(dir, 'broken.mmdb')], systemDirs: false as const, useEmbedded: false}
    expect(() => openDatabases(failing)).toThrow('corrupt gzip-compressed file')
    await expect(openDatabasesAsync(failing)).rejects.toThrow('corrupt gzip-compressed file')
    await expect(openDatabasesAsync({dbPaths: [join(dir, 'missing.mmdb')], systemDirs: false, useEmbedded: false})).rejects.toThrow('database file not found')
  })

  it('gives unique ids to files with the same name', () => {
    const a = tempDir()
    const b = tempDir()
    copyFileSync(fixture('flat-city-ipv4.mmdb'), join(a, 'site.mmdb'))
    copyFileSync(fixture('GeoIP2-City-Test.mmdb'), join(b, 'site.mmdb'))
    const opened = openDatabases({dbPaths: [join(a, 'site.mmdb'), join(b, 'site.mmdb')], systemDirs: false, useEmbedded: false})
    expect(opened.databases.map((d) => d.info.id)).toEqual(['site', 'site#2'])
  })
})
