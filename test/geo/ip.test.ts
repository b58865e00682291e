import {isIPv4, isIPv6} from 'node:net'
import {describe, expect, it} from 'vitest'
import {canonicalIp, formatCidr, ipv4Value, parseCidr, parseIp, rangeToCidrs, rangeToCidrsV4} from '../../src/geo/ip.js'

describe('ip parsing', () => {
  it('canonicalises IPv4 and IPv6 (RFC 5952)', () => {
    expect(canonicalIp('192.0.2.1')).toBe('192.0.2.1')
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1')
    expect(canonicalIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1')
    expect(canonicalIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1')
    expect(canonicalIp('::')).toBe('::')
    expect(canonicalIp('::ffff:c000:0201')).toBe('::ffff:192.0.2.1')
    expect(canonicalIp('64:ff9b::192.0.2.1')).toBe('64:ff9b::c000:201')
  })

  it('rejects what is not an address', () => {
    for (const bad of ['1.2.3', '256.1.1.1', '01.2.3.4x', 'fe80::1%eth0', 'example.com', '', '1.2.3.4/24', ':::1']) {
      expect(parseIp(bad), bad).toBeUndefined()
    }
  })

  it('parses CIDRs and refuses host bits', () => {
    expect(formatCidr(parseCidr('10.0.0.0/8') as never)).toBe('10.0.0.0/8')
    expect(parseCidr('10.0.0.1/8')).toBe('host bits set in "10.0.0.1/8" (network is 10.0.0.0/8)')
    expect(parseCidr('10.0.0.0/33')).toMatch(/invalid prefix length/)
    expect(formatCidr(parseCidr('2001:db8::/32') as never)).toBe('2001:db8::/32')
  })

  it('splits ranges into minimal CIDR lists', () => {
    const v4 = rangeToCidrsV4(0xc0000200, 0xc000020a) // 192.0.2.0 - 192.0.2.10
    expect(v4.map((c) => c.prefixLength)).toEqual([29, 31, 32])
    expect(rangeToCidrsV4(0, 0xffffffff)).toEqual([{start: 0, prefixLength: 0}])
    const big = rangeToCidrs(0xc0000200n, 0xc000020an, 32)
    expect(big.map((c) => [Number(c.start), c.prefixLength])).toEqual(v4.map((c) => [c.start, c.prefixLength]))
    expect(rangeToCidrs(0n, (1n << 128n) - 1n, 128)).toEqual([{start: 0n, prefixLength: 0}])
    expect(rangeToCidrs(1n, 2n, 128).map((c) => c.prefixLength)).toEqual([128, 128])
  })

  it('accepts exactly the dotted quads node:net accepts, with the right bytes', () => {
    // A deterministic spread of near-misses: leading zeros, 256+, empty and extra parts, signs.
    let seed = 7
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const pieces = ['0', '00', '01', '9', '10', '99', '100', '199', '249', '255', '256', '300', '999', '1000', '', '-1', '+1', ' 1', 'a']
    const samples = ['1.2.3.4', '0.0.0.0', '255.255.255.255', '::ffff:1.2.3.4', '1.2.3.4/8']
    for (let i = 0; i < 5000; i++) samples.push(Array.from({length: 3 + next(3)}, () => pieces[next(pieces.length)]).join('.'))
    let accepted = 0
    for (const text of samples) {
      const parsed = parseIp(text)
      expect(parsed?.version === 4, text).toBe(isIPv4(text))
      if (parsed?.version === 4) {
        accepted++
        expect([...parsed.bytes].join('.')).toBe(text)
      }
    }
    expect(accepted).toBeGreaterThan(20)
  })

  it('accepts exactly the IPv6 texts node:net accepts (hand-checked plain forms included), with the right bytes', () => {
    // Near-misses of plain hex-group text, which parseIp checks by hand before isIPv6: group
    // counts around eight, one or two "::", groups of 0-5 digits, stray and trailing colons.
    let seed = 11
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const groups = ['0', '1', 'f', 'F', 'ab', 'dB8', 'fff', 'ffff', 'FFFF', '0000', '10000', 'abcde', 'g', '', '1.2.3.4']
    const samples = ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', ':1::2', '1::2:', '1:::2', 'fe80::1%eth0', '::ffff:1.2.3.4']
    for (let i = 0; i < 20_000; i++) {
      let text = Array.from({length: 1 + next(10)}, () => groups[next(groups.length)]).join(':')
      if (next(2)) {
        const at = next(text.length + 1)
        text = `${text.slice(0, at)}::${text.slice(at)}`
      }
      samples.push(text)
    }
    let accepted = 0
    for (const text of samples) {
      const parsed = parseIp(text)
      expect(parsed?.version === 6, text).toBe(isIPv6(text) && !text.includes('%'))
      if (parsed?.version === 6) {
        accepted++
        expect(canonicalIp(text), text).toBe(canonicalIp(text.toLowerCase()))
      }
    }
    expect(accepted).toBeGreaterThan(300)
  })
})

describe('ipv4Value', () => {
  it('accepts exactly the dotted quads node accepts, with their value', () => {
    const samples = ['0.0.0.0', '255.255.255.255', '10.0.0.1', '192.168.1.23', '01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '::ffff:1.2.3.4', '', '1.2.3.04', '100.64.0.0', '1.2.3.4a', '1111.2.3.4']
    let seed = 7
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n
    const alphabet = '0123456789.:a '
    for (let i = 0; i < 20000; i++) {
      const len = 1 + rand(17)
      let s = ''
      for (let j = 0; j < len; j++) s += alphabet[rand(i % 2 ? 11 : alphabet.length)]
      samples.push(s)
      // Near-quads: 3 to 5 parts of 0-299, some with a leading zero.
      const parts = Array.from({length: 3 + (rand(5) === 0 ? rand(3) : 1)}, () => `${rand(9) === 0 ? '0' : ''}${rand(300)}`)
      samples.push(parts.join('.'))
    }
    let accepted = 0
    for (const text of samples) {
      // Independent of parseIp (which reads quads with ipv4Value): node's isIPv4 and the parts.
      const expected = isIPv4(text) ? text.split('.').reduce((v, part) => v * 256 + Number(part), 0) : -1
      expect(ipv4Value(text), JSON.stringify(text)).toBe(expected)
      if (expected >= 0) accepted++
    }
    expect(accepted).toBeGreaterThan(50)
  })
})
