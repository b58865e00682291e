/**
 * The facts TLS, QUIC and DTLS report about a handshake, built from the parsed messages, and the
 * `describe()` lines for them. Key order is fixed by construction; lists keep wire order (which is
 * itself evidence: it is what fingerprints hash), with GREASE values removed.
 */
import type {Evidence} from '../analyzer.js'
import type {CertificateChain, CertificateFacts} from './certificate.js'
import type {ParsedClientHello} from './client-hello.js'
import {type HelloTransport, ja3, ja3s, ja4} from './fingerprint.js'
import type {ParsedServerHello} from './server-hello.js'
import {sharedNumbers, sharedStrings} from './shared-lists.js'
import {intern} from '../../util/intern.js'
import {
  alertDescriptionName,
  cipherSuiteName,
  groupName,
  highestVersion,
  isGrease,
  isNullSrtpProfile,
  isObsoleteVersion,
  isPostQuantumGroup,
  srtpProfileName,
  versionName,
  type WeakCipherClass,
  weakCipherClasses,
} from './tls-registry.js'

/** Most items of a list kept in the facts (the fingerprints are computed on the whole lists). */
export const MAX_FACT_LIST = 256

export interface ClientHelloFacts {
  evidence: Evidence
  /** server_name host name, absent when the client sent none. */
  sni?: string
  alpn: string[]
  legacyVersion: string
  /** supported_versions entries (TLS 1.3 clients), GREASE removed. */
  supportedVersions: string[]
  /** The highest version offered (supported_versions, else the legacy version). */
  maxVersion: string
  /** Even the highest version offered is below TLS 1.2 / DTLS 1.2. */
  obsoleteMaxVersion: boolean
  /** Offered cipher suites (GREASE removed), wire order; the first MAX_FACT_LIST only. */
  cipherSuites: number[]
  /** How many suites were offered (GREASE removed). */
  cipherSuiteCount: number
  /** Names of the offered suites that are NULL, EXPORT, RC4, DES/3DES or anonymous. */
  weakCipherSuites: string[]
  compressionMethods: number[]
  /** Extension types (GREASE removed), wire order. */
  extensions: number[]
  /** The client sent GREASE values (RFC 8701). */
  grease: boolean
  supportedGroups: string[]
  keyShareGroups: string[]
  /** A key share uses a post-quantum or hybrid group (e.g. X25519MLKEM768). */
  postQuantumKeyShare: boolean
  signatureAlgorithms: number[]
  pskModes: number[]
  /** encrypted_client_hello offered: the SNI above is then the outer (public) name. */
  ech: boolean
  /** Legacy encrypted_server_name offered. */
  esni: boolean
  quicTransportParameters: boolean
  /** use_srtp protection profiles offered (DTLS-SRTP). */
  srtpProfiles?: string[]
  /** Offered profiles that leave media unencrypted (SRTP_NULL_*). */
  nullSrtpProfiles?: string[]
  ja3: string
  ja3Hash: string
  ja4: string
  ja4Raw: string
  /** The message was cut (lost segment, capture cap): the lists may be incomplete. */
  truncated?: true
}

export interface ServerHelloFacts {
  evidence: Evidence
  /** The negotiated version: supported_versions when present (TLS 1.3), else the legacy version. */
  version: string
  legacyVersion: string
  /** The negotiated version is below TLS 1.2 / DTLS 1.2. */
  obsoleteVersion: boolean
  cipherSuite: string
  cipherSuiteId: number
  /** Why the chosen suite is weak; empty when it is not. */
  weakCipher: WeakCipherClass[]
  compressionMethod: number
  alpn?: string
  keyShareGroup?: string
  srtpProfile?: string
  /** The selected SRTP profile leaves media unencrypted. */
  nullSrtpProfile?: boolean
  helloRetryRequest: boolean
  extensions: number[]
  ja3s: string
  ja3sHash: string
  truncated?: true
}

export interface CertificateMessageFacts {
  evidence: Evidence
  sentBy: 'server' | 'client'
  chain: CertificateFacts[]
  truncated?: true
}

/** An alert sent in clear (before encryption starts): RFC 8446 §6. */
export interface AlertFacts {
  evidence: Evidence
  sentBy: 'client' | 'server'
  /** `warning` (1), `fatal` (2), or the number when neither. */
  level: 'warning' | 'fatal' | number
  description: string
}

