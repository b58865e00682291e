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

export function clientHelloFacts(hello: ParsedClientHello, transport: HelloTransport, evidence: Evidence): ClientHelloFacts {
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
  // Built in the documented key order; optional keys only when they apply.
  const facts = {evidence} as ClientHelloFacts
  if (hello.sni !== undefined) facts.sni = hello.sni
  facts.alpn = hello.alpn
  facts.legacyVersion = versionName(hello.legacyVersion)
  facts.supportedVersions = versions.map(versionName)
  facts.maxVersion = versionName(max)
  facts.obsoleteMaxVersion = isObsoleteVersion(max)
  facts.cipherSuites = ciphers
  facts.cipherSuiteCount = cipherCount
  facts.weakCipherSuites = weak
  facts.compressionMethods = hello.compressionMethods
  facts.extensions = withoutGrease(hello.extensions, MAX_FACT_LIST)
  facts.grease = grease
  facts.supportedGroups = names(hello.supportedGroups, groupName).slice(0, MAX_FACT_LIST)
  facts.keyShareGroups = names(hello.keyShareGroups, groupName)
  facts.postQuantumKeyShare = hello.keyShareGroups.some(isPostQuantumGroup)
  facts.signatureAlgorithms = withoutGrease(hello.signatureAlgorithms, MAX_FACT_LIST)
  facts.pskModes = hello.pskModes
  facts.ech = hello.ech
  facts.esni = hello.esni
  facts.quicTransportParameters = hello.quicTransportParameters
  if (hello.srtpProfiles) {
    facts.srtpProfiles = hello.srtpProfiles.map(srtpProfileName)
    facts.nullSrtpProfiles = hello.srtpProfiles.filter(isNullSrtpProfile).map(srtpProfileName)
  }
  facts.ja3 = j3.text
  facts.ja3Hash = j3.hash
  facts.ja4 = j4.ja4
  facts.ja4Raw = j4.raw
  if (hello.truncated) facts.truncated = true
  return facts
}

export function serverHelloFacts(hello: ParsedServerHello, evidence: Evidence): ServerHelloFacts {
  const version = hello.selectedVersion ?? hello.legacyVersion
  const j3s = ja3s(hello)
  return {
    evidence,
    version: versionName(version),
    legacyVersion: versionName(hello.legacyVersion),
    obsoleteVersion: isObsoleteVersion(version),
    cipherSuite: cipherSuiteName(hello.cipherSuite),
    cipherSuiteId: hello.cipherSuite,
    weakCipher: weakCipherClasses(hello.cipherSuite),
    compressionMethod: hello.compressionMethod,
    ...(hello.alpn !== undefined ? {alpn: hello.alpn} : {}),
    ...(hello.keyShareGroup !== undefined ? {keyShareGroup: groupName(hello.keyShareGroup)} : {}),
    ...(hello.srtpProfile !== undefined
      ? {srtpProfile: srtpProfileName(hello.srtpProfile), nullSrtpProfile: isNullSrtpProfile(hello.srtpProfile)}
      : {}),
    helloRetryRequest: hello.helloRetryRequest,
    extensions: hello.extensions,
    ja3s: j3s.text,
    ja3sHash: j3s.hash,
    ...(hello.truncated ? {truncated: true as const} : {}),
  }
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
  parts.push(hello.ech ? 'ECH' : hello.esni ? 'ESNI' : 'no ECH')
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
