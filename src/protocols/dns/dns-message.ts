/**
 * DNS messages (RFC 1035 §4.1), also used by mDNS (RFC 6762 §18) and LLMNR (RFC 4795 §2.1),
 * which share the wire format. A function of one message's bytes: it never throws and reads
 * every length before the bytes it covers; what cannot be read ends the parse with `malformed`
 * set, keeping what came before (as a dissector does). The hot path (`scanDnsMessage`) reads into
 * one reused `scan` and makes no object per message: callers build only what they keep.
 *
 * Header (§4.1.1): ID (2), flags (2: QR, Opcode 4 bits, AA, TC, RD, RA, Z, AD, CD, RCODE 4 bits),
 * QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (2 each). Question (§4.1.2): QNAME, QTYPE, QCLASS.
 * Resource record (§4.1.3): NAME, TYPE, CLASS, TTL (4), RDLENGTH (2), RDATA.
 */
import {formatIpv4, formatIpv6} from '../../util/ip-text.js'
import {cachedText, hashScratch, MAX_POINTER_HOPS, type NameRead, nameHops, readNameInto, rememberText, safeBytesText, scratch, scratchText} from './dns-name.js'
import {parseSvcb, type SvcbInfo, svcbText} from './svcb.js'
import {intern} from '../../util/intern.js'

export const DNS_HEADER_LENGTH = 12
/** Questions kept per message (real messages have one). */
export const MAX_QUESTIONS = 32
/** Resource records kept per message, all sections together. */
export const MAX_RECORDS = 64
/** Longest text kept for record data other than names (TXT strings...). */
export const MAX_DATA_CHARS = 255

export const TYPE = {A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, DNAME: 39, SVCB: 64, HTTPS: 65} as const

const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 28: 'AAAA', 29: 'LOC',
  33: 'SRV', 35: 'NAPTR', 39: 'DNAME', 41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3', 52: 'TLSA',
  64: 'SVCB', 65: 'HTTPS', 99: 'SPF', 251: 'IXFR', 252: 'AXFR', 255: 'ANY', 257: 'CAA',
}

/** Mnemonic of a type (RFC 1035 §3.2.2, IANA registry), `TYPE<n>` otherwise (RFC 3597 §5). */
export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? unknownTypeName(type)
}

/** `TYPE<n>` texts made so far: one string per type, not one per record. */
const UNKNOWN_TYPE_NAMES = new Map<number, string>()

function unknownTypeName(type: number): string {
  let name = UNKNOWN_TYPE_NAMES.get(type)
  if (name === undefined) UNKNOWN_TYPE_NAMES.set(type, (name = `TYPE${type}`))
  return name
}