export function alertFacts(level: number, description: number, sentBy: 'client' | 'server', evidence: Evidence): AlertFacts {
  return {evidence, sentBy, level: level === 1 ? 'warning' : level === 2 ? 'fatal' : level, description: alertDescriptionName(description)}
}

function names(values: readonly number[], name: (v: number) => string): string[] {
  const out: string[] = []
  for (const v of values) if (!isGrease(v)) out.push(name(v))
  return out
}

function withoutGrease(values: readonly number[], max: number): number[] {
  const out: number[] = []
  for (const v of values) if (!isGrease(v) && out.length < max) out.push(v)
  return out
}

/** What a ClientHello's facts say apart from where it was seen, its SNI and whether it was cut. */
type HelloTemplate = Omit<ClientHelloFacts, 'evidence' | 'sni' | 'truncated'>

/**
 * Templates of the hellos seen, by hello content (helloKey). The same client sends the same
 * hello, SNI apart, connection after connection: the lists, names and fingerprints are built
 * once and shared (lists frozen, strings interned) by every hello with that content. Bounded
 * (emptied when full); a template is a pure function of its key, so the cache never changes a
 * result.
 */
let templates = new Map<string, HelloTemplate>()
const MAX_TEMPLATES = 4096

/** The key being built (helloKey): character codes, turned into one string at the end. */
const keyCodes: number[] = []

/** The list's length, then its 16-bit items: a list cannot run into the next. */
function addList(list: readonly number[]): void {
  keyCodes.push(list.length)
  for (let i = 0; i < list.length; i++) keyCodes.push(list[i]!)
}

/** addList of the list without its GREASE values (where they go is random per connection). */
function addListWithoutGrease(list: readonly number[]): void {
  const at = keyCodes.length
  keyCodes.push(0)
  for (let i = 0; i < list.length; i++) if (!isGrease(list[i]!)) keyCodes.push(list[i]!)
  keyCodes[at] = keyCodes.length - at - 1
}

function hasGrease(list: readonly number[]): boolean {
  for (let i = 0; i < list.length; i++) if (isGrease(list[i]!)) return true
  return false
}

/** The codes as one string, a slice at a time (each becomes a call argument). */
function keyText(): string {
  // Nearly every key fits in one call: no slice copied then.
  if (keyCodes.length <= 4096) return String.fromCharCode.apply(null, keyCodes)
  let text = ''
  for (let at = 0; at < keyCodes.length; at += 4096) text += String.fromCharCode.apply(null, keyCodes.slice(at, at + 4096))
  return text
}

/**
 * Everything of a parsed ClientHello that its facts (but for evidence, SNI and `truncated`) are
 * computed from, as one string: the transport, the 16-bit code point lists (MAX_LIST items at
 * most, so every length fits in a character), the flags, the first ALPN name's bytes and the
 * ALPN names, each prefixed by its length. The facts and fingerprints leave GREASE values out
 * of the lists where the key does, and only tell whether the client sent any (the `grease`
 * flag bit), so hellos that differ only in their random GREASE values share a template.
 */
function helloKey(hello: ParsedClientHello, transport: HelloTransport): string {
  const grease = hasGrease(hello.cipherSuites) || hasGrease(hello.extensions) || hasGrease(hello.supportedGroups) || hasGrease(hello.supportedVersions)
  const flags =
    (hello.ech ? 1 : 0) | (hello.esni ? 2 : 0) | (hello.quicTransportParameters ? 4 : 0) | (hello.srtpProfiles ? 8 : 0) | (hello.firstAlpnBytes ? 16 : 0) | (grease ? 32 : 0)
  keyCodes.length = 0
  keyCodes.push(transport === 'tls' ? 0 : transport === 'quic' ? 1 : 2, hello.legacyVersion, flags)
  addListWithoutGrease(hello.cipherSuites)
  addList(hello.compressionMethods)
  addListWithoutGrease(hello.extensions)
  addListWithoutGrease(hello.supportedGroups)
  addList(hello.ecPointFormats)
  addListWithoutGrease(hello.signatureAlgorithms)
  addListWithoutGrease(hello.supportedVersions)
  addListWithoutGrease(hello.keyShareGroups)
  addList(hello.pskModes)
  addList(hello.srtpProfiles ?? [])
  const alpnBytes = hello.firstAlpnBytes
  if (alpnBytes) {
    keyCodes.push(alpnBytes.length)
    for (let i = 0; i < alpnBytes.length; i++) keyCodes.push(alpnBytes[i]!)
  }
  keyCodes.push(hello.alpn.length)
  for (const name of hello.alpn) {
    keyCodes.push(name.length)
    for (let i = 0; i < name.length; i++) keyCodes.push(name.charCodeAt(i))
  }
  return keyText()
}

