/**
 * Matching primitives for the signature file: host names (suffixes and globs), CIDR ranges and
 * port ranges. Everything matched here comes out of a capture, so it is treated as untrusted
 * text: compared case-insensitively, length-checked, never evaluated. Patterns come from the
 * signature file (trusted data, validated by signatures.ts).
 */
import {ipv4Value, parseCidr, parseIp} from '../geo/ip.js'
import {boundedMemo} from '../util/bounded-memo.js'

/** Characters a host name (or a certificate name such as `*.zoom.us`) may contain. */
const HOST_CHARS = /^[a-z0-9._*-]+$/

/**
 * Canonical form of a name taken from a capture: lower case, no trailing dot, at most 253
 * characters, no empty labels. Undefined when it cannot be a host name (spaces, escapes,
 * control bytes, `..`): such names never match a signature.
 */
export function normalizeName(raw: string): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 254) return undefined
  return normalizedNames(raw)
}

/** Distinct names remembered by normalizeName: a capture names a few thousand hosts, asked
 * about on every flow to them by several stages (apps, tenants, roles). */
const NAME_MEMO = 1 << 16

const normalizedNames: (raw: string) => string | undefined = boundedMemo(normalizeUncached, NAME_MEMO)

function normalizeUncached(raw: string): string | undefined {
  let name = raw.toLowerCase()
  if (name.endsWith('.')) name = name.slice(0, -1)
  if (name.length === 0 || name.length > 253 || !HOST_CHARS.test(name)) return undefined
  if (name.startsWith('.') || name.includes('..')) return undefined
  return name
}

/** `name` is `suffix` or ends with `.suffix` (label boundary: `notzoom.us` is not `zoom.us`). */
export function hasSuffix(name: string, suffix: string): boolean {
  return name === suffix || (name.length > suffix.length && name.endsWith(suffix) && name[name.length - suffix.length - 1] === '.')
}

const GLOB_PATTERN = /^[a-z0-9_*-]+(\.[a-z0-9_*-]+)*$/

/** Why a name pattern is invalid, or undefined when it is fine. */
export function globProblem(pattern: string): string | undefined {
  if (!GLOB_PATTERN.test(pattern)) return `"${pattern}" is not a host-name pattern (lower-case labels, '*' and '**' only)`
  if (pattern.split('.').some((label) => label.includes('**') && label !== '**')) return `"${pattern}": '**' must be a whole label`
  return undefined
}

/**
 * Compile a host-name pattern into an anchored regular expression:
 *  - a leading `*` label matches one or more labels (`*.teams.microsoft.com` matches
 *    `a.b.teams.microsoft.com`, not `teams.microsoft.com` itself);
 *  - a `**` label matches one or more labels anywhere (`turn*.**`);
 *  - any other `*` matches a run of characters inside one label (`*-turnrelay.jitsi.net`);
 *  - a pattern without `*` matches exactly that name.
 */
export function compileGlob(pattern: string): RegExp {
  const labels = pattern.split('.')
  const parts = labels.map((label, i) => {
    if (label === '**' || (i === 0 && label === '*')) return '[^.]+(?:\\.[^.]+)*'
    return label
      .split('*')
      .map((piece) => piece.replace(/[-_]/g, (c) => `\\${c}`))
      .join('[^.]*')
  })
  return new RegExp(`^${parts.join('\\.')}$`)
}

/** A compiled CIDR: IPv4 as unsigned 32-bit numbers, IPv6 as bigint. */
export interface CidrRange {
  text: string
  version: 4 | 6
  prefixLength: number
  /** IPv4 network and mask (unsigned). */
  net4: number
  mask4: number
  /** IPv6 network and mask. */
  net6: bigint
  mask6: bigint
}

/** Parse a CIDR (host bits must be clear); a string explains what is wrong. */
export function compileCidr(text: string): CidrRange | string {
  const parsed = parseCidr(text)
  if (typeof parsed === 'string') return parsed
  const version: 4 | 6 = parsed.bytes.length === 4 ? 4 : 6
  if (version === 4) {
    const b = parsed.bytes
    const net = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
    const mask = parsed.prefixLength === 0 ? 0 : (0xffffffff << (32 - parsed.prefixLength)) >>> 0
    return {text, version, prefixLength: parsed.prefixLength, net4: net, mask4: mask, net6: 0n, mask6: 0n}
  }
  let value = 0n
  for (const byte of parsed.bytes) value = (value << 8n) | BigInt(byte)
  const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - parsed.prefixLength)) - 1n)
  return {text, version, prefixLength: parsed.prefixLength, net4: 0, mask4: 0, net6: value, mask6: mask}
}

