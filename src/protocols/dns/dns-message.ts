/**
 * DNS messages (RFC 1035 §4.1), also used by mDNS (RFC 6762 §18) and LLMNR (RFC 4795 §2.1),
 * which share the wire format. A pure function over one message's bytes: it never throws and
 * reads every length before the bytes it covers; what cannot be read ends the parse with
 * `malformed` set, keeping what came before (as a dissector does).
 *
 * Header (§4.1.1): ID (2), flags (2: QR, Opcode 4 bits, AA, TC, RD, RA, Z, AD, CD, RCODE 4 bits),
 * QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (2 each). Question (§4.1.2): QNAME, QTYPE, QCLASS.
 * Resource record (§4.1.3): NAME, TYPE, CLASS, TTL (4), RDLENGTH (2), RDATA.
 */
import {formatIpv4, formatIpv6} from '../../util/ip-text.js'
import {readName, safeBytesText} from './dns-name.js'
import {parseSvcb, type SvcbInfo, svcbText} from './svcb.js'

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
  return TYPE_NAMES[type] ?? `TYPE${type}`
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE']

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

/** Parse one DNS message; null if shorter than a header. */
export function parseDnsMessage(msg: Uint8Array): DnsMessage | null {
  if (msg.length < DNS_HEADER_LENGTH) return null
  const flagsWord = (msg[2]! << 8) | msg[3]!
  const counts = {
    questions: (msg[4]! << 8) | msg[5]!,
    answers: (msg[6]! << 8) | msg[7]!,
    authority: (msg[8]! << 8) | msg[9]!,
    additional: (msg[10]! << 8) | msg[11]!,
  }
  const flags: string[] = []
  if (flagsWord & 0x0400) flags.push('AA')
  if (flagsWord & 0x0200) flags.push('TC')
  if (flagsWord & 0x0100) flags.push('RD')
  if (flagsWord & 0x0080) flags.push('RA')
  if (flagsWord & 0x0020) flags.push('AD')
  if (flagsWord & 0x0010) flags.push('CD')
  const message: DnsMessage = {
    id: (msg[0]! << 8) | msg[1]!,
    response: (flagsWord & 0x8000) !== 0,
    opcode: (flagsWord >> 11) & 0xf,
    flags,
    rcode: flagsWord & 0xf,
    counts,
    questions: [],
    records: [],
    dropped: 0,
    clientSubnet: null,
    malformed: null,
    trailing: 0,
  }
  let pos = DNS_HEADER_LENGTH
  for (let i = 0; i < counts.questions; i++) {
    // A question is kept only when read whole: a partial name would claim a query never made.
    const name = readName(msg, pos)
    if (name.end + 4 > msg.length || (name.error !== null && name.error !== 'name too long')) {
      message.malformed = `question ${i + 1}: ${name.error ?? 'truncated'}`
      return message
    }
    if (name.error) message.malformed ??= `question ${i + 1}: ${name.error}`
    keepQuestion(message, name.text, msg, name.end)
    pos = name.end + 4
  }
  let index = 0
  for (let s = 0; s < 3; s++) {
    const section = SECTIONS[s]!
    const count = s === 0 ? counts.answers : s === 1 ? counts.authority : counts.additional
    for (let i = 0; i < count; i++, index++) {
      const name = readName(msg, pos)
      if (name.error) {
        message.malformed ??= `${section} record ${i + 1}: ${name.error}`
        if (name.error !== 'name too long') return message
      }
      const fixed = name.end
      if (fixed + 10 > msg.length) {
        message.malformed = `${section} record ${i + 1}: truncated`
        return message
      }
      const type = (msg[fixed]! << 8) | msg[fixed + 1]!
      const klass = (msg[fixed + 2]! << 8) | msg[fixed + 3]!
      const ttl = ((msg[fixed + 4]! << 24) | (msg[fixed + 5]! << 16) | (msg[fixed + 6]! << 8) | msg[fixed + 7]!) >>> 0
      const rdLength = (msg[fixed + 8]! << 8) | msg[fixed + 9]!
      const rdata = fixed + 10
      if (rdata + rdLength > msg.length) {
        message.malformed = `${section} record ${i + 1}: data truncated`
        return message
      }
      if (type === TYPE.OPT) {
        // EDNS(0) pseudo-record (RFC 6891 §6.1.2): not data, but its options may leak.
        const subnet = clientSubnetOf(msg, rdata, rdata + rdLength)
        if (subnet) message.clientSubnet = subnet
      } else if (message.records.length < MAX_RECORDS) {
        const record: DnsRecord = {section, name: name.text, type, class: klass & 0x7fff, ttl, data: recordData(msg, type, rdata, rdLength), rdataStart: rdata, rdataLength: rdLength}
        if (type === TYPE.SVCB || type === TYPE.HTTPS) {
          const svcb = parseSvcb(msg, rdata, rdata + rdLength)
          if (svcb) {
            record.svcb = svcb
            record.data = svcbText(svcb)
          }
        }
        message.records.push(record)
      } else {
        message.dropped++
      }
      pos = rdata + rdLength
    }
  }
  message.trailing = msg.length - pos
  return message
}

