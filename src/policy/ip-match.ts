/**
 * Exact IPv4/IPv6 address and CIDR matching for suppressions, on bigints (not a hot path: one
 * check per endpoint). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4 on both sides: the
 * address ::ffff:192.0.2.1 matches 192.0.2.0/24, and the prefix ::ffff:192.0.2.0/120 is
 * 192.0.2.0/24. Other IPv6 prefixes, even ::/0, never match an IPv4 address.
 */
import {bigIntToBytes, bytesToBigInt, formatIp as formatIpBytes, parseIp} from '../geo/ip.js'

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
/** The address as a number; parsing is geo's (src/geo/ip.ts), shared by every module. */
function parseRaw(text: string): IpValue | undefined {
  const parsed = parseIp(text)
  return parsed ? {version: parsed.version, value: bytesToBigInt(parsed.bytes)} : undefined
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

/** Dotted quad, or RFC 5952 IPv6 (the shared formatter in src/util/ip-text). */
export function formatIp(ip: IpValue): string {
  return formatIpBytes(bigIntToBytes(ip.value, ip.version === 4 ? 4 : 16))
}

/** Canonical text of a CIDR (`192.0.2.0/24`, `2001:db8::/32`; mapped prefixes shown as IPv4). */
export function formatCidr(cidr: CidrValue): string {
  return `${formatIp({version: cidr.version, value: cidr.base})}/${cidr.prefix}`
}
