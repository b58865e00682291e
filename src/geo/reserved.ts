/**
 * Special-purpose addresses (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890 and
 * successors). A special address is never geolocated by the embedded default and never called
 * foreign. Transition addresses (IPv4-mapped, NAT64, 6to4, Teredo) carry a public IPv4 address,
 * which is what gets looked up.
 */
import {bytesToBigInt, parseCidr, type Cidr, type ParsedIp} from './ip.js'

export type SpecialKind =
  | 'unspecified' | 'this-network' | 'private' | 'shared-cgnat' | 'loopback' | 'link-local'
  | 'ietf-protocol' | 'documentation' | 'benchmarking' | 'multicast' | 'reserved' | 'broadcast'
  | 'ula' | 'discard' | 'nat64-local'

export type TransitionKind = 'ipv4-mapped' | 'nat64' | '6to4' | 'teredo'

export interface SpecialRange {
  kind: SpecialKind
  network: string
  name: string
}

const SPECIAL_TABLE: Array<[string, SpecialKind, string]> = [
  ['0.0.0.0/8', 'this-network', '"This network" (RFC 791)'],
  ['10.0.0.0/8', 'private', 'Private-use (RFC 1918)'],
  ['100.64.0.0/10', 'shared-cgnat', 'Shared address space, carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback', 'Loopback (RFC 1122)'],
  ['169.254.0.0/16', 'link-local', 'Link-local (RFC 3927)'],
  ['172.16.0.0/12', 'private', 'Private-use (RFC 1918)'],
  ['192.0.0.0/24', 'ietf-protocol', 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.0/24', 'documentation', 'Documentation TEST-NET-1 (RFC 5737)'],
  ['192.168.0.0/16', 'private', 'Private-use (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking', 'Benchmarking (RFC 2544)'],
  ['198.51.100.0/24', 'documentation', 'Documentation TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0/24', 'documentation', 'Documentation TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0/4', 'multicast', 'Multicast (RFC 5771)'],
  ['240.0.0.0/4', 'reserved', 'Reserved for future use (RFC 1112)'],
  ['255.255.255.255/32', 'broadcast', 'Limited broadcast (RFC 919)'],
  ['::/128', 'unspecified', 'Unspecified address (RFC 4291)'],
  ['::1/128', 'loopback', 'Loopback (RFC 4291)'],
  ['64:ff9b:1::/48', 'nat64-local', 'Local-use NAT64 prefix (RFC 8215)'],
  ['100::/64', 'discard', 'Discard-only (RFC 6666)'],
  ['2001:2::/48', 'benchmarking', 'Benchmarking (RFC 5180)'],
  ['2001:db8::/32', 'documentation', 'Documentation (RFC 3849)'],
  ['3fff::/20', 'documentation', 'Documentation (RFC 9637)'],
  ['fc00::/7', 'ula', 'Unique local address (RFC 4193)'],
  ['fe80::/10', 'link-local', 'Link-local unicast (RFC 4291)'],
  ['ff00::/8', 'multicast', 'Multicast (RFC 4291)'],
]

interface CompiledRange extends SpecialRange {
  version: 4 | 6
  start: bigint
  mask: bigint
  prefixLength: number
}

/**
 * The table compiled per IP version, most specific first (broadcast inside 240/4), on the first
 * lookup of that version: parsing the IPv6 networks runs node's isIPv6, whose regular expression
 * takes ~10 ms to compile, which a capture without IPv6 addresses need never pay (it was paid at
 * import, by every run).
 */
const compiled: {4?: CompiledRange[]; 6?: CompiledRange[]} = {}

function compiledRanges(version: 4 | 6): CompiledRange[] {
  return (compiled[version] ??= SPECIAL_TABLE.filter(([network]) => network.includes(':') === (version === 6))
    .map(([network, kind, name]) => {
      const cidr = parseCidr(network) as Cidr
      const bits = cidr.bytes.length * 8
      const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - cidr.prefixLength)) - 1n)
      return {kind, network, name, version, start: bytesToBigInt(cidr.bytes), mask, prefixLength: cidr.prefixLength}
    })
    .sort((a, b) => b.prefixLength - a.prefixLength))
}

/** The IPv4 ranges, in compiledRanges(4)'s order, as unsigned 32-bit numbers: an IPv4 address is
 * checked without bigint arithmetic (once per unique address, tens of thousands per capture). */
let compiledV4: Array<{range: CompiledRange; start: number; mask: number}> | undefined

function compiledV4Ranges(): Array<{range: CompiledRange; start: number; mask: number}> {
  return (compiledV4 ??= compiledRanges(4).map((r) => ({range: r, start: Number(r.start), mask: Number(r.mask)})))
}

/** The special-purpose range an address falls in, or undefined for a public address. */
export function specialRange(ip: ParsedIp): SpecialRange | undefined {
  let hit: CompiledRange | undefined
  if (ip.version === 4 && ip.bytes.length === 4) {
    const b = ip.bytes
    const value = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
    for (const r of compiledV4Ranges()) {
      if (((value & r.mask) >>> 0) === r.start) {
        hit = r.range
        break
      }
    }
  } else {
    const value = bytesToBigInt(ip.bytes)
    hit = compiledRanges(ip.version).find((r) => (value & r.mask) === r.start)
  }
  return hit && {kind: hit.kind, network: hit.network, name: hit.name}
}

export interface Transition {
  kind: TransitionKind
  /** The IPv4 address carried inside the IPv6 one. */
  ipv4: ParsedIp
}

/** IPv6 transition addresses and the IPv4 address they carry. */
export function transitionOf(ip: ParsedIp): Transition | undefined {
  if (ip.version !== 6) return undefined
  const b = ip.bytes
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0)
  const v4 = (bytes: Uint8Array): ParsedIp => ({version: 4, bytes: Uint8Array.from(bytes)})
  // ::ffff:0:0/96 (RFC 4291 2.5.5.2)
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return {kind: 'ipv4-mapped', ipv4: v4(b.subarray(12, 16))}
  // 64:ff9b::/96 well-known NAT64 prefix (RFC 6052): IPv4 in the last 32 bits
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return {kind: 'nat64', ipv4: v4(b.subarray(12, 16))}
  // 2002::/16 6to4 (RFC 3056): IPv4 in bits 16..47
  if (b[0] === 0x20 && b[1] === 0x02) return {kind: '6to4', ipv4: v4(b.subarray(2, 6))}
  // 2001:0::/32 Teredo (RFC 4380): the client's public IPv4 is the last 32 bits, inverted
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) {
    return {kind: 'teredo', ipv4: v4(b.subarray(12, 16).map((x) => x ^ 0xff))}
  }
  return undefined
}
