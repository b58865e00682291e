import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Reader} from 'maxmind'
import {beforeAll, describe, expect, it} from 'vitest'
import {GeoDatabase} from '../../src/geo/database.js'
import {formatIp} from '../../src/geo/ip.js'
import {openDatabases} from '../../src/geo/open-databases.js'
import {SearchTree} from '../../src/geo/tree-probe.js'
import {ensureBuilt} from './helpers.js'

/** Deterministic addresses: every IPv4 /8 and IPv6 /16 prefix family, in a fixed order. */
function addresses(count: number): Uint8Array[] {
  let seed = 0x9e3779b9
  const next = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) & 0xff)
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const v6 = i % 3 === 0
    const bytes = new Uint8Array(v6 ? 16 : 4).map(next)
    // IPv6: mostly 2000::/3 (where the databases have data), some ::ffff:0:0/96 and others.
    if (v6 && i % 4 !== 0) bytes[0] = 0x20 | (bytes[0]! & 0x0f)
    out.push(bytes)
  }
  return out
}

const mmdbFiles = (): string[] => {
  const dir = join(import.meta.dirname, '../../fixtures/geo')
  return ['GeoIP2-City-Test.mmdb', 'GeoLite2-ASN-Test.mmdb', 'flat-city-ipv4.mmdb', 'iptoasn-country-ipv6.mmdb'].map((f) => join(dir, f))
}

describe('SearchTree', () => {
  beforeAll(() => ensureBuilt())

  it('ends where the Reader ends, for the fixtures and the embedded databases', () => {
    const paths = [...mmdbFiles(), ...openDatabases({env: {}, systemDirs: false}).databases.map((d) => d.info.path)]
    for (const path of paths) {
      const bytes = readFileSync(path)
      const reader = new Reader<Record<string, unknown>>(bytes)
      const m = reader.metadata
      const tree = new SearchTree(bytes, m.nodeCount, m.recordSize, m.ipVersion as 4 | 6)
      // The same data record for every address that leads to the same pointer.
      const byPointer = new Map<number, unknown>()
      for (const address of addresses(3000)) {
        if (m.ipVersion === 4 && address.length === 16) continue
        const [data, prefix] = reader.getWithPrefixLength(formatIp(address))
        const record = tree.walk(address)
        expect(tree.depth, `${path} ${formatIp(address)}`).toBe(prefix)
        expect(record > m.nodeCount, `${path} ${formatIp(address)}`).toBe(data !== null)
        if (record <= m.nodeCount) continue
        if (byPointer.has(record)) expect(data).toEqual(byPointer.get(record))
        else byPointer.set(record, data)
      }
    }
  })

  it('a database answers an address the same whatever it was asked before', () => {
    // GeoDatabase remembers records by pointer: a fresh database per address must agree with
    // one that has answered thousands of others first.
    const path = openDatabases({env: {}, systemDirs: false}).databases[0]!.info.path
    const shared = GeoDatabase.open(path, {id: 'x', origin: 'geoip-db'})
    const list = addresses(2000).filter((a) => a.length === 4)
    const first = list.map((bytes) => shared.lookup({version: 4, bytes}))
    const again = [...list].reverse().map((bytes) => shared.lookup({version: 4, bytes}))
    again.reverse()
    expect(again).toEqual(first)
    for (let i = 0; i < list.length; i += 97) {
      const fresh = GeoDatabase.open(path, {id: 'x', origin: 'geoip-db'})
      expect(fresh.lookup({version: 4, bytes: list[i]!})).toEqual(first[i])
    }
    expect(first.filter((hit) => hit !== undefined).length).toBeGreaterThan(100)
  })

  it("names each hit's network as the address masked to the Reader's prefix length, in any order of asking", () => {
    // Network texts are remembered by network and prefix length across databases and calls.
    const masked = (bytes: Uint8Array, prefix: number): string => {
      const out = new Uint8Array(bytes)
      for (let bit = prefix; bit < out.length * 8; bit++) out[bit >> 3] = out[bit >> 3]! & ~(0x80 >> (bit & 7))
      return `${formatIp(out)}/${prefix}`
    }
    const paths = [...mmdbFiles(), ...openDatabases({env: {}, systemDirs: false}).databases.map((d) => d.info.path)]
    let checked = 0
    for (const order of [1, -1]) {
      for (const path of order === 1 ? paths : [...paths].reverse()) {
        const db = GeoDatabase.open(path, {id: 'x', origin: 'geoip-db'})
        const reader = new Reader<Record<string, unknown>>(readFileSync(path))
        const list = addresses(1500)
        for (const bytes of order === 1 ? list : list.reverse()) {
          const hit = db.lookup({version: bytes.length === 4 ? 4 : 6, bytes})
          if (!hit) continue
          const [, prefix] = reader.getWithPrefixLength(formatIp(bytes))
          expect(hit.network, `${path} ${formatIp(bytes)}`).toBe(masked(bytes, prefix))
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })
})
