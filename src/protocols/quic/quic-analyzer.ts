/**
 * QUIC (RFC 9000 / 9001, v2 RFC 9369, the late drafts, Facebook mvfst, Google Q050/T050/T051):
 * the client's Initial packets are decrypted with keys anyone can derive (RFC 9001 §5.2), their
 * CRYPTO frames reassembled by offset (several packets, any order, coalesced packets in one
 * datagram), and the ClientHello read by the TLS parser (SNI, ALPN, JA4 with `q`). The server's
 * Initial is read the same way for the ServerHello (version, cipher suite). Google QUIC up to
 * Q046 sends its "CHLO" in clear: its SNI and user agent are read directly.
 *
 * A flow is taken when its first payload is a long-header packet of a known version or a gQUIC
 * public header with a version. Short-header packets are skipped at once; the analyzer steps
 * aside once both hellos are read, after MAX_INITIALS client Initials, or after MAX_PACKETS
 * datagrams.
 */
import type {Evidence, EvidenceOf, FlowInfo, PacketPlace, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {hex} from '../tls/byte-reader.js'
import {parseClientHello} from '../tls/client-hello.js'
import {
  type ClientHelloFacts,
  clientHelloFacts,
  describeClientHello,
  describeServerHello,
  frameRef,
  type ServerHelloFacts,
  serverHelloFacts,
} from '../tls/hello-facts.js'
import {RangeBuffer} from '../tls/range-buffer.js'
import {parseServerHello} from '../tls/server-hello.js'
import {HS} from '../tls/tls-registry.js'
import {type ChloFacts, findChlo, parseChlo} from './gquic.js'
import {deriveInitialKeys, type InitialKeys, openPacket} from './initial-protection.js'
import {cryptoFrames, type LongHeaderPacket, parseLongHeader} from './quic-packet.js'
import {type QuicVersionInfo, quicVersionInfo} from './quic-versions.js'

/** Datagrams looked at per flow. */
const MAX_PACKETS = 64
/** Client (and server) Initial packets decrypted per flow. */
const MAX_INITIALS = 16
/** Bytes of CRYPTO stream kept per direction (a post-quantum ClientHello is ~2 KB; 64 KiB is ample). */
const MAX_CRYPTO = 64 * 1024
/** Connection IDs whose keys are kept per flow (the original, after a Retry, a new attempt). */
const MAX_KEY_SETS = 4
/** Versions remembered per flow. */
const MAX_VERSIONS = 4

export interface GquicChloFacts extends ChloFacts {
  evidence: Evidence
}

export interface QuicFacts {
  /** Version of the first QUIC packet of the flow: `v1`, `v2`, `draft-29`, `Q046`... */
  version: string
  /** The same as a number in hex (`0x00000001`). */
  versionNumber: string
  family: 'ietf' | 'gquic'
  /** The first packet of a known QUIC version in the flow. */
  firstPacket: Evidence
  /** Other versions seen on the flow (after a version negotiation, say). */
  otherVersions?: string[]
  clientHello?: ClientHelloFacts
  serverHello?: ServerHelloFacts
  /** Google QUIC CHLO (Q0xx): SNI and user agent in clear. */
  chlo?: GquicChloFacts
  /** Initial packets decrypted (or, for gQUIC in clear, read) per side. */
  initialPackets: {client: number; server: number}
  /** Client Initials that did not authenticate with the derived keys. */
  undecryptable?: number
}

interface KeySet {
  dcid: string
  info: QuicVersionInfo
  salt: Uint8Array
  client: InitialKeys
  server: InitialKeys | undefined
}

interface QuicState {
  evidenceOf: EvidenceOf
  packets: number
  /** The version info of the last version seen (cached: most flows use one). */
  info: QuicVersionInfo | undefined
  versions: number[]
  keySets: KeySet[]
  /** The key set that last opened a client Initial (server keys derive from its DCID). */
  activeKeys: KeySet | undefined
  clientCrypto: RangeBuffer | undefined
  clientCryptoKeys: KeySet | undefined
  serverCrypto: RangeBuffer | undefined
  clientInitials: number
  serverInitials: number
  undecryptable: number
  clientDone: boolean
  serverDone: boolean
  /** Where the last client Initial was, to date a ClientHello left incomplete. */
  lastClient: PacketPlace | undefined
  firstPacket: Evidence | undefined
  clientHello?: ClientHelloFacts
  serverHello?: ServerHelloFacts
  chlo?: GquicChloFacts
}

function u32(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0
}

/** gQUIC public header (Q024-Q043): flags with VERSION (0x01) and 8-byte CID (0x08), then 'Q0nn'. */
function gquicPublicVersion(d: Uint8Array): number {
  if (d.length < 13 || (d[0]! & 0x80) !== 0 || (d[0]! & 0x09) !== 0x09) return 0
  if (d[9] !== 0x51 || d[10] !== 0x30) return 0
  return u32(d, 9)
}

export const quicAnalyzer: ProtocolAnalyzer<QuicState, QuicFacts> = {
  name: 'quic',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport !== 'udp') return false
    const d = packet.data
    if (d.length >= 7 && (d[0]! & 0x80) !== 0) {
      const version = u32(d, 1)
      return version !== 0 && quicVersionInfo(version) !== undefined
    }
    return gquicPublicVersion(d) !== 0
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): QuicState {
    return {
      evidenceOf,
      packets: 0,
      info: undefined,
      versions: [],
      keySets: [],
      activeKeys: undefined,
      clientCrypto: undefined,
      clientCryptoKeys: undefined,
      serverCrypto: undefined,
      clientInitials: 0,
      serverInitials: 0,
      undecryptable: 0,
      clientDone: false,
      serverDone: false,
      lastClient: undefined,
      firstPacket: undefined,
    }
  },

  feed(state: QuicState, packet: PayloadPacket): boolean {
    const more = feedDatagram(state, packet)
    if (state.firstPacket === undefined && state.versions.length > 0) state.firstPacket = state.evidenceOf(packet)
    // Stepping aside: read a ClientHello left incomplete, then drop the buffers and keys.
    if (!more) wrapUp(state)
    return more
  },

  finish(state: QuicState): QuicFacts | undefined {
    wrapUp(state)
    const first = state.versions[0]
    if (first === undefined || state.firstPacket === undefined) return undefined
    const info = quicVersionInfo(first)!
    const facts = {
      version: info.name,
      versionNumber: versionNumber(first),
      family: info.family,
      firstPacket: state.firstPacket,
    } as QuicFacts
    if (state.versions.length > 1) facts.otherVersions = state.versions.slice(1).map((v) => quicVersionInfo(v)!.name)
    if (state.clientHello) facts.clientHello = state.clientHello
    if (state.serverHello) facts.serverHello = state.serverHello
    if (state.chlo) facts.chlo = state.chlo
    facts.initialPackets = {client: state.clientInitials, server: state.serverInitials}
    if (state.undecryptable > 0) facts.undecryptable = state.undecryptable
    return facts
  },

  describe(facts: QuicFacts): string[] {
    const lines: string[] = []
    const label = facts.family === 'gquic' ? `gQUIC ${facts.version}` : `QUIC ${facts.version}`
    if (facts.clientHello) lines.push(describeClientHello(facts.clientHello, `${label} Initial`))
    if (facts.chlo) {
      const parts = [`${label} CHLO`, facts.chlo.sni !== undefined ? `SNI ${facts.chlo.sni}` : 'no SNI']
      if (facts.chlo.userAgent !== undefined) parts.push(`UAID ${facts.chlo.userAgent}`)
      parts.push(frameRef(facts.chlo.evidence))
      lines.push(parts.join(' '))
    }
    if (facts.serverHello) lines.push(`${label} ${describeServerHello(facts.serverHello)}`)
    if (lines.length === 0) lines.push(`${label} (no client hello read${facts.undecryptable ? `, ${facts.undecryptable} Initials did not decrypt` : ''}) ${frameRef(facts.firstPacket)}`)
    return lines
  },
}

