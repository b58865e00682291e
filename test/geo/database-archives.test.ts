import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {GeoDatabase} from '../../src/geo/database.js'
import {parseIp} from '../../src/geo/ip.js'
import {assignIds} from '../../src/geo/discovery.js'
import {runCli} from '../helpers/run-cli.js'
import {fixture, openError, tempDir} from './helpers.js'

/** GNU tar, as MaxMind builds its tarballs with; the archive tests need it. */
const HAVE_TAR = spawnSync('tar', ['--version']).status === 0
const CITY = fixture('GeoIP2-City-Test.mmdb')

function opened(path: string, member?: string) {
  const db = GeoDatabase.open(path, {id: 'x', origin: 'geoip-db'})
  expect(db.info.member).toBe(member)
  const hit = db.lookup(parseIp('192.0.2.1')!)
  return {schema: db.info.schema, databaseType: db.info.databaseType, fileSize: db.info.fileSize, country: hit?.fields.country, network: hit?.network}
}


describe('databases as vendors ship them', () => {
  const dir = tempDir()
  const plain = opened(CITY)

  it('the plain file answers (what every form below must answer alike)', () => {
    expect(plain).toMatchObject({country: 'DE', network: '192.0.2.0/24'})
    expect(plain.fileSize).toBe(readFileSync(CITY).length)
  })

  it('a gzip-compressed .mmdb (DB-IP ships dbip-city-lite-YYYY-MM.mmdb.gz)', async () => {
    const path = join(dir, 'GeoIP2-City-Test.mmdb.gz')
    writeFileSync(path, gzipSync(readFileSync(CITY)))
    expect(opened(path)).toEqual(plain)
    expect((await GeoDatabase.openAsync(path, {id: 'x', origin: 'geoip-db'})).info.schema).toBe(plain.schema)
  })

  it.skipIf(!HAVE_TAR)('a MaxMind tarball: a dated directory with the licence files and one .mmdb, gzip-compressed or not', () => {
    const top = join(dir, 'maxmind')
    mkdirSync(join(top, 'GeoLite2-City_20261124'), {recursive: true})
    for (const name of ['COPYRIGHT.txt', 'LICENSE.txt', 'README.txt']) writeFileSync(join(top, 'GeoLite2-City_20261124', name), `${name}\n`)
    copyFileSync(CITY, join(top, 'GeoLite2-City_20261124', 'GeoLite2-City.mmdb'))
    execFileSync('tar', ['-czf', join(dir, 'GeoLite2-City_20261124.tar.gz'), '-C', top, 'GeoLite2-City_20261124'])
    execFileSync('tar', ['-cf', join(dir, 'GeoLite2-City_20261124.tar'), '-C', top, 'GeoLite2-City_20261124'])
    expect(opened(join(dir, 'GeoLite2-City_20261124.tar.gz'), 'GeoLite2-City_20261124/GeoLite2-City.mmdb')).toEqual(plain)
    expect(opened(join(dir, 'GeoLite2-City_20261124.tar'), 'GeoLite2-City_20261124/GeoLite2-City.mmdb')).toEqual(plain)
  })

  it.skipIf(!HAVE_TAR)('member names longer than a tar header\'s name field: ustar prefixes, GNU long names and pax headers', () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(40)}`
    const top = join(dir, 'long')
    mkdirSync(join(top, long), {recursive: true})
    copyFileSync(CITY, join(top, long, 'GeoLite2-City.mmdb'))
    for (const format of ['ustar', 'gnu', 'pax']) {
      const path = join(dir, `long-${format}.tar`)
      execFileSync('tar', [`--format=${format}`, '-cf', path, '-C', top, long.split('/')[0]!])
      expect(opened(path, `${long}/GeoLite2-City.mmdb`)).toEqual(plain)
    }
  })

  it.skipIf(!HAVE_TAR)('an archive with no .mmdb, or with several, is refused with what it holds', () => {
    const none = join(dir, 'none')
    mkdirSync(none)
    writeFileSync(join(none, 'README.txt'), 'no database here\n')
    execFileSync('tar', ['-czf', join(dir, 'none.tar.gz'), '-C', none, 'README.txt'])
    expect(openError(join(dir, 'none.tar.gz'))).toBe(`${join(dir, 'none.tar.gz')}: tar archive holds no .mmdb database (it holds README.txt)`)
    const two = join(dir, 'two')
    mkdirSync(two)
    copyFileSync(CITY, join(two, 'a.mmdb'))
    copyFileSync(CITY, join(two, 'b.mmdb'))
    execFileSync('tar', ['-czf', join(dir, 'two.tar.gz'), '-C', two, 'a.mmdb', 'b.mmdb'])
    expect(openError(join(dir, 'two.tar.gz'))).toBe(`${join(dir, 'two.tar.gz')}: tar archive holds 2 .mmdb databases (a.mmdb, b.mmdb): extract the one to use and give it with --geoip-db`)
  })

  it.skipIf(!HAVE_TAR)('names at most eight members in its error, and counts the rest', () => {
    const many = join(dir, 'many')
    mkdirSync(many)
    const files = Array.from({length: 12}, (_, i) => `f${String(i).padStart(2, '0')}.mmdb`)
    for (const f of files) copyFileSync(CITY, join(many, f))
    execFileSync('tar', ['-cf', join(dir, 'many.tar'), '-C', many, ...files])
    expect(openError(join(dir, 'many.tar'))).toBe(`${join(dir, 'many.tar')}: tar archive holds 12 .mmdb databases (${files.slice(0, 8).join(', ')}, …): extract the one to use and give it with --geoip-db`)
    const texts = Array.from({length: 12}, (_, i) => `t${String(i).padStart(2, '0')}.txt`)
    for (const f of texts) writeFileSync(join(many, f), 'x')
    execFileSync('tar', ['-cf', join(dir, 'texts.tar'), '-C', many, ...texts])
    expect(openError(join(dir, 'texts.tar'))).toBe(`${join(dir, 'texts.tar')}: tar archive holds no .mmdb database (it holds ${texts.slice(0, 8).join(', ')}, … (12 files))`)
  })

  it.skipIf(!HAVE_TAR)('an archive cut short inside the database is refused, not read in part', () => {
    const src = join(dir, 'cut')
    mkdirSync(src)
    copyFileSync(CITY, join(src, 'GeoLite2-City.mmdb'))
    const whole = join(dir, 'whole.tar')
    execFileSync('tar', ['-cf', whole, '-C', src, 'GeoLite2-City.mmdb'])
    const cut = join(dir, 'cut.tar')
    writeFileSync(cut, readFileSync(whole).subarray(0, 512 + 300))
    expect(openError(cut)).toBe(`${cut}: tar archive cut short: its member at byte 0 needs ${readFileSync(CITY).length} bytes, 300 remain`)
  })

  it.skipIf(!HAVE_TAR)('through the CLI: the tarball as downloaded is a database, named without its suffixes', async () => {
    const r = await runCli(['geo', '192.0.2.1', '--json', '--no-default-geoip', '--no-system-geoip', '--geoip-db', join(dir, 'GeoLite2-City_20261124.tar.gz'), '--geoip-db', join(dir, 'GeoIP2-City-Test.mmdb.gz')])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.databases.map((d: {id: string}) => d.id)).toEqual(['GeoLite2-City_20261124', 'GeoIP2-City-Test'])
    expect(out.addresses[0].fields.country).toEqual({value: 'DE', source: 'GeoLite2-City_20261124', network: '192.0.2.0/24'})
    // db info says which file of the archive it read.
    const info = await runCli(['db', 'info', '--no-default-geoip', '--no-system-geoip', '--geoip-db', join(dir, 'GeoLite2-City_20261124.tar.gz')])
    expect(info.code).toBe(0)
    expect(info.stdout).toContain('member GeoLite2-City_20261124/GeoLite2-City.mmdb')
  })

  it.skipIf(process.platform === 'win32')('a named pipe (`--geoip-db <(…)`): read to its end, once', async () => {
    const fifo = join(dir, 'city.fifo')
    execFileSync('mkfifo', [fifo])
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', CITY, fifo], {stdio: 'ignore'})
    const r = await runCli(['geo', '192.0.2.1', '--json', '--no-default-geoip', '--no-system-geoip', '--geoip-db', fifo])
    writer.kill()
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^callaudit: warning: city\.fifo: built 2026-01-01, \d+ days old/)
    expect(JSON.parse(r.stdout).addresses[0].fields.country).toEqual({value: 'DE', source: 'city.fifo', network: '192.0.2.0/24'})
  })

  it('names a database by its file, without the suffixes vendors ship it with; a shell\'s <(…) as a pipe', () => {
    expect(assignIds(['/x/GeoLite2-City_20261124.tar.gz', '/x/dbip-city-lite-2026-11.mmdb.gz', '/x/GeoLite2-ASN.mmdb', '/dev/fd/63', '/proc/self/fd/12', '/x/site.tgz'], new Set())).toEqual(
      ['GeoLite2-City_20261124', 'dbip-city-lite-2026-11', 'GeoLite2-ASN', 'pipe-63', 'pipe-12', 'site'],
    )
  })
})
