/**
 * The Certificate handshake message of TLS ≤ 1.2 and DTLS (RFC 5246 §7.4.2, RFC 6347):
 * `opaque ASN.1Cert<1..2^24-1>; ASN.1Cert certificate_list<0..2^24-1>;`. TLS 1.3 sends it
 * encrypted, so only earlier versions reach this parser. Each certificate is read with node's
 * `crypto.X509Certificate`; expiry is judged at the capture time of the packet, never the wall
 * clock, so the same capture always gives the same facts.
 */
import {createHash, X509Certificate} from 'node:crypto'
import {intern} from '../../util/intern.js'
import {ByteReader, capText} from './byte-reader.js'
import {sharedStrings} from './shared-lists.js'

/** Most certificates kept from one message (real chains have 2-4). */
export const MAX_CHAIN = 8
/** Most subjectAltName entries kept per type (CDN certificates carry a few hundred). */
export const MAX_SAN = 512
/** Most relative distinguished names kept of a subject or issuer. */
const MAX_RDNS = 32

export interface CertificateFacts {
  /** Position in the chain (0 = the sender's own certificate). */
  index: number
  sizeBytes: number
  /** SHA-256 of the DER, colon-separated uppercase hex (as node and browsers show it). */
  fingerprint256: string
  /** False when node could not parse the DER; only size and fingerprint are known then. */
  parsed: boolean
  /** Subject RDNs in encoded order, `ATTR=value` each (e.g. `CN=*.zoom.us`). */
  subject?: string[]
  /** The last (most specific) CN of the subject. */
  subjectCN?: string
  issuer?: string[]
  issuerCN?: string
  sanDns?: string[]
  sanIp?: string[]
  /** rfc822Name entries (e-mail addresses), present only when the certificate has some: a
   * client certificate's e-mail SAN names its holder (CA-META-009). */
  sanEmail?: string[]
  /** Lowercase hex. */
  serial?: string
  /** ISO-8601 UTC. */
  validFrom?: string
  validTo?: string
  /** `rsa-2048`, `ec-prime256v1`, `ed25519`... */
  publicKey?: string
  isCA?: boolean
  /** Subject equals issuer and the signature verifies with the certificate's own key. */
  selfSigned?: boolean
  /** validTo is before the capture time of the message. */
  expired?: boolean
  /** validFrom is after the capture time of the message. */
  notYetValid?: boolean
}

export interface CertificateChain {
  certificates: CertificateFacts[]
  /** The list was longer than MAX_CHAIN or cut by the end of the data. */
  truncated: boolean
}

/**
 * Parse a Certificate message body. `atMs` is the capture time (ms since the epoch) of the packet
 * that completed it. A body cut short (capture cap) still yields the certificates that are whole,
 * with `truncated` set.
 */
export function parseCertificateMessage(body: Uint8Array, atMs: number): CertificateChain | undefined {
  const r = new ByteReader(body)
  const listLength = r.u24()
  if (r.failed) return undefined
  const end = Math.min(r.end, r.pos + listLength)
  const chain: CertificateChain = {certificates: [], truncated: r.pos + listLength > r.end}
  while (r.pos + 3 <= end) {
    const length = r.u24()
    if (length === 0 || r.pos + length > end) {
      chain.truncated = true
      break
    }
    const der = r.take(length)
    if (chain.certificates.length >= MAX_CHAIN) {
      chain.truncated = true
      break
    }
    chain.certificates.push(certificateFacts(der, chain.certificates.length, atMs))
  }
  chain.certificates = chain.certificates.slice() // exact size: kept in the facts
  return chain
}

/** What a certificate says whatever the capture time: everything but index and expiry. */
type ParsedCertificate = Omit<CertificateFacts, 'index' | 'expired' | 'notYetValid'> & {
  validFromMs?: number
  validToMs?: number
}

/**
 * Certificates parsed recently. The same server and CA certificates come back flow after flow,
 * and node parses one in ~0.3 ms (more than all the rest of a handshake). Entries are found by
 * length and a 32-bit FNV-1a hash of the DER, then confirmed by comparing the bytes, so a hit is
 * exact. The parsed facts are a pure function of the DER, so the cache never changes an output;
 * it is bounded (least recently used dropped first; large enough for the few hundred distinct
 * certificates of a busy capture; certificates above MAX_CACHED_DER are not kept). Cached lists
 * are shared between flows: read-only.
 */