/** RCODE of the header (4 bits) and its mnemonic, `RCODE<n>` for the unassigned ones. */
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', 'RCODE11', 'RCODE12', 'RCODE13', 'RCODE14', 'RCODE15']

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`
}

export type Section = 'answer' | 'authority' | 'additional'

export interface DnsQuestion {
  name: string
  type: number
  /** CLASS without the mDNS unicast-response bit (RFC 6762 §5.4). */
  class: number
}

export interface DnsRecord {
  section: Section
  name: string
  type: number
  /** CLASS without the mDNS cache-flush bit (RFC 6762 §10.2). */
  class: number
  ttl: number
  /** Text of the data: the address (A, AAAA), the name (CNAME, NS, PTR, DNAME), a summary for
   * MX, SRV, SOA, TXT, HINFO, SVCB/HTTPS; null for other types or unreadable data. */
  data: string | null
  /** SVCB/HTTPS parameters (type 64/65). */
  svcb?: SvcbInfo
  /** Where the RDATA lies in the parsed message (for protocols that reuse this parser, NBNS). */
  rdataStart: number
  rdataLength: number
}

export interface DnsMessage {
  id: number
  response: boolean
  opcode: number
  /** AA, TC, RD, RA, AD, CD as set. */
  flags: string[]
  rcode: number
  counts: {questions: number; answers: number; authority: number; additional: number}
  questions: DnsQuestion[]
  records: DnsRecord[]
  /** Records beyond MAX_RECORDS (and questions beyond MAX_QUESTIONS) not kept. */
  dropped: number
  /** EDNS Client Subnet (RFC 7871) sent in an OPT record: part of the client's address. */
  clientSubnet: string | null
  /** Why parsing stopped early, or null when the whole message was read. */
  malformed: string | null
  /** Bytes after the last record (0 for a well-formed message). */
  trailing: number
}

const SECTIONS: Section[] = ['answer', 'authority', 'additional']

/** The set flags as text, one frozen array per combination (shared by every message). */
const FLAG_SETS: readonly string[][] = Array.from({length: 64}, (_, i) => {
  const flags: string[] = []
  if (i & 0x20) flags.push('AA')
  if (i & 0x10) flags.push('TC')
  if (i & 0x08) flags.push('RD')
  if (i & 0x04) flags.push('RA')
  if (i & 0x02) flags.push('AD')
  if (i & 0x01) flags.push('CD')
  return Object.freeze(flags.slice()) as string[]
})

/** AA, TC, RD, RA, AD, CD of a header's flags word, as set (a shared frozen array). */
export function flagsOf(flagsWord: number): string[] {
  return FLAG_SETS[(((flagsWord >> 7) & 0xf) << 2) | ((flagsWord >> 4) & 3)]!
}

/**
 * What `scanDnsMessage` read from the last message, reused from call to call so that reading a
 * message allocates only its texts (and those are shared, see `readNameInto`): callers build
 * what they keep from it (`parseDnsMessage`, the DNS analyzer's facts) before the next scan.
 * Questions and records are kept to MAX_QUESTIONS and MAX_RECORDS, as in DnsMessage.
 */
export interface DnsScan {
  id: number
  flagsWord: number
  qdCount: number
  anCount: number
  nsCount: number
  arCount: number
  questionCount: number
  questionName: string[]
  questionType: Uint16Array
  /** Without the mDNS unicast-response bit. */
  questionClass: Uint16Array
  recordCount: number
  /** Index in SECTIONS. */
  recordSection: Uint8Array
  recordName: string[]
  recordType: Uint16Array
  /** Without the mDNS cache-flush bit. */
  recordClass: Uint16Array
  recordTtl: Uint32Array
  recordStart: Int32Array
  recordLength: Uint16Array
  dropped: number
  clientSubnet: string | null
  malformed: string | null
  trailing: number
}

export const scan: DnsScan = {
  id: 0,
  flagsWord: 0,
  qdCount: 0,
  anCount: 0,
  nsCount: 0,
  arCount: 0,
  questionCount: 0,
  questionName: new Array<string>(MAX_QUESTIONS).fill(''),
  questionType: new Uint16Array(MAX_QUESTIONS),
  questionClass: new Uint16Array(MAX_QUESTIONS),
  recordCount: 0,
  recordSection: new Uint8Array(MAX_RECORDS),
  recordName: new Array<string>(MAX_RECORDS).fill(''),
  recordType: new Uint16Array(MAX_RECORDS),
  recordClass: new Uint16Array(MAX_RECORDS),
  recordTtl: new Uint32Array(MAX_RECORDS),
  recordStart: new Int32Array(MAX_RECORDS),
  recordLength: new Uint16Array(MAX_RECORDS),
  dropped: 0,
  clientSubnet: null,
  malformed: null,
  trailing: 0,
}

const nameRead: NameRead = {text: '', end: 0, error: null}

/**
 * Names of the message being scanned, by offset, with the pointers followed to read them: a
 * record's owner is nearly always just a pointer to one of them (`c0 0c`, the question's name),
 * whose text is then known without reading it again.
 */
const MAX_KNOWN = 8
const knownAt = new Int32Array(MAX_KNOWN)
const knownHops = new Uint8Array(MAX_KNOWN)
const knownText: string[] = new Array<string>(MAX_KNOWN).fill('')
let knownCount = 0
let hopsRead = 0

/** `readNameInto(msg, pos, nameRead)`, from `known*` when the name is a pointer to one of them
 * (the same walk, one pointer longer: the same text, unless that is one pointer too many). */
function readOwnerName(msg: Uint8Array, pos: number): NameRead {
  const name = nameRead
  if (knownCount > 0 && msg[pos]! >= 0xc0 && pos + 1 < msg.length) {
    const target = ((msg[pos]! & 0x3f) << 8) | msg[pos + 1]!
    for (let k = 0; k < knownCount; k++) {
      if (knownAt[k] === target && target < pos && knownHops[k]! < MAX_POINTER_HOPS) {
        name.text = knownText[k]!
        name.end = pos + 2
        name.error = null
        hopsRead = knownHops[k]! + 1
        return name
      }
    }
  }
  readNameInto(msg, pos, name)
  hopsRead = nameHops
  return name
}

/** Remember the name just read at `pos` without error. */
function knowName(pos: number, text: string): void {
  if (knownCount >= MAX_KNOWN) return
  knownAt[knownCount] = pos
  knownHops[knownCount] = hopsRead
  knownText[knownCount++] = text
}

/**
 * Read one DNS message into `scan`; false if shorter than a header. What cannot be read ends the
 * scan with `malformed` set, keeping what came before.
 */
export function scanDnsMessage(msg: Uint8Array): boolean {
  if (msg.length < DNS_HEADER_LENGTH) return false
  const s = scan
  s.id = (msg[0]! << 8) | msg[1]!
  s.flagsWord = (msg[2]! << 8) | msg[3]!
  s.qdCount = (msg[4]! << 8) | msg[5]!
  s.anCount = (msg[6]! << 8) | msg[7]!
  s.nsCount = (msg[8]! << 8) | msg[9]!
  s.arCount = (msg[10]! << 8) | msg[11]!
  s.questionCount = 0
  s.recordCount = 0
  s.dropped = 0
  s.clientSubnet = null
  s.malformed = null
  s.trailing = 0
  const name = nameRead
  knownCount = 0
  let pos = DNS_HEADER_LENGTH
  for (let i = 0; i < s.qdCount; i++) {
    // A question is kept only when read whole: a partial name would claim a query never made.
    readOwnerName(msg, pos)
    if (name.error === null) knowName(pos, name.text)
    if (name.end + 4 > msg.length || (name.error !== null && name.error !== 'name too long')) {
      s.malformed = `question ${i + 1}: ${name.error ?? 'truncated'}`
      return true
    }
    if (name.error) s.malformed ??= `question ${i + 1}: ${name.error}`
    const at = name.end
    if (s.questionCount >= MAX_QUESTIONS) s.dropped++
    else {
      const q = s.questionCount++
      s.questionName[q] = name.text
      s.questionType[q] = (msg[at]! << 8) | msg[at + 1]!
      s.questionClass[q] = ((msg[at + 2]! << 8) | msg[at + 3]!) & 0x7fff
    }
    pos = at + 4
  }
  for (let section = 0; section < 3; section++) {
    const count = section === 0 ? s.anCount : section === 1 ? s.nsCount : s.arCount
    for (let i = 0; i < count; i++) {
      readOwnerName(msg, pos)
      if (name.error === null) knowName(pos, name.text)
      if (name.error) {
        s.malformed ??= `${SECTIONS[section]} record ${i + 1}: ${name.error}`
        if (name.error !== 'name too long') return true
      }
      const fixed = name.end
      if (fixed + 10 > msg.length) {
        s.malformed = `${SECTIONS[section]} record ${i + 1}: truncated`
        return true
      }
      const type = (msg[fixed]! << 8) | msg[fixed + 1]!
      const rdLength = (msg[fixed + 8]! << 8) | msg[fixed + 9]!
      const rdata = fixed + 10
      if (rdata + rdLength > msg.length) {
        s.malformed = `${SECTIONS[section]} record ${i + 1}: data truncated`
        return true
      }
      if (type === TYPE.OPT) {
        // EDNS(0) pseudo-record (RFC 6891 §6.1.2): not data, but its options may leak.
        const subnet = clientSubnetOf(msg, rdata, rdata + rdLength)
        if (subnet) s.clientSubnet = subnet
      } else if (s.recordCount < MAX_RECORDS) {
        const r = s.recordCount++
        s.recordSection[r] = section
        s.recordName[r] = name.text
        s.recordType[r] = type
        s.recordClass[r] = ((msg[fixed + 2]! << 8) | msg[fixed + 3]!) & 0x7fff
        s.recordTtl[r] = ((msg[fixed + 4]! << 24) | (msg[fixed + 5]! << 16) | (msg[fixed + 6]! << 8) | msg[fixed + 7]!) >>> 0
        s.recordStart[r] = rdata
        s.recordLength[r] = rdLength
      } else {
        s.dropped++
      }
      pos = rdata + rdLength
    }
  }
  s.trailing = msg.length - pos
  return true
}

/** Parse one DNS message; null if shorter than a header. */
export function parseDnsMessage(msg: Uint8Array): DnsMessage | null {
  if (!scanDnsMessage(msg)) return null
  const s = scan
  const questions: DnsQuestion[] = new Array(s.questionCount)
  for (let q = 0; q < s.questionCount; q++) questions[q] = {name: s.questionName[q]!, type: s.questionType[q]!, class: s.questionClass[q]!}
  const records: DnsRecord[] = new Array(s.recordCount)
  for (let r = 0; r < s.recordCount; r++) {
    const type = s.recordType[r]!
    const start = s.recordStart[r]!
    const length = s.recordLength[r]!
    const record: DnsRecord = {section: SECTIONS[s.recordSection[r]!]!, name: s.recordName[r]!, type, class: s.recordClass[r]!, ttl: s.recordTtl[r]!, data: null, rdataStart: start, rdataLength: length}
    const svcb = type === TYPE.SVCB || type === TYPE.HTTPS ? parseSvcb(msg, start, start + length) : null
    if (svcb) {
      record.svcb = svcb
      record.data = svcbText(svcb)
    } else {
      record.data = recordData(msg, type, start, length)
    }
    records[r] = record
  }
  return {
    id: s.id,
    response: (s.flagsWord & 0x8000) !== 0,
    opcode: (s.flagsWord >> 11) & 0xf,
    flags: flagsOf(s.flagsWord),
    rcode: s.flagsWord & 0xf,
    counts: {questions: s.qdCount, answers: s.anCount, authority: s.nsCount, additional: s.arCount},
    questions,
    records,
    dropped: s.dropped,
    clientSubnet: s.clientSubnet,
    malformed: s.malformed,
    trailing: s.trailing,
  }
}

/**
 * Text of record data for the types worth showing; null otherwise or when malformed (SVCB and
 * HTTPS: see parseSvcb / svcbText). Kept texts: interned and flat (see `keep`).
 */
export function recordData(msg: Uint8Array, type: number, start: number, length: number): string | null {
  const end = start + length
  switch (type) {
    case TYPE.A:
      return length === 4 ? ipv4TextAt(msg, start) : null
    case TYPE.AAAA:
      return length === 16 ? ipv6TextAt(msg, start) : null
    case TYPE.CNAME:
    case TYPE.NS:
    case TYPE.PTR:
    case TYPE.DNAME:
      return nameIn(msg, start, end)
    case TYPE.MX: {
      if (length < 3) return null
      const target = nameIn(msg, start + 2, end)
      return target === null ? null : intern(`${(msg[start]! << 8) | msg[start + 1]!} ${target}`)
    }
    case TYPE.SRV: {
      // RFC 2782: priority, weight, port, target.
      if (length < 7) return null
      const target = nameIn(msg, start + 6, end)
      if (target === null) return null
      const u16 = (o: number) => (msg[o]! << 8) | msg[o + 1]!
      return intern(`${u16(start)} ${u16(start + 2)} ${u16(start + 4)} ${target}`)
    }
    case TYPE.SOA: {
      // Names inside RDATA must stay inside it.
      const mname = readNameInto(msg, start, nameRead, end)
      if (mname.error) return null
      const first = mname.text
      const rname = readNameInto(msg, mname.end, nameRead, end)
      return rname.error ? null : intern(`${first} ${rname.text}`)
    }
    case TYPE.TXT:
    case TYPE.HINFO:
      return characterStrings(msg, start, end)
    default:
      return null
  }
}

/** The name at `at`, which must lie before `end` (inside the RDATA); null when malformed. */
function nameIn(msg: Uint8Array, at: number, end: number): string | null {
  const n = readNameInto(msg, at, nameRead, end)
  return n.error ? null : n.text
}

/** Dotted IPv4 text of the 4 bytes at `start`, assembled in `scratch` (see scratchText: one shared
 * string per address, no string made for an address seen before; formatIpv4 makes one each time). */
export function ipv4TextAt(msg: Uint8Array, start: number): string {
  let n = 0
  for (let i = 0; i < 4; i++) {
    if (i > 0) scratch[n++] = 0x2e
    const b = msg[start + i]!
    if (b >= 100) scratch[n++] = 0x30 + ((b / 100) | 0)
    if (b >= 10) scratch[n++] = 0x30 + (((b / 10) | 0) % 10)
    scratch[n++] = 0x30 + (b % 10)
  }
  return scratchText(n)
}

/** First byte of a `cachedText` key made of an IPv6 address's 16 bytes. */
const IPV6_KEY = 0xfd

/**
 * RFC 5952 text of the 16 bytes at `start` (formatIpv6), interned, remembered by the bytes: the
 * same few addresses come back in AAAA response after response, and formatting one is eight
 * groups of hex text and a search for the longest run of zeros.
 */
function ipv6TextAt(msg: Uint8Array, start: number): string {
  scratch[0] = IPV6_KEY
  for (let i = 0; i < 16; i++) scratch[1 + i] = msg[start + i]!
  return cachedText(17, hashScratch(17)) ?? rememberText(17, intern(formatIpv6(msg, start)))
}

/** RFC 1035 §3.3 <character-string>s, each quoted, joined by spaces, capped. */
function characterStrings(msg: Uint8Array, start: number, end: number): string | null {
  const plain = plainCharacterStrings(msg, start, end)
  if (plain !== undefined) return plain
  // Binary strings (DNSCrypt certificates: the same few, fetched again and again): their text is
  // remembered by their bytes, as a key after 0xff (see cachedText).
  const n = end - start + 1
  if (n > scratch.length) return characterStringsSlow(msg, start, end)
  scratch[0] = 0xff
  scratch.set(msg.subarray(start, end), 1)
  const known = cachedText(n, hashScratch(n))
  if (known !== undefined) return known
  const text = characterStringsSlow(msg, start, end)
  return text === null ? null : rememberText(n, text)
}

/**
 * `characterStrings` when every byte shown is printable ASCII other than `\` and `"` (nothing to
 * escape): assembled in `scratch`, one string per distinct text. Undefined otherwise.
 */
