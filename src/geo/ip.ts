/**
 * IP address parsing and formatting for geolocation: strict parsing (no zone ids, no shorthand
 * IPv4 such as `10.1`), bytes for tree walks, bigint for range arithmetic.
 */
import {formatIpv4, formatIpv6} from '../util/ip-text.js'
import {isIPv6} from 'node:net'

export interface ParsedIp {
  version: 4 | 6
  /** Network-order bytes: 4 for IPv4, 16 for IPv6. */
  bytes: Uint8Array
}

/** Parse an IPv4 or IPv6 literal; undefined when it is not one. Zone ids (`%eth0`) are rejected. */
export function parseIp(text: string): ParsedIp | undefined {
  const v4 = dottedQuad(text)
  if (v4) return {version: 4, bytes: v4}
  if (!(plainIpv6(text) || isIPv6(text)) || text.includes('%')) return undefined
  return {version: 6, bytes: parseIpv6Bytes(text)}
}

/**
 * Plain IPv6 text, checked by hand: groups of 1-4 hex digits, eight of them or at most seven
 * with one `::`, nothing else (no dotted quad, no zone). Every such text is one isIPv6 accepts;
 * anything else goes to isIPv6. Node's isIPv6 is one large regular expression whose first use
 * compiles it (~10 ms), which every analyze run paid at startup for the bundled signatures'
 * and the special-purpose table's IPv6 networks.
 */
function plainIpv6(text: string): boolean {
  const n = text.length
  if (n < 2 || n > 39) return false
  let groups = 0
  let digits = 0
  let compressed = false
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x3a) {
      if (text.charCodeAt(i + 1) === 0x3a) {
        // "::": once, and never followed by a third colon.
        if (compressed || text.charCodeAt(i + 2) === 0x3a) return false
        compressed = true
        if (digits > 0) groups++
        digits = 0
        i++
      } else {
        // A single colon ends a group and starts another.
        if (digits === 0 || i + 1 === n) return false
        groups++
        digits = 0
      }
    } else if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
      if (++digits > 4) return false
    } else {
      return false
    }
  }
  if (digits > 0) groups++
  return compressed ? groups <= 7 : groups === 8
}

/**
 * A dotted quad read by hand, exactly what node's isIPv4 accepts (four decimal octets 0-255,
 * no leading zeros, nothing else), else undefined. Reports parse tens of thousands of
 * addresses; the regular expression behind isIPv4 cost 4 µs each.
 */
function dottedQuad(text: string): Uint8Array | undefined {
  const value = ipv4Value(text)
  return value < 0 ? undefined : Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
}

/**
 * The value of a dotted quad as an unsigned 32-bit number (else -1), accepting exactly what
 * node's isIPv4 accepts, without allocating: address classes ask this for every flow's addresses.
 */
export function ipv4Value(text: string): number {
  const n = text.length
  if (n < 7 || n > 15) return -1
  let result = 0
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0x2e
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return -1
      result = result * 256 + value
      part++
      value = 0
      digits = 0
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return -1 // leading zero
      value = value * 10 + (c - 0x30)
      if (++digits > 3 || value > 255) return -1
    } else {
      return -1
    }
  }
  return part === 4 ? result : -1
}

function parseIpv6Bytes(text: string): Uint8Array {
  let source = text
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(source)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    source = source.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16)
  }
  const [head, tail] = source.includes('::') ? source.split('::') as [string, string] : [source, undefined]
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 8; i++) {
    const value = Number.parseInt(groups[i] ?? '0', 16)
    bytes[i * 2] = value >> 8
    bytes[i * 2 + 1] = value & 0xff
  }
  return bytes
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (the one implementation in src/util/ip-text). */
export function formatIp(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIpv4(bytes, 0) : formatIpv6(bytes, 0)
}

/** Canonical form of an address string, or undefined when invalid. */
export function canonicalIp(text: string): string | undefined {
  const parsed = parseIp(text.trim())
  return parsed && formatIp(parsed.bytes)
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n
  for (const byte of bytes) value = (value << 8n) | BigInt(byte)
  return value
}

export function bigIntToBytes(value: bigint, length: 4 | 16): Uint8Array {
  const bytes = new Uint8Array(length)
  let rest = value
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return bytes
}

export interface Cidr {
  bytes: Uint8Array
  prefixLength: number
}

/** Parse `a.b.c.d/n` or `x::/n`. Errors (as text) for host bits set or out-of-range prefixes. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/')
  const address = parseIp(slash < 0 ? text : text.slice(0, slash))
  if (!address) return `invalid network address "${text}"`
  const bits = address.bytes.length * 8
  const lengthText = slash < 0 ? String(bits) : text.slice(slash + 1)
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) return `invalid prefix length in "${text}"`
  const prefixLength = Number(lengthText)
  const value = bytesToBigInt(address.bytes)
  const hostMask = (1n << BigInt(bits - prefixLength)) - 1n
  if ((value & hostMask) !== 0n) {
    const network = bigIntToBytes(value & ~hostMask, address.bytes.length as 4 | 16)
    return `host bits set in "${text}" (network is ${formatIp(network)}/${prefixLength})`
  }
  return {bytes: address.bytes, prefixLength}
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.bytes)}/${cidr.prefixLength}`
}

/**
 * Split an inclusive range into the minimal list of CIDR blocks (the usual greedy walk: the
 * largest aligned block starting at `start` that does not pass `end`).
 */
export function rangeToCidrs(start: bigint, end: bigint, bits: 32 | 128): Array<{start: bigint; prefixLength: number}> {
  const out: Array<{start: bigint; prefixLength: number}> = []
  let cursor = start
  while (cursor <= end) {
    let size = cursor === 0n ? bits : trailingZeros(cursor, bits)
    while (size > 0 && cursor + (1n << BigInt(size)) - 1n > end) size--
    out.push({start: cursor, prefixLength: bits - size})
    cursor += 1n << BigInt(size)
  }
  return out
}

function trailingZeros(value: bigint, bits: number): number {
  let count = 0
  let rest = value
  while (count < bits && (rest & 1n) === 0n) {
    rest >>= 1n
    count++
  }
  return count
}

/**
 * Fast IPv4 variant on plain numbers (the embedded ASN build splits ~400k ranges).
 * `start`/`end` are unsigned 32-bit values.
 */
export function rangeToCidrsV4(start: number, end: number): Array<{start: number; prefixLength: number}> {
  const out: Array<{start: number; prefixLength: number}> = []
  let cursor = start
  while (cursor <= end) {
    let size = 0
    while (size < 32 && cursor % 2 ** (size + 1) === 0 && cursor + 2 ** (size + 1) - 1 <= end) size++
    out.push({start: cursor, prefixLength: 32 - size})
    cursor += 2 ** size
  }
  return out
}