const CACHE = new Map<string, CacheEntry>()

interface CacheEntry {
  der: Uint8Array
  parsed: ParsedCertificate
  /** The facts handed out, by position in the chain and expiry at the capture time (factsKey):
   * a certificate seen in many flows is one object for all of them (frozen: read-only). */
  facts: Map<number, CertificateFacts>
}

/** The facts of a certificate differ only by these three. */
function factsKey(index: number, expired: boolean, notYetValid: boolean): number {
  return index * 4 + (expired ? 2 : 0) + (notYetValid ? 1 : 0)
}
const MAX_CACHED = 1024
const MAX_CACHED_DER = 8192

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193)
  return h >>> 0
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** Facts of one DER certificate; expiry judged at `atMs` (the capture time of the message). */
export function certificateFacts(der: Uint8Array, index: number, atMs: number): CertificateFacts {
  const key = `${der.length}:${fnv1a(der)}`
  let entry = CACHE.get(key)
  if (entry && sameBytes(entry.der, der)) {
    CACHE.delete(key)
    CACHE.set(key, entry)
  } else {
    entry = {der, parsed: parseCertificate(der, colonHex(createHash('sha256').update(der).digest())), facts: new Map()}
    if (der.length <= MAX_CACHED_DER) {
      entry.der = der.slice()
      CACHE.delete(key)
      CACHE.set(key, entry)
      if (CACHE.size > MAX_CACHED) CACHE.delete(CACHE.keys().next().value!)
    }
  }
  const parsed = entry.parsed
  const expired = parsed.parsed && parsed.validToMs !== undefined && atMs > parsed.validToMs
  const notYetValid = parsed.parsed && parsed.validFromMs !== undefined && atMs < parsed.validFromMs
  const variant = factsKey(index, expired, notYetValid)
  let facts = entry.facts.get(variant)
  if (facts === undefined) {
    facts = Object.freeze(buildFacts(parsed, index, expired, notYetValid))
    entry.facts.set(variant, facts)
  }
  return facts
}

function buildFacts(parsed: ParsedCertificate, index: number, expired: boolean, notYetValid: boolean): CertificateFacts {
  const facts: CertificateFacts = {index, sizeBytes: parsed.sizeBytes, fingerprint256: parsed.fingerprint256, parsed: parsed.parsed}
  if (!parsed.parsed) return facts
  // Fixed key order, optional names only when present.
  facts.subject = parsed.subject
  if (parsed.subjectCN !== undefined) facts.subjectCN = parsed.subjectCN
  facts.issuer = parsed.issuer
  if (parsed.issuerCN !== undefined) facts.issuerCN = parsed.issuerCN
  facts.sanDns = parsed.sanDns
  facts.sanIp = parsed.sanIp
  if (parsed.sanEmail !== undefined) facts.sanEmail = parsed.sanEmail
  facts.serial = parsed.serial
  facts.validFrom = parsed.validFrom
  facts.validTo = parsed.validTo
  if (parsed.publicKey !== undefined) facts.publicKey = parsed.publicKey
  facts.isCA = parsed.isCA
  facts.selfSigned = parsed.selfSigned
  facts.expired = expired
  facts.notYetValid = notYetValid
  return facts
}

function parseCertificate(der: Uint8Array, fingerprint256: string): ParsedCertificate {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(der)
  } catch {
    return {sizeBytes: der.length, fingerprint256, parsed: false}
  }
  const subjectText = cert.subject
  const issuerText = cert.issuer
  const san = parseSubjectAltName(cert.subjectAltName)
  const validFromMs = parseX509Date(cert.validFrom)
  const validToMs = parseX509Date(cert.validTo)
  // Lists shared and text interned: CAs, organisations and key types recur in many
  // certificates, and the same certificate is parsed again when it left the cache.
  return {
    sizeBytes: der.length,
    fingerprint256,
    parsed: true,
    subject: sharedStrings(rdnLines(subjectText).map(intern)),
    subjectCN: internOrUndefined(lastCN(subjectText)),
    issuer: sharedStrings(rdnLines(issuerText).map(intern)),
    issuerCN: internOrUndefined(lastCN(issuerText)),
    sanDns: sharedStrings(san.dns.map(intern)),
    sanIp: sharedStrings(san.ip.map(intern)),
    ...(san.email.length ? {sanEmail: sharedStrings(san.email.map(intern))} : {}),
    serial: cert.serialNumber.toLowerCase(),
    validFrom: intern(validFromMs === undefined ? capText(cert.validFrom) : isoSeconds(validFromMs)),
    validTo: intern(validToMs === undefined ? capText(cert.validTo) : isoSeconds(validToMs)),
    publicKey: internOrUndefined(publicKeyText(cert)),
    isCA: cert.ca,
    selfSigned: isSelfSigned(cert),
    ...(validFromMs !== undefined ? {validFromMs} : {}),
    ...(validToMs !== undefined ? {validToMs} : {}),
  }
}