export function clientHelloFacts(hello: ParsedClientHello, transport: HelloTransport, evidence: Evidence): ClientHelloFacts {
  const key = helloKey(hello, transport)
  let t = templates.get(key)
  if (t === undefined) {
    if (templates.size >= MAX_TEMPLATES) templates = new Map()
    t = helloTemplate(hello, transport)
    templates.set(key, t)
  }
  // interned: a client names the same few servers in connection after connection.
  const sni = hello.sni !== undefined ? intern(hello.sni) : undefined
  if (!t.srtpProfiles) {
    // The usual hello (no use_srtp) as one literal, which V8 makes from a boilerplate at once
    // instead of adding 25 properties one by one. Same keys in the same order as below.
    const facts: ClientHelloFacts =
      sni !== undefined
        ? {evidence, sni, alpn: t.alpn, legacyVersion: t.legacyVersion, supportedVersions: t.supportedVersions, maxVersion: t.maxVersion,
            obsoleteMaxVersion: t.obsoleteMaxVersion, cipherSuites: t.cipherSuites, cipherSuiteCount: t.cipherSuiteCount, weakCipherSuites: t.weakCipherSuites,
            compressionMethods: t.compressionMethods, extensions: t.extensions, grease: t.grease, supportedGroups: t.supportedGroups, keyShareGroups: t.keyShareGroups,
            postQuantumKeyShare: t.postQuantumKeyShare, signatureAlgorithms: t.signatureAlgorithms, pskModes: t.pskModes, ech: t.ech, esni: t.esni,
            quicTransportParameters: t.quicTransportParameters, ja3: t.ja3, ja3Hash: t.ja3Hash, ja4: t.ja4, ja4Raw: t.ja4Raw}
        : {evidence, alpn: t.alpn, legacyVersion: t.legacyVersion, supportedVersions: t.supportedVersions, maxVersion: t.maxVersion,
            obsoleteMaxVersion: t.obsoleteMaxVersion, cipherSuites: t.cipherSuites, cipherSuiteCount: t.cipherSuiteCount, weakCipherSuites: t.weakCipherSuites,
            compressionMethods: t.compressionMethods, extensions: t.extensions, grease: t.grease, supportedGroups: t.supportedGroups, keyShareGroups: t.keyShareGroups,
            postQuantumKeyShare: t.postQuantumKeyShare, signatureAlgorithms: t.signatureAlgorithms, pskModes: t.pskModes, ech: t.ech, esni: t.esni,
            quicTransportParameters: t.quicTransportParameters, ja3: t.ja3, ja3Hash: t.ja3Hash, ja4: t.ja4, ja4Raw: t.ja4Raw}
    if (hello.truncated) facts.truncated = true
    return facts
  }
  // Built in the documented key order; optional keys only when they apply.
  const facts = {evidence} as ClientHelloFacts
  if (sni !== undefined) facts.sni = sni
  facts.alpn = t.alpn
  facts.legacyVersion = t.legacyVersion
  facts.supportedVersions = t.supportedVersions
  facts.maxVersion = t.maxVersion
  facts.obsoleteMaxVersion = t.obsoleteMaxVersion
  facts.cipherSuites = t.cipherSuites
  facts.cipherSuiteCount = t.cipherSuiteCount
  facts.weakCipherSuites = t.weakCipherSuites
  facts.compressionMethods = t.compressionMethods
  facts.extensions = t.extensions
  facts.grease = t.grease
  facts.supportedGroups = t.supportedGroups
  facts.keyShareGroups = t.keyShareGroups
  facts.postQuantumKeyShare = t.postQuantumKeyShare
  facts.signatureAlgorithms = t.signatureAlgorithms
  facts.pskModes = t.pskModes
  facts.ech = t.ech
  facts.esni = t.esni
  facts.quicTransportParameters = t.quicTransportParameters
  if (t.srtpProfiles) {
    facts.srtpProfiles = t.srtpProfiles
    facts.nullSrtpProfiles = t.nullSrtpProfiles
  }
  facts.ja3 = t.ja3
  facts.ja3Hash = t.ja3Hash
  facts.ja4 = t.ja4
  facts.ja4Raw = t.ja4Raw
  if (hello.truncated) facts.truncated = true
  return facts
}