/** `0x00000001`-style version numbers, one string per version (every flow names its version). */
const VERSION_NUMBERS = new Map<number, string>()

function versionNumber(version: number): string {
  let text = VERSION_NUMBERS.get(version)
  if (text === undefined) {
    text = '0x' + version.toString(16).padStart(8, '0')
    VERSION_NUMBERS.set(version, text)
  }
  return text
}

function feedDatagram(state: QuicState, packet: PayloadPacket): boolean {
  state.packets++
  const d = packet.data
  const toServer = packet.toServer
  if (toServer ? state.clientDone : state.serverDone) return more(state)
  if (d.length === 0) return more(state)
  if ((d[0]! & 0x80) === 0) {
    // Short header, or a gQUIC public header (version present only on the client's first packets).
    const version = gquicPublicVersion(d)
    if (version !== 0 && toServer) {
      const info = versionInfo(state, version)
      if (info?.protection === 'clear') readClearChlo(state, packet, d, 13)
    }
    return more(state)
  }
  let at = 0
  while (at + 7 <= d.length && (d[at]! & 0x80) !== 0) {
    const version = u32(d, at + 1)
    if (version === 0) break // version negotiation
    const info = versionInfo(state, version)
    if (!info) break
    if (info.protection === 'clear') {
      // Q046: IETF-like header, gQUIC frames in clear.
      if (toServer) readClearChlo(state, packet, d, at + 7)
      break
    }
    const pkt = parseLongHeader(d, at, info.initialType)
    if (!pkt) break
    if (pkt.typeBits === info.initialType) {
      if (toServer) clientInitial(state, packet, info, pkt)
      else serverInitial(state, packet, pkt)
    }
    if (toServer ? state.clientDone : state.serverDone) break
    at = pkt.end
  }
  return more(state)
}

