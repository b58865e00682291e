import {describe, expect, it} from 'vitest'
import {parseIp, type ParsedIp} from '../../src/geo/ip.js'
import {specialRange, transitionOf} from '../../src/geo/reserved.js'

const ip = (text: string) => parseIp(text) as ParsedIp

describe('special-purpose addresses', () => {
  const cases: Array<[string, string | undefined]> = [
    ['10.255.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared-cgnat'],
    ['100.127.255.255', 'shared-cgnat'],
    ['100.128.0.1', undefined],
    ['127.0.0.1', 'loopback'],
    ['169.254.10.10', 'link-local'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['250.0.0.1', 'reserved'],
    ['0.1.2.3', 'this-network'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['198.19.255.1', 'benchmarking'],
    ['8.8.8.8', undefined],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd12:3456::1', 'ula'],
    ['fc00::1', 'ula'],
    ['fe80::1', 'link-local'],
    ['ff02::fb', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['100::1', 'discard'],
    ['64:ff9b:1::1', 'nat64-local'],
    ['2001:4860::8888', undefined],
  ]
  for (const [address, kind] of cases) {
    it(`${address} → ${kind ?? 'public'}`, () => expect(specialRange(ip(address))?.kind).toBe(kind))
  }
})

describe('transition addresses carry an IPv4 address', () => {
  const v4 = (text: string) => {
    const t = transitionOf(ip(text))
    return t && `${t.kind} ${Array.from(t.ipv4.bytes).join('.')}`
  }
  it('decodes each mechanism', () => {
    expect(v4('::ffff:193.122.35.237')).toBe('ipv4-mapped 193.122.35.237')
    expect(v4('64:ff9b::c17a:23ed')).toBe('nat64 193.122.35.237')
    expect(v4('2002:c17a:23ed::1')).toBe('6to4 193.122.35.237')
    // RFC 4380 example: client 192.0.2.45 obfuscated as 3fff:fdd2
    expect(v4('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toBe('teredo 192.0.2.45')
    expect(v4('2001:db8::1')).toBeUndefined()
    expect(v4('2001:4860::1')).toBeUndefined()
    expect(transitionOf(ip('192.0.2.1'))).toBeUndefined()
  })
})
