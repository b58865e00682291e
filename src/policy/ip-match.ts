/**
 * Exact IPv4/IPv6 address and CIDR matching for suppressions, on bigints (not a hot path: one
 * check per endpoint). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4 on both sides: the
 * address ::ffff:192.0.2.1 matches 192.0.2.0/24, and the prefix ::ffff:192.0.2.0/120 is
 * 192.0.2.0/24. Other IPv6 prefixes, even ::/0, never match an IPv4 address.
 */
import {isIPv4, isIPv6} from 'node:net'

export interface IpValue {
  version: 4 | 6
  value: bigint
}

export interface CidrValue {
  version: 4 | 6
  /** Network address (host bits zero). */
  base: bigint
  prefix: number
}

/** Parse an address literal without mapping (zone ids and shorthand IPv4 such as 10.1 are rejected). */
function parseRaw(text: string): IpValue | undefined {
  if (isIPv4(text)) {
    const value = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n)
    return {version: 4, value}
  }
  if (!isIPv6(text) || text.includes('%')) return undefined
  let source = text
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(source)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    source = `${source.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = source.includes('::') ? (source.split('::') as [string, string]) : [source, undefined]
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
  const value = groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n)
  return {version: 6, value}
}

function isMapped(ip: IpValue): boolean {
  return ip.version === 6 && ip.value >> 32n === 0xffffn
}

/** An address literal, IPv4-mapped IPv6 taken as IPv4; undefined when it is not an address. */
export function parseIpAddress(text: string): IpValue | undefined {
  const raw = parseRaw(text.trim())
  if (raw === undefined) return undefined
  return isMapped(raw) ? {version: 4, value: raw.value & 0xffffffffn} : raw
}

/** Strict CIDR parse: `address/prefix`, prefix in range, no host bits set. */
export function parseCidr(text: string): {cidr: CidrValue} | {error: string} {
  const trimmed = text.trim()
  const slash = trimmed.indexOf('/')
  if (slash < 0) {
    return parseRaw(trimmed) === undefined ? {error: 'not an address/prefix'} : {error: 'no /prefix (use address: for a single address)'}
  }
  const address = parseRaw(trimmed.slice(0, slash))
  if (address === undefined) return {error: `"${trimmed.slice(0, slash)}" is not an IP address`}
  const bits = address.version === 4 ? 32 : 128
  const prefixText = trimmed.slice(slash + 1)
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
    return {error: `prefix must be 0-${bits} for IPv${address.version}`}
  }
  const prefix = Number(prefixText)
  const mask = maskOf(bits, prefix)
  if ((address.value & ~mask & ((1n << BigInt(bits)) - 1n)) !== 0n) {
    return {error: `host bits set; did you mean ${formatIp({version: address.version, value: address.value & mask})}/${prefix}?`}
  }
  if (address.version === 6 && prefix >= 96 && address.value >> 32n === 0xffffn) {
    return {cidr: {version: 4, base: address.value & 0xffffffffn, prefix: prefix - 96}}
  }
  return {cidr: {version: address.version, base: address.value, prefix}}
}

function maskOf(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix)
}

export function cidrContains(cidr: CidrValue, ip: IpValue): boolean {
  if (cidr.version !== ip.version) return false
  const shift = BigInt((cidr.version === 4 ? 32 : 128) - cidr.prefix)
  return ip.value >> shift === cidr.base >> shift
}

/** Dotted quad, or RFC 5952 IPv6 (lower case, longest run of two or more zero groups as ::). */
export function formatIp(ip: IpValue): string {
  if (ip.version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 255n)).join('.')
  }
  if (ip.value >> 32n === 0xffffn) return `::ffff:${formatIp({version: 4, value: ip.value & 0xffffffffn})}`
  const groups: number[] = []
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(16 * i)) & 0xffffn))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}

/** Canonical text of a CIDR (`192.0.2.0/24`, `2001:db8::/32`; mapped prefixes shown as IPv4). */
export function formatCidr(cidr: CidrValue): string {
  return `${formatIp({version: cidr.version, value: cidr.base})}/${cidr.prefix}`
}