function internOrUndefined(text: string | undefined): string | undefined {
  return text === undefined ? undefined : intern(text)
}

function colonHex(bytes: Uint8Array): string {
  const parts: string[] = []
  for (const b of bytes) parts.push(b.toString(16).toUpperCase().padStart(2, '0'))
  return parts.join(':')
}

/** Node prints a distinguished name one RDN per line, in encoded order. */
function rdnLines(text: string): string[] {
  if (!text) return []
  return text
    .split('\n')
    .slice(0, MAX_RDNS)
    .map((line) => capText(line))
}

/** The last CN of a distinguished name as node prints it (one RDN per line), uncapped list. */
function lastCN(text: string): string | undefined {
  const at = text.lastIndexOf('CN=')
  if (at < 0) return undefined
  if (at !== 0 && text[at - 1] !== '\n') {
    // "CN=" inside a value: fall back to a line scan.
    const lines = text.split('\n')
    for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.startsWith('CN=')) return capText(lines[i]!.slice(3))
    return undefined
  }
  const end = text.indexOf('\n', at)
  return capText(text.slice(at + 3, end < 0 ? text.length : end))
}

/**
 * Node's subjectAltName text: `DNS:a.example, IP Address:192.0.2.1, URI:...`, entries separated by
 * ", ", a value JSON-quoted when it holds a separator or a special character.
 */
export function parseSubjectAltName(text: string | undefined): {dns: string[]; ip: string[]; email: string[]} {
  const dns: string[] = []
  const ip: string[] = []
  const email: string[] = []
  if (!text) return {dns, ip, email}
  let i = 0
  while (i < text.length) {
    const colon = text.indexOf(':', i)
    if (colon < 0) break
    const type = text.slice(i, colon)
    let value: string
    let next: number
    if (text[colon + 1] === '"') {
      // A JSON string: find its closing quote, skipping escaped characters.
      let j = colon + 2
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      try {
        value = JSON.parse(text.slice(colon + 1, j + 1)) as string
      } catch {
        value = text.slice(colon + 2, j)
      }
      next = text.indexOf(', ', j)
    } else {
      next = text.indexOf(', ', colon)
      value = text.slice(colon + 1, next < 0 ? text.length : next)
    }
    if (type === 'DNS' && dns.length < MAX_SAN) dns.push(capText(value))
    else if (type === 'IP Address' && ip.length < MAX_SAN) ip.push(capText(value))
    else if (type === 'email' && email.length < MAX_SAN) email.push(capText(value))
    if (next < 0) break
    i = next + 2
  }
  return {dns, ip, email}
}

const MONTHS: Record<string, number> = {Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11}

/** OpenSSL's `Sep 12 18:16:45 2019 GMT` (day padded with a space) → ms since the epoch. */
export function parseX509Date(text: string): number | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text)
  if (!m) return undefined
  const month = MONTHS[m[1]!]
  if (month === undefined) return undefined
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]))
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

function publicKeyText(cert: X509Certificate): string | undefined {
  try {
    const key = cert.publicKey
    const type = key.asymmetricKeyType ?? 'unknown'
    const details = key.asymmetricKeyDetails
    if (details?.modulusLength) return `${type}-${details.modulusLength}`
    if (details?.namedCurve) return `${type}-${details.namedCurve}`
    return type
  } catch {
    return undefined
  }
}

function isSelfSigned(cert: X509Certificate): boolean {
  if (cert.subject !== cert.issuer) return false
  try {
    return cert.verify(cert.publicKey)
  } catch {
    return false
  }
}
