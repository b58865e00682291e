/**
 * TLS over TCP, on any port: the ClientHello (SNI, ALPN, versions, ECH, fingerprints), the
 * ServerHello and, for TLS ≤ 1.2, the certificates, each with the frame that completed it.
 *
 * Every TCP flow is watched until its first TLS record (content type 20-24, version 3.x) shows up
 * at the start of a segment, for MAX_PACKETS_BEFORE_TLS payload packets (more on STARTTLS and
 * proxy ports, where TLS starts after a cleartext exchange); a flow without one costs a 3-byte
 * comparison per packet and a few words of state. Each direction's record stream starts at its
 * first segment that begins with a record (after a PROXY protocol header on the client side).
 * The analyzer steps aside once both directions turn encrypted (ChangeCipherSpec, application
 * data, or right after a TLS 1.3 ServerHello), or after MAX_PACKETS payload packets.
 */
import {type Evidence, type EvidenceOf, type FlowInfo, type PayloadPacket, placeOnlyPacket, type ProtocolAnalyzer} from '../analyzer.js'
import {parseCertificateMessage} from './certificate.js'
import {parseClientHello} from './client-hello.js'
import {
  type AlertFacts,
  alertFacts,
  describeAlert,
  type CertificateMessageFacts,
  certificateMessageFacts,
  type ClientHelloFacts,
  clientHelloFacts,
  describeCertificateMessage,
  describeClientHello,
  describeServerHello,
  frameRef,
  type ServerHelloFacts,
  serverHelloFacts,
} from './hello-facts.js'
import {parseServerHello} from './server-hello.js'
import {type HandshakeMessage, looksLikeTlsRecord, type StopReason, TlsRecordStream} from './tls-record-stream.js'
import {HS, versionRank} from './tls-registry.js'
import {intern} from '../../util/intern.js'

/** Payload packets looked at per flow before stepping aside. */
const MAX_PACKETS = 200
/** Payload packets to wait for a first TLS record before stepping aside (TLS after a short
 * cleartext preamble: gnutella, NoMachine, HTTP CONNECT...). */
const MAX_PACKETS_BEFORE_TLS = 8
/** The same on ports where TLS usually starts after a longer cleartext exchange (STARTTLS). */
const MAX_PACKETS_BEFORE_TLS_LATE_PORT = 24
/** Certificate messages kept per flow (server and client). */
const MAX_CERTIFICATE_MESSAGES = 4
/** ClientHellos kept after the first (a second one follows a HelloRetryRequest). */
const MAX_EXTRA_CLIENT_HELLOS = 4

/**
 * Ports where TLS starts after cleartext: SMTP 25/587, POP3 110, IMAP 143, FTP 21, NNTP 119,
 * LDAP 389, XMPP 5222/5269, IRC 6667, ManageSieve 4190, PostgreSQL 5432, MySQL 3306, RDP 3389,
 * and proxies (HTTP CONNECT 3128/8080/8888, SOCKS 1080).
 */
const LATE_TLS_PORTS = new Set([21, 25, 110, 119, 143, 389, 587, 1080, 3128, 3306, 3389, 4190, 5222, 5269, 5432, 6667, 8080, 8888])

const PROXY_V1 = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20] // "PROXY "
const PROXY_V2 = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

/**
 * Length of a HAProxy PROXY protocol header at the start of a client segment, 0 if none: v1 is
 * one text line of at most 107 bytes ending in CRLF, v2 a 16-byte binary header (12-byte
 * signature, version/command, family, 16-bit length) plus its addresses (proxy-protocol.txt §2).
 */
export function proxyHeaderLength(d: Uint8Array): number {
  if (startsWithBytes(d, PROXY_V1)) {
    for (let i = PROXY_V1.length; i + 1 < Math.min(d.length, 107); i++) if (d[i] === 0x0d && d[i + 1] === 0x0a) return i + 2
    return 0
  }
  if (startsWithBytes(d, PROXY_V2) && d.length >= 16) return 16 + ((d[14]! << 8) | d[15]!)
  return 0
}

export interface TlsFacts {
  clientHello?: ClientHelloFacts
  /** Further ClientHellos in the flow (after a HelloRetryRequest): SNI and frame. */
  extraClientHellos?: Array<{evidence: Evidence; sni?: string}>
  helloRetryRequest?: ServerHelloFacts
  serverHello?: ServerHelloFacts
  /** Certificate messages; `sentBy` is the flow endpoint that sent each ('client' = the flow's client). */
  certificates?: CertificateMessageFacts[]
  alerts?: AlertFacts[]
  /** The ClientHello came from the flow's server endpoint (the flow's orientation was guessed wrong). */
  rolesReversed?: true
  /** TLS began after cleartext on the same connection (STARTTLS, proxy CONNECT). */
  lateStart?: true
}

interface Direction {
  records: TlsRecordStream | undefined
  /** Finished: no more messages will be read. */
  done: boolean
  alertRecorded: boolean
  /** Where the last packet of this direction was, for a message cut at the end. */
  lastFrame: number
  lastCapture: number
  lastSec: number
  lastNsec: number
}