/** An address from a capture as numbers, or undefined when it is not an IP literal. */
export interface AddressValue {
  version: 4 | 6
  v4: number
  v6: bigint
}

export function addressValue(ip: string): AddressValue | undefined {
  if (typeof ip !== 'string' || ip.length > 64) return undefined
  const parsed = parseIp(ip)
  if (!parsed) return undefined
  if (parsed.version === 4) {
    const b = parsed.bytes
    return {version: 4, v4: ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0, v6: 0n}
  }
  let value = 0n
  for (const byte of parsed.bytes) value = (value << 8n) | BigInt(byte)
  return {version: 6, v4: 0, v6: value}
}

export function cidrContains(range: CidrRange, address: AddressValue): boolean {
  if (range.version !== address.version) return false
  return range.version === 4 ? ((address.v4 & range.mask4) >>> 0) === range.net4 : (address.v6 & range.mask6) === range.net6
}

/** `8801-8810` or `9000`; a string explains what is wrong. */
export function parsePortRange(text: string): {low: number; high: number} | string {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text)
  if (!m) return `"${text}" is not a port or port range such as 8801-8810`
  const low = Number(m[1])
  const high = m[2] === undefined ? low : Number(m[2])
  if (low < 1 || high > 65535 || low > high) return `"${text}" is not a valid port range (1-65535, low first)`
  return {low, high}
}

/** Distinct addresses the classifiers below remember: more than a 1 GB capture of 100 k flows
 * names (a cache that overflows starts afresh and then mostly misses). */
const ADDRESS_MEMO = 1 << 18

/** Private, shared (CGNAT), loopback, link-local or unique-local: an address behind the vantage. */
export function isPrivateAddress(ip: string): boolean {
  // A dotted quad is read in place (cheaper than the memo's lookup); anything else is memoised.
  const v4 = typeof ip === 'string' ? ipv4Value(ip) : -1
  return v4 >= 0 ? privateV4(v4) : privateMemo(ip)
}

const privateMemo: (ip: string) => boolean = boundedMemo(privateAddress, ADDRESS_MEMO)

function privateV4(v: number): boolean {
  const top = v >>> 24
  return top === 10 || top === 127 || (v >>> 20) === 0xac1 || (v >>> 16) === 0xc0a8 || (v >>> 22) === 0x191 || (v >>> 16) === 0xa9fe
}

function privateAddress(ip: string): boolean {
  const a = addressValue(ip)
  if (!a) return false
  if (a.version === 4) return privateV4(a.v4)
  const top16 = Number(a.v6 >> 112n)
  return (top16 & 0xfe00) === 0xfc00 || (top16 & 0xffc0) === 0xfe80 || a.v6 === 1n
}

/** Multicast or broadcast (IPv4 224/4, 255.255.255.255; IPv6 ff00::/8). */
export function isGroupAddress(ip: string): boolean {
  const v4 = typeof ip === 'string' ? ipv4Value(ip) : -1
  return v4 >= 0 ? groupV4(v4) : groupMemo(ip)
}

const groupMemo: (ip: string) => boolean = boundedMemo(groupAddress, ADDRESS_MEMO)

function groupV4(v: number): boolean {
  return (v >>> 28) === 0xe || v === 0xffffffff
}

function groupAddress(ip: string): boolean {
  const a = addressValue(ip)
  if (!a) return false
  if (a.version === 4) return groupV4(a.v4)
  return a.v6 >> 120n === 0xffn
}

/** Public unicast: neither private, group, unspecified, nor documentation/benchmark space. */
export function isPublicAddress(ip: string): boolean {
  const a = addressValue(ip)
  if (!a || isPrivateAddress(ip) || isGroupAddress(ip)) return false
  if (a.version === 4) {
    const v = a.v4
    const top = v >>> 24
    if (top === 0 || top >= 240) return false
    if ((v >>> 8) === 0xc00002 || (v >>> 8) === 0xc63364 || (v >>> 8) === 0xcb0071) return false // TEST-NETs
    if ((v >>> 17) === (0xc612 >>> 1)) return false // 198.18.0.0/15
    return true
  }
  if (a.v6 === 0n) return false
  if (a.v6 >> 96n === 0x20010db8n) return false // documentation
  if (a.v6 >> 32n === 0xffffn) return false // IPv4-mapped: the caller should pass the IPv4 form
  return true
}
