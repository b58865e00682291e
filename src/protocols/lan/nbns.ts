/**
 * NetBIOS Name Service (RFC 1002 §4.2, UDP 137): Windows and Samba hosts broadcast their names
 * (host, workgroup, logged-on user on old systems) to register them and to find each other.
 *
 * The message layout is DNS's (RFC 1002 §4.2.1), so this reuses the DNS message parser; only the
 * names differ: a NetBIOS name (15 characters padded with spaces, plus a suffix byte telling the
 * service: 0x00 workstation, 0x20 file server, 0x1D master browser, 0x1E browser election...) is
 * "first-level encoded" (RFC 1001 §14.1) as one 32-character label, each half-byte written as a
 * letter 'A'..'P', optionally followed by a scope id (more labels).
 *
 * Opcodes (RFC 1002 §4.2.1.1): 0 query, 5 registration, 6 release, 7 WACK, 8/9 refresh.
 * NB records (type 0x20) carry flags (2) + IPv4 address (4) per entry; NBSTAT (0x21) responses
 * carry the node's whole name table and its MAC address (§4.2.18).
 */
import {formatIpv4} from '../../util/ip-text.js'
import {parseDnsMessage} from '../dns/dns-message.js'

const OPCODES: Record<number, string> = {0: 'query', 5: 'registration', 6: 'release', 7: 'wack', 8: 'refresh', 9: 'refresh'}
const MAX_NAMES = 32

export interface NetbiosName {
  /** The name with its padding removed. */
  name: string
  /** Suffix byte, hex (`00`, `20`, `1d`...). */
  suffix: string
  /** Scope id, if any. */
  scope: string | null
}

export interface NbnsMessage {
  id: number
  response: boolean
  opcode: string
  rcode: number
  /** Names asked for, registered, released or listed (NBSTAT), in order, without duplicates. */
  names: NetbiosName[]
  /** IPv4 addresses bound to the names in NB records. */
  addresses: string[]
  /** Unit id from an NBSTAT response: the MAC address of the node. */
  mac: string | null
  malformed: string | null
}

/**
 * Decode a first-level encoded name from its DNS text (32 letters A-P, then scope labels);
 * null when it is not one (e.g. the '*' wildcard of an NBSTAT query is encoded the same way).
 */
export function decodeNetbiosName(text: string): NetbiosName | null {
  const dot = text.indexOf('.')
  const label = dot < 0 ? text : text.slice(0, dot)
  if (label.length !== 32 || !/^[A-P]{32}$/i.test(label)) return null
  const bytes: number[] = []
  const upper = label.toUpperCase()
  for (let i = 0; i < 32; i += 2) bytes.push(((upper.charCodeAt(i) - 0x41) << 4) | (upper.charCodeAt(i + 1) - 0x41))
  return fromBytes(bytes, dot < 0 ? null : text.slice(dot + 1) || null)
}

function fromBytes(bytes: number[], scope: string | null): NetbiosName {
  const suffix = bytes[15]!
  // Padding is spaces (NUL for the '*' wildcard).
  let end = 15
  while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0)) end--
  let name = ''
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!
    // Printable ASCII as is; anything else (OEM code page bytes, controls) escaped.
    name += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`
  }
  return {name, suffix: suffix.toString(16).padStart(2, '0'), scope}
}

export function parseNbns(b: Uint8Array): NbnsMessage | null {
  const dns = parseDnsMessage(b)
  if (!dns) return null
  const message: NbnsMessage = {id: dns.id, response: dns.response, opcode: OPCODES[dns.opcode] ?? `opcode ${dns.opcode}`, rcode: dns.rcode, names: [], addresses: [], mac: null, malformed: dns.malformed}
  const seen = new Set<string>()
  const addName = (n: NetbiosName | null) => {
    if (!n || message.names.length >= MAX_NAMES) return
    const key = `${n.name}<${n.suffix}>${n.scope ?? ''}`
    if (n.name === '*' || seen.has(key)) return
    seen.add(key)
    message.names.push(n)
  }
  for (const q of dns.questions) addName(decodeNetbiosName(q.name))
  for (const r of dns.records) {
    addName(decodeNetbiosName(r.name))
    const start = r.rdataStart
    const end = start + r.rdataLength
    if (r.type === 0x20) {
      for (let p = start; p + 6 <= end && message.addresses.length < MAX_NAMES; p += 6) {
        const address = formatIpv4(b, p + 2)
        if (!message.addresses.includes(address)) message.addresses.push(address)
      }
    } else if (r.type === 0x21 && r.rdataLength >= 1) {
      // NODE_STATUS: NUM_NAMES, then 18 octets per name (16 name + 2 flags), then statistics
      // whose first 6 octets are the unit id.
      const count = b[start]!
      let p = start + 1
      for (let i = 0; i < count && p + 18 <= end; i++, p += 18) addName(fromBytes([...b.subarray(p, p + 16)], null))
      if (p + 6 <= end) {
        const mac = [...b.subarray(p, p + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':')
        if (mac !== '00:00:00:00:00:00') message.mac = mac
      }
    }
  }
  return message
}