/** Keep a question whose QTYPE and QCLASS at `at` are known to be in bounds. */
function keepQuestion(message: DnsMessage, name: string, msg: Uint8Array, at: number): void {
  if (message.questions.length >= MAX_QUESTIONS) {
    message.dropped++
    return
  }
  message.questions.push({name, type: (msg[at]! << 8) | msg[at + 1]!, class: ((msg[at + 2]! << 8) | msg[at + 3]!) & 0x7fff})
}

/** Text of record data for the types worth showing; null otherwise or when malformed. */
function recordData(msg: Uint8Array, type: number, start: number, length: number): string | null {
  const end = start + length
  // Names inside RDATA must stay inside it: read them from a view cut at its end.
  const bounded = msg.subarray(0, end)
  const nameAt = (at: number): string | null => {
    const n = readName(bounded, at)
    return n.error ? null : n.text
  }
  switch (type) {
    case TYPE.A:
      return length === 4 ? formatIpv4(msg, start) : null
    case TYPE.AAAA:
      return length === 16 ? formatIpv6(msg, start) : null
    case TYPE.CNAME:
    case TYPE.NS:
    case TYPE.PTR:
    case TYPE.DNAME:
      return nameAt(start)
    case TYPE.MX: {
      if (length < 3) return null
      const target = nameAt(start + 2)
      return target === null ? null : `${(msg[start]! << 8) | msg[start + 1]!} ${target}`
    }
    case TYPE.SRV: {
      // RFC 2782: priority, weight, port, target.
      if (length < 7) return null
      const target = nameAt(start + 6)
      if (target === null) return null
      const u16 = (o: number) => (msg[o]! << 8) | msg[o + 1]!
      return `${u16(start)} ${u16(start + 2)} ${u16(start + 4)} ${target}`
    }
    case TYPE.SOA: {
      const mname = readName(bounded, start)
      if (mname.error) return null
      const rname = readName(bounded, mname.end)
      return rname.error ? null : `${mname.text} ${rname.text}`
    }
    case TYPE.TXT:
    case TYPE.HINFO:
      return characterStrings(msg, start, end)
    default:
      return null
  }
}

/** RFC 1035 §3.3 <character-string>s, each quoted, joined by spaces, capped. */
function characterStrings(msg: Uint8Array, start: number, end: number): string | null {
  const parts: string[] = []
  let total = 0
  for (let p = start; p < end && total < MAX_DATA_CHARS; ) {
    const n = msg[p]!
    if (p + 1 + n > end) return parts.length ? parts.join(' ') : null
    const text = safeBytesText(msg, p + 1, p + 1 + n, MAX_DATA_CHARS - total).replace(/"/g, '\\"')
    parts.push(`"${text}"`)
    total += text.length + 3
    p += 1 + n
  }
  return parts.join(' ')
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
 * record readable and nothing after the last one.
 */
export function isStrictDnsMessage(msg: Uint8Array): boolean {
  if (msg.length < DNS_HEADER_LENGTH + 5) return false
  // O(1) screen first: QDCOUNT = 1, opcode 0, Z bit clear, sane record counts.
  if (msg[4] !== 0 || msg[5] !== 1 || (msg[2]! & 0x78) !== 0 || (msg[3]! & 0x40) !== 0) return false
  if (msg[6]! > 0 || msg[8]! > 0 || msg[10]! > 0) return false
  const parsed = parseDnsMessage(msg)
  if (!parsed || parsed.malformed !== null || parsed.trailing !== 0 || parsed.questions.length !== 1) return false
  const q = parsed.questions[0]!
  return (q.class === 1 || q.class === 3 || q.class === 255) && q.type !== 0 && q.name !== '.'
}