/**
 * Done with the flow: a ClientHello whose end never arrived is read from the part that did (its
 * SNI is near the start), then the crypto buffers and keys are dropped. Idempotent.
 */
function wrapUp(state: QuicState): void {
  if (!state.clientHello && state.clientCrypto && state.lastClient && state.clientCryptoKeys?.info.tls) {
    const crypto = state.clientCrypto
    const available = crypto.contiguous
    if (available > 4 && crypto.view(0, 1)[0] === HS.CLIENT_HELLO) {
      const hello = parseClientHello(crypto.view(4, available), false)
      if (hello) {
        hello.truncated = true
        state.clientHello = clientHelloFacts(hello, 'quic', state.evidenceOf(state.lastClient))
      }
    }
  }
  state.clientCrypto = undefined
  state.serverCrypto = undefined
  state.keySets = NO_KEY_SETS
  state.activeKeys = undefined
  state.clientCryptoKeys = undefined
  state.lastClient = undefined
}

/** What a wrapped-up state holds for key sets (nothing is derived after wrapUp: it is called
 * when the flow steps aside and at finish). */
const NO_KEY_SETS: KeySet[] = []

function more(state: QuicState): boolean {
  return !(state.clientDone && state.serverDone) && state.packets < MAX_PACKETS
}

function versionInfo(state: QuicState, version: number): QuicVersionInfo | undefined {
  if (state.info?.version === version) return state.info
  const info = quicVersionInfo(version)
  if (!info) return undefined
  state.info = info
  // A new exact-size list (rarely more than one version): kept to the end of the run.
  if (!state.versions.includes(version) && state.versions.length < MAX_VERSIONS) state.versions = [...state.versions, version]
  return info
}

/** gQUIC ≤ Q046: find the CHLO in the clear datagram and read its tags. */
function readClearChlo(state: QuicState, packet: PayloadPacket, d: Uint8Array, from: number): void {
  state.clientInitials++
  if (state.clientInitials > MAX_INITIALS) state.clientDone = true
  const at = findChlo(d, from)
  if (at < 0) return
  const chlo = parseChlo(d, at)
  if (!chlo) return
  state.chlo = {evidence: state.evidenceOf(packet), ...chlo}
  // The first CHLO may be "inchoate" (no SNI yet in some stacks): keep looking until one has it.
  if (chlo.sni !== undefined) {
    state.clientDone = true
    state.serverDone = true
  }
}

function keySetFor(state: QuicState, info: QuicVersionInfo, dcid: Uint8Array, salt: Uint8Array | undefined): KeySet | undefined {
  if (!salt) return undefined
  const id = hex(dcid)
  for (const k of state.keySets) if (k.dcid === id && k.info.version === info.version && k.salt === salt) return k
  if (state.keySets.length >= MAX_KEY_SETS) return undefined
  const set: KeySet = {dcid: id, info, salt, client: deriveInitialKeys(salt, dcid, 'client', info.labelPrefix), server: undefined}
  if (state.keySets === NO_KEY_SETS) state.keySets = [set]
  else state.keySets.push(set)
  return set
}