/** Per-flow state; small until the first TLS record shows up (every TCP flow gets one). */
interface TlsState {
  evidenceOf: EvidenceOf
  packets: number
  /** Payload packets to wait for a first TLS record before stepping aside. */
  waitLimit: number
  sawCleartext: boolean
  session: TlsSession | undefined
}

/** The TLS connection once its first record was seen. */
interface TlsSession {
  evidenceOf: EvidenceOf
  client: Direction
  server: Direction
  facts: TlsFacts
}

function newDirection(): Direction {
  return {records: undefined, done: false, alertRecorded: false, lastFrame: 0, lastCapture: 0, lastSec: 0, lastNsec: 0}
}

function startsWithBytes(d: Uint8Array, prefix: readonly number[]): boolean {
  if (d.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (d[i] !== prefix[i]) return false
  return true
}

/** TLS 1.3 or one of its drafts: the handshake after the ServerHello is encrypted. */
function isTls13(version: number): boolean {
  return versionRank(version) > 0x0303
}

function packetTimeMs(packet: PayloadPacket): number {
  return packet.sec * 1000 + Math.floor(packet.nsec / 1e6)
}

export const tlsAnalyzer: ProtocolAnalyzer<TlsState, TlsFacts> = {
  name: 'tls',

  /** Every TCP flow: TLS may start on any port, also after some cleartext. */
  probe(flow: FlowInfo): boolean {
    return flow.transport === 'tcp'
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): TlsState {
    const waitLimit = LATE_TLS_PORTS.has(flow.server.port) ? MAX_PACKETS_BEFORE_TLS_LATE_PORT : MAX_PACKETS_BEFORE_TLS
    return {evidenceOf, packets: 0, waitLimit, sawCleartext: false, session: undefined}
  },

  feed(state: TlsState, packet: PayloadPacket): boolean {
    const more = feedPacket(state, packet)
    // Stepping aside: read what is left cut in the buffers, then drop them (the state lives on
    // until the end of the capture; only the facts need to).
    if (!more && state.session) wrapUp(state.session)
    return more
  },

  finish(state: TlsState): TlsFacts | undefined {
    const session = state.session
    if (!session) return undefined
    wrapUp(session)
    // The state stays referenced to the end of the run: keep only the facts.
    state.session = undefined
    const f = session.facts
    if (!f.clientHello && !f.serverHello && !f.certificates && !f.helloRetryRequest) return undefined
    // Fixed key order.
    const out: TlsFacts = {}
    if (f.clientHello) out.clientHello = f.clientHello
    if (f.extraClientHellos) out.extraClientHellos = f.extraClientHellos
    if (f.helloRetryRequest) out.helloRetryRequest = f.helloRetryRequest
    if (f.serverHello) out.serverHello = f.serverHello
    if (f.certificates) out.certificates = f.certificates
    if (f.alerts) out.alerts = f.alerts
    if (f.rolesReversed) out.rolesReversed = true
    if (f.lateStart) out.lateStart = true
    return out
  },

  describe(facts: TlsFacts): string[] {
    const lines: string[] = []
    if (facts.clientHello) lines.push(describeClientHello(facts.clientHello))
    for (const extra of facts.extraClientHellos ?? []) lines.push(`ClientHello again SNI ${extra.sni ?? '(none)'} ${frameRef(extra.evidence)}`)
    if (facts.helloRetryRequest) lines.push(describeServerHello(facts.helloRetryRequest))
    if (facts.serverHello) lines.push(describeServerHello(facts.serverHello))
    for (const message of facts.certificates ?? []) lines.push(describeCertificateMessage(message))
    for (const alert of facts.alerts ?? []) lines.push(describeAlert(alert))
    return lines
  },
}

function feedPacket(state: TlsState, packet: PayloadPacket): boolean {
  state.packets++
  let session = state.session
  // A direction starts at its first segment that begins with a TLS record (after a PROXY
  // protocol header, if the client side has one).
  const first = packet.data[0]
  const skip = packet.toServer && (first === 0x50 || first === 0x0d) ? proxyHeaderLength(packet.data) : 0
  if (!session) {
    if (!looksLikeTlsRecord(packet.data, skip)) {
      state.sawCleartext = true
      return state.packets < state.waitLimit
    }
    session = state.session = {evidenceOf: state.evidenceOf, client: newDirection(), server: newDirection(), facts: {}}
    if (state.sawCleartext) session.facts.lateStart = true
  }
  const dir = packet.toServer ? session.client : session.server
  if (dir.done) return state.packets < MAX_PACKETS
  if (!dir.records) {
    if (!looksLikeTlsRecord(packet.data, skip)) return state.packets < MAX_PACKETS
    dir.records = new TlsRecordStream()
    const start = (packet.seq + skip) >>> 0
    dir.records.push(start, packet.data.subarray(skip), start)
  } else dir.records.push(packet.seq, packet.data, -1)
  dir.lastFrame = packet.frame
  dir.lastCapture = packet.capture
  dir.lastSec = packet.sec
  dir.lastNsec = packet.nsec
  const records = dir.records
  for (let message = records.next(); message; message = records.next()) {
    handleMessage(session, packet, packet.toServer, message)
    if (dir.done) break
  }
  if (records.alert && !dir.alertRecorded) {
    dir.alertRecorded = true
    recordAlert(session, packet, records.alert.level, records.alert.description)
  }
  if (!dir.done && records.exhausted) endDirection(session, dir, packet.toServer, records.stopped ?? 'cap')
  return !(session.client.done && session.server.done) && state.packets < MAX_PACKETS
}

/** Finish both directions: a message left cut is read, the buffers dropped. Idempotent. */
function wrapUp(session: TlsSession): void {
  endDirection(session, session.client, true, 'cap')
  endDirection(session, session.server, false, 'cap')
}

/**
 * One handshake message from the side that sent it. Roles come from the messages (a ClientHello
 * makes its sender the TLS client), so a flow whose orientation was guessed the other way round
 * is still read; certificates record the flow endpoint that sent them.
 */
function handleMessage(state: TlsSession, packet: PayloadPacket, toServer: boolean, message: HandshakeMessage): void {
  const facts = state.facts
  const sender = toServer ? state.client : state.server
  switch (message.type) {
    case HS.CLIENT_HELLO: {
      const hello = parseClientHello(message.body, false)
      if (!hello) return
      const evidence = state.evidenceOf(packet)
      if (!facts.clientHello) {
        facts.clientHello = clientHelloFacts(hello, 'tls', evidence)
        if (!toServer) facts.rolesReversed = true
      } else {
        const extra = (facts.extraClientHellos ??= [])
        if (extra.length < MAX_EXTRA_CLIENT_HELLOS) extra.push(hello.sni !== undefined ? {evidence, sni: intern(hello.sni)} : {evidence})
        // The ClientHello that answers a HelloRetryRequest is the last one in clear.
        if (sender.records) sender.records.continueAfterChangeCipherSpec = false
      }
      return
    }
    case HS.SERVER_HELLO: {
      const hello = parseServerHello(message.body)
      if (!hello) return
      const helloFacts = serverHelloFacts(hello, state.evidenceOf(packet))
      if (hello.helloRetryRequest) {
        facts.helloRetryRequest ??= helloFacts
        // RFC 8446 §D.4: a ChangeCipherSpec may follow, then the second hellos in clear.
        if (state.client.records) state.client.records.continueAfterChangeCipherSpec = true
        if (state.server.records) state.server.records.continueAfterChangeCipherSpec = true
        return
      }
      facts.serverHello ??= helloFacts
      if (sender.records) sender.records.continueAfterChangeCipherSpec = false
      // TLS 1.3: everything after the ServerHello is encrypted.
      if (isTls13(hello.selectedVersion ?? hello.legacyVersion)) endDirection(state, sender, toServer, 'application-data')
      return
    }
    case HS.CERTIFICATE:
      addCertificates(state, packet, message, toServer ? 'client' : 'server')
      return
    case HS.SERVER_HELLO_DONE:
      endDirection(state, sender, toServer, 'application-data')
      return
    default:
      return
  }
}

function addCertificates(state: TlsSession, packet: PayloadPacket, message: HandshakeMessage, sentBy: 'client' | 'server'): void {
  const list = (state.facts.certificates ??= [])
  if (list.length >= MAX_CERTIFICATE_MESSAGES) return
  const chain = parseCertificateMessage(message.body, packetTimeMs(packet))
  if (!chain) return
  if (!message.complete) chain.truncated = true
  list.push(certificateMessageFacts(chain, sentBy, state.evidenceOf(packet)))
}

function recordAlert(state: TlsSession, packet: PayloadPacket, level: number, description: number): void {
  const alerts = (state.facts.alerts ??= [])
  if (alerts.length >= 2) return
  alerts.push(alertFacts(level, description, packet.toServer ? 'client' : 'server', state.evidenceOf(packet)))
}

/**
 * Finish a direction: read a message left cut by the cap or the end of the capture (a ClientHello
 * or Certificate whose first part was captured still tells its SNI or leading certificates), then
 * drop the buffers.
 */
function endDirection(state: TlsSession, dir: Direction, toServer: boolean, reason: StopReason): void {
  if (dir.done) return
  dir.done = true
  const records = dir.records
  if (!records) return
  const cut = records.partial()
  if (cut) {
    const last = placeOnlyPacket({frame: dir.lastFrame, capture: dir.lastCapture, sec: dir.lastSec, nsec: dir.lastNsec}, toServer)
    if (cut.type === HS.CLIENT_HELLO && !state.facts.clientHello) {
      const hello = parseClientHello(cut.body, false)
      if (hello) {
        hello.truncated = true
        state.facts.clientHello = clientHelloFacts(hello, 'tls', state.evidenceOf(last))
        if (!toServer) state.facts.rolesReversed = true
      }
    } else if (cut.type === HS.CERTIFICATE) addCertificates(state, last, cut, toServer ? 'client' : 'server')
  }
  records.release(reason)
  // A finished direction reads nothing more (feedPacket checks `done` first).
  dir.records = undefined
}