function helloTemplate(hello: ParsedClientHello, transport: HelloTransport): HelloTemplate {
  const versions = withoutGrease(hello.supportedVersions, MAX_FACT_LIST)
  const max = highestVersion(versions) ?? hello.legacyVersion
  let cipherCount = 0
  const ciphers: number[] = []
  const weak: string[] = []
  let grease = false
  for (const c of hello.cipherSuites) {
    if (isGrease(c)) {
      grease = true
      continue
    }
    cipherCount++
    if (ciphers.length < MAX_FACT_LIST) ciphers.push(c)
    if (weak.length < MAX_FACT_LIST && weakCipherClasses(c).length > 0) weak.push(cipherSuiteName(c))
  }
  grease ||= hello.extensions.some(isGrease) || hello.supportedGroups.some(isGrease) || hello.supportedVersions.some(isGrease)
  const j3 = ja3(hello)
  const j4 = ja4(hello, transport)
  const t = {} as HelloTemplate
  t.alpn = sharedStrings(hello.alpn.map(intern))
  t.legacyVersion = versionName(hello.legacyVersion)
  t.supportedVersions = sharedStrings(versions.map(versionName))
  t.maxVersion = versionName(max)
  t.obsoleteMaxVersion = isObsoleteVersion(max)
  t.cipherSuites = sharedNumbers(ciphers)
  t.cipherSuiteCount = cipherCount
  t.weakCipherSuites = sharedStrings(weak)
  t.compressionMethods = sharedNumbers(hello.compressionMethods)
  t.extensions = sharedNumbers(withoutGrease(hello.extensions, MAX_FACT_LIST))
  t.grease = grease
  t.supportedGroups = sharedStrings(names(hello.supportedGroups, groupName).slice(0, MAX_FACT_LIST).map(intern))
  t.keyShareGroups = sharedStrings(names(hello.keyShareGroups, groupName).map(intern))
  t.postQuantumKeyShare = hello.keyShareGroups.some(isPostQuantumGroup)
  t.signatureAlgorithms = sharedNumbers(withoutGrease(hello.signatureAlgorithms, MAX_FACT_LIST))
  t.pskModes = sharedNumbers(hello.pskModes)
  t.ech = hello.ech
  t.esni = hello.esni
  t.quicTransportParameters = hello.quicTransportParameters
  if (hello.srtpProfiles) {
    t.srtpProfiles = sharedStrings(hello.srtpProfiles.map(srtpProfileName).map(intern))
    t.nullSrtpProfiles = sharedStrings(hello.srtpProfiles.filter(isNullSrtpProfile).map(srtpProfileName).map(intern))
  }
  t.ja3 = intern(j3.text)
  t.ja3Hash = intern(j3.hash)
  t.ja4 = intern(j4.ja4)
  t.ja4Raw = intern(j4.raw)
  return t
}

/** What a ServerHello's facts say apart from where it was seen and whether it was cut. */
type ServerHelloTemplate = Omit<ServerHelloFacts, 'evidence' | 'truncated'>

/**
 * Templates of the ServerHellos seen, by content (serverHelloKey): a server answers its clients
 * the same way connection after connection (same version, suite, extensions), so the names and
 * the JA3S text and hash (an MD5 per hello otherwise) are made once per server configuration.
 * Bounded (emptied when full); a template is a pure function of its key.
 */
let serverTemplates = new Map<string, ServerHelloTemplate>()
const MAX_SERVER_TEMPLATES = 4096

/**
 * Everything serverHelloFacts reads of a parsed ServerHello but `truncated`, as one string of
 * 16-bit codes: the fixed fields, presence flags, the extension list (length first) and the
 * ALPN name (length first, its UTF-16 codes). Every part is length-prefixed or of fixed size,
 * so two different hellos cannot give the same key.
 */
