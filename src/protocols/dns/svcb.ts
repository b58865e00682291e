/**
 * SVCB and HTTPS resource records (RFC 9460 §2.2): SvcPriority (2 octets), TargetName (an
 * uncompressed name, §2.2), then SvcParams as key (2) / length (2) / value, in increasing key
 * order. Keys (§14.3.2): 0 mandatory, 1 alpn, 2 no-default-alpn, 3 port, 4 ipv4hint, 5 ech
 * (an ECHConfigList: the server offers Encrypted Client Hello, RFC 9460 §9 / draft-ietf-tls-esni),
 * 6 ipv6hint, 7 dohpath.
 */
import {formatIpv4, formatIpv6} from '../../util/ip-text.js'
import {readName, safeBytesText} from './dns-name.js'
import {intern} from '../../util/intern.js'

export interface SvcbInfo {
  priority: number
  /** "." means the owner name itself (§2.5). */
  target: string
  alpn: string[]
  port: number | null
  ipv4hint: string[]
  ipv6hint: string[]
  /** An `ech` SvcParam (key 5) is present: the server offers Encrypted Client Hello. */
  ech: boolean
  /** The public_name of each ECHConfig in it (lower case): the name a client that uses ECH puts
   * in the outer ClientHello's SNI instead of the real one. Absent when there is none. */
  echPublicNames?: string[]
  /** Every SvcParam key present, in wire order. */
  keys: number[]
}

const MAX_PARAMS = 32
const MAX_HINTS = 16
const MAX_ALPN = 16

/** Shared by every record without such a parameter (frozen: facts are never changed). */
const NONE: string[] = Object.freeze([]) as unknown as string[]
const NO_KEYS: number[] = Object.freeze([]) as unknown as number[]

/** The lists kept: exact size (an array grown by push keeps room for 17). */
function exact<T>(list: T[], none: T[]): T[] {
  return list.length === 0 ? none : list.slice()
}

/** Parse the RDATA at `msg[start, end)`; null when not even the priority and target fit. Texts
 * are interned (see `keep`): the same HTTPS records come back in every response. */
export function parseSvcb(msg: Uint8Array, start: number, end: number): SvcbInfo | null {
  if (end > msg.length || start + 3 > end) return null
  const priority = (msg[start]! << 8) | msg[start + 1]!
  // The target must lie inside the RDATA: read it from a view cut at `end`.
  const name = readName(msg.subarray(0, end), start + 2)
  if (name.error) return null
  const alpn: string[] = []
  let port: number | null = null
  const ipv4hint: string[] = []
  const ipv6hint: string[] = []
  let ech = false
  let publicNames: string[] = NONE
  const keys: number[] = []
  let pos = name.end
  while (pos + 4 <= end && keys.length < MAX_PARAMS) {
    const key = (msg[pos]! << 8) | msg[pos + 1]!
    const length = (msg[pos + 2]! << 8) | msg[pos + 3]!
    const value = pos + 4
    if (value + length > end) break
    keys.push(key)
    switch (key) {
      case 1: // alpn: a list of length-prefixed protocol ids
        for (let p = value; p < value + length && alpn.length < MAX_ALPN; ) {
          const n = msg[p]!
          if (p + 1 + n > value + length) break
          alpn.push(intern(safeBytesText(msg, p + 1, p + 1 + n, 255)))
          p += 1 + n
        }
        break
      case 3:
        if (length === 2) port = (msg[value]! << 8) | msg[value + 1]!
        break
      case 4:
        for (let p = value; p + 4 <= value + length && ipv4hint.length < MAX_HINTS; p += 4) ipv4hint.push(intern(formatIpv4(msg, p)))
        break
      case 5:
        ech = length > 0
        publicNames = echConfigPublicNames(msg, value, value + length)
        break
      case 6:
        for (let p = value; p + 16 <= value + length && ipv6hint.length < MAX_HINTS; p += 16) ipv6hint.push(intern(formatIpv6(msg, p)))
        break
    }
    pos = value + length
  }
  const info: SvcbInfo = {priority, target: intern(name.text), alpn: exact(alpn, NONE), port, ipv4hint: exact(ipv4hint, NONE), ipv6hint: exact(ipv6hint, NONE), ech, keys: exact(keys, NO_KEYS)}
  if (publicNames.length) info.echPublicNames = publicNames
  return info
}

/** ECHConfigs read from one list at most. */
const MAX_ECH_CONFIGS = 8
/** ECHConfig version of the ECH drafts since -13 and of the RFC. */
const ECH_VERSION = 0xfe0d

/**
 * The public_name of every ECHConfig the list at msg[start, end) holds (draft-ietf-tls-esni-22
 * §4): ECHConfigList is a 2-octet length and ECHConfigs, each a version (2), a length (2) and,
 * for version 0xfe0d, ECHConfigContents: HpkeKeyConfig (config_id 1, kem_id 2, public_key
 * <1..2^16-1>, cipher_suites <4..2^16-4>), maximum_name_length (1), public_name <1..255>,
 * extensions. Configs of other versions are skipped by their length; a cut one ends the list.
 */
function echConfigPublicNames(msg: Uint8Array, start: number, end: number): string[] {
  if (start + 2 > end) return NONE
  const listEnd = Math.min(end, start + 2 + ((msg[start]! << 8) | msg[start + 1]!))
  const names: string[] = []
  let p = start + 2
  for (let n = 0; p + 4 <= listEnd && n < MAX_ECH_CONFIGS; n++) {
    const version = (msg[p]! << 8) | msg[p + 1]!
    const body = p + 4
    const bodyEnd = body + ((msg[p + 2]! << 8) | msg[p + 3]!)
    if (bodyEnd > listEnd) break
    p = bodyEnd
    if (version !== ECH_VERSION) continue
    let q = body + 3 // config_id, kem_id
    if (q + 2 > bodyEnd) continue
    q += 2 + ((msg[q]! << 8) | msg[q + 1]!) // public_key
    if (q + 2 > bodyEnd) continue
    q += 2 + ((msg[q]! << 8) | msg[q + 1]!) // cipher_suites
    q += 1 // maximum_name_length
    if (q + 1 > bodyEnd) continue
    const length = msg[q]!
    if (length === 0 || q + 1 + length > bodyEnd) continue
    const publicName = intern(safeBytesText(msg, q + 1, q + 1 + length, 255).toLowerCase())
    if (!names.includes(publicName)) names.push(publicName)
  }
  return exact(names, NONE)
}

/** Presentation-like summary: `1 . alpn=h3,h2 port=443 ipv4hint=… ech`. */
export function svcbText(info: SvcbInfo): string {
  const parts = [String(info.priority), info.target]
  if (info.alpn.length) parts.push(`alpn=${info.alpn.join(',')}`)
  if (info.port !== null) parts.push(`port=${info.port}`)
  if (info.ipv4hint.length) parts.push(`ipv4hint=${info.ipv4hint.join(',')}`)
  if (info.ipv6hint.length) parts.push(`ipv6hint=${info.ipv6hint.join(',')}`)
  if (info.ech) parts.push('ech')
  return parts.join(' ')
}