function plainCharacterStrings(msg: Uint8Array, start: number, end: number): string | null | undefined {
  let n = 0
  let total = 0
  let parts = 0
  for (let p = start; p < end && total < MAX_DATA_CHARS; ) {
    const count = msg[p]!
    if (p + 1 + count > end) break
    const shown = Math.min(count, MAX_DATA_CHARS - total)
    if (parts++ > 0) scratch[n++] = 0x20
    scratch[n++] = 0x22
    for (let i = p + 1, stop = p + 1 + shown; i < stop; i++) {
      const b = msg[i]!
      if (b < 0x20 || b > 0x7e || b === 0x5c || b === 0x22) return undefined
      scratch[n++] = b
    }
    scratch[n++] = 0x22
    total += shown + 3
    p += 1 + count
  }
  if (n === 0) return parts === 0 && start < end ? null : ''
  return scratchText(n)
}

function characterStringsSlow(msg: Uint8Array, start: number, end: number): string | null {
  const parts: string[] = []
  let total = 0
  for (let p = start; p < end && total < MAX_DATA_CHARS; ) {
    const n = msg[p]!
    if (p + 1 + n > end) return parts.length ? intern(parts.join(' ')) : null
    const text = safeBytesText(msg, p + 1, p + 1 + n, MAX_DATA_CHARS - total).replace(/"/g, '\\"')
    parts.push(`"${text}"`)
    total += text.length + 3
    p += 1 + n
  }
  return intern(parts.join(' '))
}

/** EDNS Client Subnet option (code 8, RFC 7871 §6): family, source prefix, scope, address. */
function clientSubnetOf(msg: Uint8Array, start: number, end: number): string | null {
  for (let p = start; p + 4 <= end; ) {
    const code = (msg[p]! << 8) | msg[p + 1]!
    const length = (msg[p + 2]! << 8) | msg[p + 3]!
    const value = p + 4
    if (value + length > end) return null
    if (code === 8 && length >= 4) {
      const family = (msg[value]! << 8) | msg[value + 1]!
      const prefix = msg[value + 2]!
      const bytes = new Uint8Array(family === 2 ? 16 : 4)
      const have = Math.min(length - 4, bytes.length)
      bytes.set(msg.subarray(value + 4, value + 4 + have))
      if (family === 1 && prefix <= 32) return `${formatIpv4(bytes, 0)}/${prefix}`
      if (family === 2 && prefix <= 128) return `${formatIpv6(bytes, 0)}/${prefix}`
      return null
    }
    p = value + length
  }
  return null
}

/**
 * Whether `msg` is a DNS message beyond reasonable doubt, for flows on ports no DNS service is
 * registered on (DNSCrypt certificate lookups on 443, resolvers on odd ports): a standard query
 * or response (opcode 0) with exactly one question of class IN, CH or ANY, few records, every
 * record readable and nothing after the last one. When true, `scan` holds the message.
 */
export function isStrictDnsMessage(msg: Uint8Array): boolean {
  if (msg.length < DNS_HEADER_LENGTH + 5) return false
  // O(1) screen first: QDCOUNT = 1, opcode 0, Z bit clear, sane record counts.
  if (msg[4] !== 0 || msg[5] !== 1 || (msg[2]! & 0x78) !== 0 || (msg[3]! & 0x40) !== 0) return false
  if (msg[6]! > 0 || msg[8]! > 0 || msg[10]! > 0) return false
  const s = scan
  if (!scanDnsMessage(msg) || s.malformed !== null || s.trailing !== 0 || s.questionCount !== 1) return false
  const qclass = s.questionClass[0]!
  return (qclass === 1 || qclass === 3 || qclass === 255) && s.questionType[0] !== 0 && s.questionName[0] !== '.'
}
