import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {FIXTURES, ROOT, tempDir} from './helpers.js'

describe('fixtures/make-geo-fixtures.ts', () => {
  it('regenerates byte-identical, commit-sized databases', () => {
    const out = tempDir()
    const run = spawnSync('node', ['--import', 'tsx', 'fixtures/make-geo-fixtures.ts', out], {cwd: ROOT, encoding: 'utf8'})
    expect(run.status, run.stderr).toBe(0)
    const names = readdirSync(out).sort()
    expect(names).toEqual(['GeoIP2-City-Test.mmdb', 'GeoLite2-ASN-Test.mmdb', 'flat-city-ipv4.mmdb', 'iptoasn-country-ipv6.mmdb'])
    for (const name of names) {
      const fresh = readFileSync(join(out, name))
      expect(fresh.length).toBeLessThan(16 * 1024)
      expect(fresh.equals(readFileSync(join(FIXTURES, name))), name).toBe(true)
    }
  })
})