function serverHelloKey(hello: ParsedServerHello): string {
  keyCodes.length = 0
  const flags =
    (hello.selectedVersion !== undefined ? 1 : 0) | (hello.keyShareGroup !== undefined ? 2 : 0) | (hello.srtpProfile !== undefined ? 4 : 0) |
    (hello.alpn !== undefined ? 8 : 0) | (hello.helloRetryRequest ? 16 : 0)
  keyCodes.push(flags, hello.legacyVersion, hello.selectedVersion ?? 0, hello.cipherSuite, hello.compressionMethod, hello.keyShareGroup ?? 0, hello.srtpProfile ?? 0)
  addList(hello.extensions)
  const alpn = hello.alpn
  if (alpn !== undefined) {
    keyCodes.push(alpn.length & 0xffff)
    for (let i = 0; i < alpn.length; i++) keyCodes.push(alpn.charCodeAt(i))
  }
  return keyText()
}

function serverHelloTemplate(hello: ParsedServerHello): ServerHelloTemplate {
  const version = hello.selectedVersion ?? hello.legacyVersion
  const j3s = ja3s(hello)
  // Interned and shared: servers answer the same way connection after connection.
  return {
    version: versionName(version),
    legacyVersion: versionName(hello.legacyVersion),
    obsoleteVersion: isObsoleteVersion(version),
    cipherSuite: cipherSuiteName(hello.cipherSuite),
    cipherSuiteId: hello.cipherSuite,
    weakCipher: weakCipherClasses(hello.cipherSuite),
    compressionMethod: hello.compressionMethod,
    ...(hello.alpn !== undefined ? {alpn: intern(hello.alpn)} : {}),
    ...(hello.keyShareGroup !== undefined ? {keyShareGroup: groupName(hello.keyShareGroup)} : {}),
    ...(hello.srtpProfile !== undefined
      ? {srtpProfile: srtpProfileName(hello.srtpProfile), nullSrtpProfile: isNullSrtpProfile(hello.srtpProfile)}
      : {}),
    helloRetryRequest: hello.helloRetryRequest,
    extensions: sharedNumbers(hello.extensions),
    ja3s: intern(j3s.text),
    ja3sHash: intern(j3s.hash),
  }
}

export function serverHelloFacts(hello: ParsedServerHello, evidence: Evidence): ServerHelloFacts {
  // Extension lists longer than a key code can count (MAX_LIST keeps them far below) go uncached.
  const key = hello.extensions.length < 0xffff ? serverHelloKey(hello) : undefined
  let t = key === undefined ? undefined : serverTemplates.get(key)
  if (t === undefined) {
    t = serverHelloTemplate(hello)
    if (key !== undefined) {
      if (serverTemplates.size >= MAX_SERVER_TEMPLATES) serverTemplates = new Map()
      serverTemplates.set(key, t)
    }
  }
  // Built in the documented key order; optional keys only when they apply.
  const facts = {evidence} as ServerHelloFacts
  facts.version = t.version
  facts.legacyVersion = t.legacyVersion
  facts.obsoleteVersion = t.obsoleteVersion
  facts.cipherSuite = t.cipherSuite
  facts.cipherSuiteId = t.cipherSuiteId
  facts.weakCipher = t.weakCipher
  facts.compressionMethod = t.compressionMethod
  if (t.alpn !== undefined) facts.alpn = t.alpn
  if (t.keyShareGroup !== undefined) facts.keyShareGroup = t.keyShareGroup
  if (t.srtpProfile !== undefined) {
    facts.srtpProfile = t.srtpProfile
    facts.nullSrtpProfile = t.nullSrtpProfile
  }
  facts.helloRetryRequest = t.helloRetryRequest
  facts.extensions = t.extensions
  facts.ja3s = t.ja3s
  facts.ja3sHash = t.ja3sHash
  if (hello.truncated) facts.truncated = true
  return facts
}

export function certificateMessageFacts(chain: CertificateChain, sentBy: 'server' | 'client', evidence: Evidence): CertificateMessageFacts {
  return {evidence, sentBy, chain: chain.certificates, ...(chain.truncated ? {truncated: true as const} : {})}
}

