/** Text forms of IP addresses: dotted IPv4 and RFC 5952 canonical IPv6. */
import {flatText} from './flat-text.js'


export function formatIpv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`
}

export function ipv4FromUint32(v: number): string {
  return flatText(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`)
}

/** Most addresses `ipv4Text` remembers before it starts afresh. */
const IPV4_TEXT_CACHE = 1 << 17
let ipv4Texts = new Map<number, string>()

/**
 * ipv4FromUint32, one string per address: a capture's 100 k flows name a few thousand
 * addresses, and every later stage keys maps by them (a string made once hashes once). Bounded:
 * the cache starts afresh after IPV4_TEXT_CACHE addresses.
 */
export function ipv4Text(v: number): string {
  let text = ipv4Texts.get(v)
  if (text === undefined) {
    if (ipv4Texts.size >= IPV4_TEXT_CACHE) ipv4Texts = new Map()
    text = ipv4FromUint32(v)
    ipv4Texts.set(v, text)
  }
  return text
}

/** RFC 5952 §4: lowercase hex, leading zeros dropped, the longest run (≥ 2) of zero groups
 * shortened to `::` (the first one on ties), IPv4-mapped addresses with a dotted tail. */
export function formatIpv6(b: Uint8Array, o: number): string {
  const groups: number[] = []
  for (let i = 0; i < 8; i++) groups.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!)
  return formatIpv6Groups(groups)
}

export function ipv6FromWords(w0: number, w1: number, w2: number, w3: number): string {
  return formatIpv6Groups([w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff])
}

function formatIpv6Groups(groups: number[]): string {
  // ::ffff:a.b.c.d (RFC 5952 §5)
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return flatText(`::ffff:${groups[6]! >>> 8}.${groups[6]! & 255}.${groups[7]! >>> 8}.${groups[7]! & 255}`)
  }
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  const head = hex.slice(0, bestStart).join(':')
  const tail = hex.slice(bestStart + bestLen).join(':')
  return flatText(`${head}::${tail}`)
}

/**
 * An address and port as text: `192.0.2.1:443`, and an IPv6 address in brackets,
 * `[2001:db8::1]:443` (RFC 5952 §6; RFC 3986 §3.2.2), where `2001:db8::1:443` would read as one
 * address. For every endpoint a report prints.
 */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** A flow's end as text: with its port for TCP, UDP and SCTP, the address alone for ICMP, ESP
 * and the rest (whose "port" is 0). */
export function flowEndText(ip: string, port: number, proto: string): string {
  return proto === 'tcp' || proto === 'udp' || proto === 'sctp' ? hostPort(ip, port) : ip.includes(':') ? `[${ip}]` : ip
}