/**
 * Open a client Initial: with the keys of the connection's original DCID first (the client keeps
 * them after switching to the server's connection ID), then with keys from this packet's DCID
 * (after a Retry, or a new connection on the same 5-tuple), each with the version's salt and its
 * fallback.
 */
function clientInitial(state: QuicState, packet: PayloadPacket, info: QuicVersionInfo, pkt: LongHeaderPacket): void {
  if (state.clientInitials >= MAX_INITIALS) {
    state.clientDone = true
    return
  }
  state.clientInitials++
  const active = state.activeKeys && state.activeKeys.info.version === info.version ? state.activeKeys : undefined
  // Keys are derived only when needed: most Initials open with the active set.
  for (let attempt = 0; attempt < 3; attempt++) {
    const keys = attempt === 0 ? active : keySetFor(state, info, pkt.dcid, attempt === 1 ? info.salt! : info.altSalt)
    if (!keys || (attempt > 0 && keys === active)) continue
    const opened = openPacket(keys.client, pkt.bytes, pkt.pnOffset)
    if (!opened) continue
    state.activeKeys = keys
    if (state.clientCryptoKeys !== keys) {
      // A new connection (or the Initial after a Retry): its crypto stream starts afresh.
      state.clientCrypto = new RangeBuffer(MAX_CRYPTO)
      state.clientCryptoKeys = keys
    }
    state.lastClient = {frame: packet.frame, capture: packet.capture, sec: packet.sec, nsec: packet.nsec}
    for (const frame of cryptoFrames(opened.payload, info.cryptoFrameType)) state.clientCrypto!.add(frame.offset, frame.data)
    readClientCrypto(state, packet, info)
    return
  }
  state.undecryptable++
}

function readClientCrypto(state: QuicState, packet: PayloadPacket, info: QuicVersionInfo): void {
  const crypto = state.clientCrypto!
  const available = crypto.contiguous
  if (!info.tls) {
    // Q050: a gQUIC CHLO message in the CRYPTO stream.
    const bytes = crypto.view(0, available)
    const chlo = bytes.length >= 8 ? parseChlo(bytes, 0) : undefined
    if (chlo && !chlo.truncated) {
      state.chlo = {evidence: state.evidenceOf(packet), ...chlo}
      state.clientDone = true
    }
    return
  }
  if (available < 4) return
  const head = crypto.view(0, 4)
  if (head[0] !== HS.CLIENT_HELLO) {
    state.clientDone = true
    return
  }
  const length = (head[1]! << 16) | (head[2]! << 8) | head[3]!
  if (available < 4 + length) {
    if (4 + length > MAX_CRYPTO) state.clientDone = true
    return
  }
  const hello = parseClientHello(crypto.view(4, 4 + length), false)
  state.clientDone = true
  if (hello) state.clientHello = clientHelloFacts(hello, 'quic', state.evidenceOf(packet))
  state.clientCrypto = undefined
}

/** Open a server Initial with the server keys of the DCID that opened the client's Initial. */
function serverInitial(state: QuicState, packet: PayloadPacket, pkt: LongHeaderPacket): void {
  const keys = state.activeKeys
  if (!keys) return
  if (state.serverInitials >= MAX_INITIALS) {
    state.serverDone = true
    return
  }
  keys.server ??= deriveInitialKeys(keys.salt, Buffer.from(keys.dcid, 'hex'), 'server', keys.info.labelPrefix)
  const opened = openPacket(keys.server, pkt.bytes, pkt.pnOffset)
  if (!opened) return
  state.serverInitials++
  const crypto = (state.serverCrypto ??= new RangeBuffer(MAX_CRYPTO))
  for (const frame of cryptoFrames(opened.payload, keys.info.cryptoFrameType)) crypto.add(frame.offset, frame.data)
  if (!keys.info.tls) {
    state.serverDone = true
    return
  }
  const available = crypto.contiguous
  if (available < 4) return
  const head = crypto.view(0, 4)
  const length = (head[1]! << 16) | (head[2]! << 8) | head[3]!
  if (head[0] !== HS.SERVER_HELLO || 4 + length > MAX_CRYPTO) {
    state.serverDone = true
    return
  }
  if (available < 4 + length) return
  const hello = parseServerHello(crypto.view(4, 4 + length))
  if (hello) state.serverHello = serverHelloFacts(hello, state.evidenceOf(packet))
  state.serverDone = true
  state.serverCrypto = undefined
}