// ---------------------------------------------------------------------------------------------
// describe() lines
// ---------------------------------------------------------------------------------------------

export function frameRef(evidence: Evidence): string {
  return `(frame ${evidence.frame})`
}

/** `ClientHello SNI teams.microsoft.com ALPN h2,http/1.1 TLS1.3 no ECH JA4 t13d1516h2_… (frame 14)` */
export function describeClientHello(hello: ClientHelloFacts, label = 'ClientHello'): string {
  const parts = [label, hello.sni !== undefined ? `SNI ${hello.sni}` : 'no SNI']
  if (hello.alpn.length > 0) parts.push(`ALPN ${hello.alpn.join(',')}`)
  parts.push(hello.maxVersion)
  if (hello.obsoleteMaxVersion) parts.push('(obsolete)')
  // The extension, not proof the name was hidden: browsers send a GREASE one with the real name
  // (see CA-META-003).
  parts.push(hello.ech ? 'ECH extension' : hello.esni ? 'ESNI' : 'no ECH')
  if (hello.postQuantumKeyShare) parts.push('post-quantum key share')
  if (hello.weakCipherSuites.length > 0) parts.push(`offers ${hello.weakCipherSuites.length} weak cipher suites`)
  if (hello.srtpProfiles) parts.push(`SRTP ${hello.srtpProfiles.join(',')}`)
  parts.push(`JA4 ${hello.ja4}`)
  if (hello.truncated) parts.push('(truncated)')
  parts.push(frameRef(hello.evidence))
  return parts.join(' ')
}

/** `ServerHello TLS1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ALPN h2 (frame 16)` */
export function describeServerHello(hello: ServerHelloFacts): string {
  const parts = [hello.helloRetryRequest ? 'HelloRetryRequest' : 'ServerHello', hello.version]
  if (hello.obsoleteVersion) parts.push('(obsolete)')
  parts.push(hello.cipherSuite)
  if (hello.weakCipher.length > 0) parts.push(`(weak: ${hello.weakCipher.join(', ')})`)
  if (hello.alpn !== undefined) parts.push(`ALPN ${hello.alpn}`)
  if (hello.srtpProfile !== undefined) parts.push(`SRTP ${hello.srtpProfile}`)
  parts.push(frameRef(hello.evidence))
  return parts.join(' ')
}

function cnOrSubject(cn: string | undefined, rdns: string[] | undefined): string {
  if (cn !== undefined) return `CN=${cn}`
  return rdns && rdns.length > 0 ? rdns.join(', ') : '(empty)'
}

/** `certificate CN=*.zoom.us issuer CN=DigiCert… valid to 2024-01-02 (frame 18)` */
export function describeCertificateMessage(message: CertificateMessageFacts): string {
  const leaf = message.chain[0]
  const who = message.sentBy === 'client' ? 'client certificate' : 'certificate'
  if (!leaf) return `${who} (empty) ${frameRef(message.evidence)}`
  const parts = [who]
  if (!leaf.parsed) parts.push(`(unparseable, ${leaf.sizeBytes} bytes, SHA-256 ${leaf.fingerprint256})`)
  else {
    parts.push(cnOrSubject(leaf.subjectCN, leaf.subject))
    parts.push(leaf.selfSigned ? 'self-signed' : `issuer ${cnOrSubject(leaf.issuerCN, leaf.issuer)}`)
    if (leaf.validTo) parts.push(`valid to ${leaf.validTo.slice(0, 10)}`)
    if (leaf.expired) parts.push('EXPIRED at capture time')
    if (leaf.notYetValid) parts.push('NOT YET VALID at capture time')
    if (leaf.sanDns && leaf.sanDns.length > 1) parts.push(`(${leaf.sanDns.length} DNS names)`)
    if (message.chain.length > 1) parts.push(`chain of ${message.chain.length}`)
    parts.push(`SHA-256 ${leaf.fingerprint256.slice(0, 23)}…`)
  }
  parts.push(frameRef(message.evidence))
  return parts.join(' ')
}

/** `alert from server: fatal handshake_failure (frame 9)` */
export function describeAlert(alert: AlertFacts, label = 'alert'): string {
  return `${label} from ${alert.sentBy}: ${alert.level} ${alert.description} ${frameRef(alert.evidence)}`
}
