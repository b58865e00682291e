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
import {ipv4TextAt, scan, scanDnsMessage} from '../dns/dns-message.js'
import {intern, internOrNull} from '../../util/intern.js'

const OPCODE_NAMES: Record<number, string> = {0: 'query', 5: 'registration', 6: 'release', 7: 'wack', 8: 'refresh', 9: 'refresh'}
/** Text of every opcode (4 bits), made once. */
const OPCODES: string[] = Array.from({length: 16}, (_, i) => OPCODE_NAMES[i] ?? `opcode ${i}`)
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
  return decodedName(text)?.name ?? null
}

/** A decoded name, shared (frozen) by every message that carries it, with its dedup key. */
interface KnownName {
  name: NetbiosName
  /** `name<suffix>scope`: names with the same key are listed once per message. */
  key: string
}

/** Names remembered before a cache starts over. */
const MAX_CACHED = 8192
/** DNS text (or, for NBSTAT tables, the 16 raw bytes as latin1) → decoded name; null: none. */
let byText = new Map<string, KnownName | null>()
let byBytes = new Map<string, KnownName>()

/** The same hosts register, refresh and query the same names all capture long: decode each once. */
function decodedName(text: string): KnownName | null {
  let known = byText.get(text)
  if (known !== undefined) return known
  known = decodeText(text)
  if (byText.size >= MAX_CACHED) byText = new Map()
  byText.set(text, known)
  return known
}

function decodeText(text: string): KnownName | null {
  const dot = text.indexOf('.')
  const label = dot < 0 ? text : text.slice(0, dot)
  if (label.length !== 32 || !/^[A-P]{32}$/i.test(label)) return null
  const bytes: number[] = []
  const upper = label.toUpperCase()
  for (let i = 0; i < 32; i += 2) bytes.push(((upper.charCodeAt(i) - 0x41) << 4) | (upper.charCodeAt(i + 1) - 0x41))
  return known(fromBytes(bytes, dot < 0 ? null : text.slice(dot + 1) || null))
}

function known(n: NetbiosName): KnownName {
  const name = Object.freeze({name: intern(n.name), suffix: intern(n.suffix), scope: internOrNull(n.scope)})
  return {name, key: `${n.name}<${n.suffix}>${n.scope ?? ''}`}
}

/** A name of an NBSTAT name table: 16 raw octets at `b[p]`. */
function tableName(b: Uint8Array, p: number): KnownName {
  let raw = ''
  for (let i = p; i < p + 16; i++) raw += String.fromCharCode(b[i]!)
  let entry = byBytes.get(raw)
  if (entry === undefined) {
    entry = known(fromBytes([...b.subarray(p, p + 16)], null))
    if (byBytes.size >= MAX_CACHED) byBytes = new Map()
    byBytes.set(raw, entry)
  }
  return entry
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

/** Shared by every message without names or addresses. */
const NONE = Object.freeze([]) as unknown as never[]
/** First element → lists starting with it: the same one-name lists come back all capture long. */
let nameLists = new Map<NetbiosName, NetbiosName[][]>()
let addressLists = new Map<string, string[][]>()

/** `list` as kept: exact size, and one frozen copy per distinct list lately seen. */
function sharedList<T>(cache: Map<T, T[][]>, list: T[]): T[] {
  if (list.length === 0) return NONE
  const first = list[0]!
  let lists = cache.get(first)
  if (lists !== undefined) {
    for (const other of lists) if (sameList(other, list)) return other
  } else {
    if (cache.size >= MAX_CACHED) cache.clear()
    cache.set(first, (lists = []))
  }
  const kept = Object.freeze(list.slice()) as T[]
  if (lists.length >= 8) lists.shift()
  lists.push(kept)
  return kept
}

function sameList<T>(a: T[], b: T[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Reused between messages (only their shared, exact copies are kept). */
const names: NetbiosName[] = []
const keys: string[] = []
const addresses: string[] = []

function addName(n: KnownName | null): void {
  if (!n || names.length >= MAX_NAMES) return
  if (n.name.name === '*' || keys.includes(n.key)) return
  keys.push(n.key)
  names.push(n.name)
}

export function parseNbns(b: Uint8Array): NbnsMessage | null {
  // The DNS message scan, without the DNS record data this does not use.
  if (!scanDnsMessage(b)) return null
  const s = scan
  names.length = 0
  keys.length = 0
  addresses.length = 0
  let mac: string | null = null
  for (let q = 0; q < s.questionCount; q++) addName(decodedName(s.questionName[q]!))
  for (let r = 0; r < s.recordCount; r++) {
    addName(decodedName(s.recordName[r]!))
    const type = s.recordType[r]!
    const start = s.recordStart[r]!
    const length = s.recordLength[r]!
    const end = start + length
    if (type === 0x20) {
      for (let p = start; p + 6 <= end && addresses.length < MAX_NAMES; p += 6) {
        const address = ipv4TextAt(b, p + 2)
        if (!addresses.includes(address)) addresses.push(address)
      }
    } else if (type === 0x21 && length >= 1) {
      // NODE_STATUS: NUM_NAMES, then 18 octets per name (16 name + 2 flags), then statistics
      // whose first 6 octets are the unit id.
      const count = b[start]!
      let p = start + 1
      for (let i = 0; i < count && p + 18 <= end; i++, p += 18) addName(tableName(b, p))
      if (p + 6 <= end) {
        const text = [...b.subarray(p, p + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':')
        if (text !== '00:00:00:00:00:00') mac = intern(text)
      }
    }
  }
  const w = s.flagsWord
  return {
    id: s.id,
    response: (w & 0x8000) !== 0,
    opcode: OPCODES[(w >> 11) & 0xf]!,
    rcode: w & 0xf,
    names: sharedList(nameLists, names),
    addresses: sharedList(addressLists, addresses),
    mac,
    malformed: internOrNull(s.malformed),
  }
}
