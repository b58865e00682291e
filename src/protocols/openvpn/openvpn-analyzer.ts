/**
 * OpenVPN over UDP or TCP (16-bit length prefix per packet): the control channel's framing, how
 * it is wrapped (no HMAC, a tls-auth HMAC of guessed length, tls-crypt, tls-crypt-v2), the session
 * ids of both ends, and the TLS handshake it carries — ClientHello, ServerHello, certificates in
 * the same shapes as TlsFacts, read by the TLS analyzer itself from the control stream put back
 * together (P_CONTROL_V1 payloads in message packet-id order, see control-stream.ts). A TLS
 * message's evidence is the frame of the OpenVPN packet that completed it. With tls-crypt the
 * control channel is encrypted: that is said, nothing is guessed. Only the first key's handshake
 * is read (renegotiations under another key_id are not); the TLS analyzer keeps its own bounds.
 *
 * Dispatch: UDP/TCP port 1194 (IANA, OpenVPN's default) with any OpenVPN opcode first; any other
 * port only when the first payload is a hard reset whose whole layout holds (and, over TCP, whose
 * length prefix is exactly the segment). Facts are reported once a packet was read with a known
 * layout. Steps aside once the TLS analyzer is done (both directions encrypted), once a tls-crypt
 * channel showed both session ids, or when nothing reads as OpenVPN.
 */
import {copyPacketPlace, type Evidence, type EvidenceOf, type FlowInfo, type PayloadPacket, type ProtocolAnalyzer, ReusedPayloadPacket} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {frameRef} from '../tls/hello-facts.js'
import {type TlsFacts, tlsAnalyzer} from '../tls/tls-analyzer.js'
import {ControlStream} from './control-stream.js'
import {
  guessHmacLength,
  type HmacCertainty,
  isClientResetOpcode,
  isControlOpcode,
  isDataOpcode,
  isResetOpcode,
  isServerResetOpcode,
  looksLikeTlsCrypt,
  OP,
  opcodeOf,
  parseControlPacket,
  SESSION_ID_BYTES,
  sessionHex,
} from './openvpn-packet.js'

/** IANA port of OpenVPN (also its default). */
const OPENVPN_PORT = 1194
/** Bytes of one TCP direction kept while reading the handshake. */
const MAX_TCP_STREAM = 64 * 1024
/** Packets read without any of them reading as OpenVPN before stepping aside. */
const MAX_UNREADABLE = 4
/** Payload packets before stepping aside when nothing was confirmed, or with tls-crypt once the
 * session ids are known. */
const MAX_UNCONFIRMED_PACKETS = 16
const EMPTY = new Uint8Array(0)

/** How the control channel is wrapped (OpenVPN's tls_wrap modes). */
export type ControlWrap =
  /** No HMAC: TLS records in clear. */
  | 'none'
  /** --tls-auth: an HMAC of guessed length; the TLS records are still in clear. */
  | 'tls-auth'
  /** --tls-crypt suspected from the layout (packet id and time in clear, the rest unreadable). */
  | 'tls-crypt'
  /** --tls-crypt-v2 (its own opcodes): the control channel is encrypted. */
  | 'tls-crypt-v2'

export interface OpenVpnSession {
  /** The 8-byte session id, hex. */
  id: string
  /** First packet that carried it. */
  evidence: Evidence
}

export interface OpenVpnFacts {
  /** 'tcp': each packet prefixed by its 16-bit length. */
  transport: 'udp' | 'tcp'
  /** The first OpenVPN control packet read. */
  evidence: Evidence
  controlWrap: ControlWrap
  /** tls-auth: the HMAC length guessed (not on the wire), how, and the packet that told. */
  tlsAuth: {hmacBytes: number; guessedFrom: HmacCertainty; evidence: Evidence} | null
  /** Session ids by OpenVPN role (the sender of the client's hard reset is the client). */
  clientSession: OpenVpnSession | null
  serverSession: OpenVpnSession | null
  /** Control and data packets read before the analyzer stepped aside. */
  controlPackets: number
  dataPackets: number
  /** Control packets whose message id had been taken already (sent again). */
  retransmissions: number
  /** A control packet was lost: the TLS stream of a direction was read only up to it. */
  controlStreamGap: boolean
  /** The OpenVPN client is the flow's server endpoint (the flow's orientation was guessed the
   * other way round). TLS certificates still say which flow endpoint sent them. */
  rolesReversed?: true
  /** The TLS handshake inside the control channel; null when none was read (tls-crypt). */
  tls: TlsFacts | null
}

type TlsState = ReturnType<typeof tlsAnalyzer.start>

interface Direction {
  toServer: boolean
  /** TCP: the stream, and the offset of its next OpenVPN packet. */
  stream: TcpByteStream | null
  at: number
  /** TCP: the stream stopped making sense (a zero length, the cap). */
  broken: boolean
  session: Uint8Array | null
  sessionEvidence: Evidence | null
  control: ControlStream
  /** Bytes of TLS handed to the TLS analyzer so far (its synthetic sequence number). */
  tlsOffset: number
}

interface OpenVpnState {
  flow: FlowInfo
  evidenceOf: EvidenceOf
  packets: number
  evidence: Evidence | undefined
  toServer: Direction
  toClient: Direction
  /** -1 until guessed. */
  hmacLength: number
  hmacCertainty: HmacCertainty | undefined
  hmacEvidence: Evidence | undefined
  wrap: ControlWrap | undefined
  /** The key id whose handshake is read (the first one seen; renegotiations use others). */
  keyId: number
  /** Whether the OpenVPN client sends toward the flow's server; undefined until a reset tells. */
  clientSendsToServer: boolean | undefined
  controlPackets: number
  dataPackets: number
  unreadable: number
  confirmed: boolean
  failed: boolean
  tls: TlsState | undefined
  tlsDone: boolean
  /** Reused packet handed to the TLS analyzer. */
  synthetic: ReusedPayloadPacket
}

function newDirection(toServer: boolean): Direction {
  return {toServer, stream: null, at: 0, broken: false, session: null, sessionEvidence: null, control: new ControlStream(), tlsOffset: 0}
}

/**
 * Whether a flow's first payload (without a TCP length prefix) is a hard reset (key id 0) whose
 * layout holds with some HMAC length and whose message id is 0, or, for tls-crypt, whose packet id
 * and time are plausible: the strict test for ports other than 1194.
 */
export function looksLikeOpenVpnReset(d: Uint8Array, sec: number): boolean {
  if (d.length < 1 + SESSION_ID_BYTES || (d[0]! & 7) !== 0) return false
  const op = opcodeOf(d[0]!)
  if (!isClientResetOpcode(op) && !isServerResetOpcode(op)) return false
  const guess = guessHmacLength(d)
  // A hard reset is the first packet of its direction's reliable layer: message id 0.
  if (guess) return guess.header.messageId === 0
  return looksLikeTlsCrypt(d, sec)
}

function startsLikeOpenVpn(d: Uint8Array): boolean {
  if (d.length === 0) return false
  const op = opcodeOf(d[0]!)
  return isDataOpcode(op) || (isControlOpcode(op) && d.length >= 1 + SESSION_ID_BYTES)
}

export const openvpnAnalyzer: ProtocolAnalyzer<OpenVpnState, OpenVpnFacts> = {
  name: 'openvpn',
  /** A handshake with a certificate chain in 100-byte control fragments, with acks both ways. */
  packetBudget: 512,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    const d = packet.data
    const onPort = flow.server.port === OPENVPN_PORT || flow.client.port === OPENVPN_PORT
    if (flow.transport === 'udp') return onPort ? startsLikeOpenVpn(d) : looksLikeOpenVpnReset(d, packet.sec)
    if (d.length < 3) return false
    const length = (d[0]! << 8) | d[1]!
    if (onPort) return length > 0 && startsLikeOpenVpn(d.subarray(2, 2 + length))
    return length + 2 === d.length && looksLikeOpenVpnReset(d.subarray(2), packet.sec)
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): OpenVpnState {
    return {
      flow,
      evidenceOf,
      packets: 0,
      evidence: undefined,
      toServer: newDirection(true),
      toClient: newDirection(false),
      hmacLength: -1,
      hmacCertainty: undefined,
      hmacEvidence: undefined,
      wrap: undefined,
      keyId: -1,
      clientSendsToServer: undefined,
      controlPackets: 0,
      dataPackets: 0,
      unreadable: 0,
      confirmed: false,
      failed: false,
      tls: undefined,
      tlsDone: false,
      synthetic: new ReusedPayloadPacket(),
    }
  },

  feed(state: OpenVpnState, packet: PayloadPacket): boolean {
    state.packets++
    const dir = packet.toServer ? state.toServer : state.toClient
    if (state.flow.transport === 'udp') readPacket(state, dir, packet.data, packet)
    else if (!dir.broken) readTcp(state, dir, packet)
    const more = wantsMore(state)
    if (!more) release(state)
    return more
  },

  finish(state: OpenVpnState): OpenVpnFacts | undefined {
    release(state)
    const tls = state.tls ? (tlsAnalyzer.finish(state.tls) ?? null) : null
    state.tls = undefined
    if (!state.confirmed || state.failed || !state.evidence || !state.wrap) return undefined
    const clientDir = state.clientSendsToServer === false ? state.toClient : state.toServer
    const serverDir = clientDir === state.toServer ? state.toClient : state.toServer
    const out: OpenVpnFacts = {
      transport: state.flow.transport,
      evidence: state.evidence,
      controlWrap: state.wrap,
      tlsAuth:
        state.wrap === 'tls-auth' && state.hmacCertainty && state.hmacEvidence
          ? {hmacBytes: state.hmacLength, guessedFrom: state.hmacCertainty, evidence: state.hmacEvidence}
          : null,
      clientSession: sessionOf(clientDir),
      serverSession: sessionOf(serverDir),
      controlPackets: state.controlPackets,
      dataPackets: state.dataPackets,
      retransmissions: state.toServer.control.retransmissions + state.toClient.control.retransmissions,
      controlStreamGap: state.toServer.control.stalled || state.toClient.control.stalled,
      ...(state.clientSendsToServer === false ? {rolesReversed: true as const} : {}),
      tls,
    }
    return out
  },

  describe(facts: OpenVpnFacts): string[] {
    const parts = [facts.transport.toUpperCase()]
    switch (facts.controlWrap) {
      case 'none':
        parts.push('no tls-auth')
        break
      case 'tls-auth':
        parts.push(facts.tlsAuth ? `tls-auth HMAC ${facts.tlsAuth.hmacBytes} bytes` : 'tls-auth')
        break
      case 'tls-crypt':
        parts.push('tls-crypt suspected: control channel encrypted, TLS not readable')
        break
      case 'tls-crypt-v2':
        parts.push('tls-crypt-v2: control channel encrypted, TLS not readable')
        break
    }
    if (facts.clientSession) parts.push(`client session ${facts.clientSession.id}`)
    if (facts.serverSession) parts.push(`server session ${facts.serverSession.id}`)
    const lines = [`${parts.join(', ')} ${frameRef(facts.evidence)}`]
    if (facts.tls) for (const line of tlsAnalyzer.describe(facts.tls)) lines.push(`TLS ${line}`)
    if (facts.controlStreamGap) lines.push('a control packet was lost: TLS read only up to it')
    return lines
  },
}

function sessionOf(dir: Direction): OpenVpnSession | null {
  return dir.session && dir.sessionEvidence ? {id: sessionHex(dir.session, 0), evidence: dir.sessionEvidence} : null
}

function wantsMore(state: OpenVpnState): boolean {
  if (state.failed) return false
  if (!state.confirmed) return state.unreadable < MAX_UNREADABLE && state.packets < MAX_UNCONFIRMED_PACKETS
  if (state.wrap === 'tls-crypt' || state.wrap === 'tls-crypt-v2') {
    return !(state.toServer.session && state.toClient.session) && state.packets < MAX_UNCONFIRMED_PACKETS
  }
  if (state.tlsDone) return false
  const stopped = (d: Direction) => d.broken || d.control.stalled
  return !(stopped(state.toServer) && stopped(state.toClient))
}

/** Drop the buffers (the facts stay). */
function release(state: OpenVpnState): void {
  state.toServer.stream = null
  state.toClient.stream = null
  state.toServer.control.release()
  state.toClient.control.release()
}

/** TCP: the packets of the direction's stream, each after its 16-bit length (Wireshark's
 * get_msg_length; OpenVPN's socket.h stream_buf). */
function readTcp(state: OpenVpnState, dir: Direction, packet: PayloadPacket): void {
  const stream = (dir.stream ??= new TcpByteStream(MAX_TCP_STREAM))
  stream.push(packet.seq, packet.data, packet.streamStart)
  const bytes = stream.bytes
  while (dir.at + 2 <= bytes.length && !state.failed) {
    const length = (bytes[dir.at]! << 8) | bytes[dir.at + 1]!
    if (length === 0) {
      dir.broken = true
      break
    }
    if (dir.at + 2 + length > bytes.length) break
    readPacket(state, dir, bytes.subarray(dir.at + 2, dir.at + 2 + length), packet)
    dir.at += 2 + length
  }
  // At the cap nothing more can be read from this direction.
  if (stream.full) dir.broken = true
  if (dir.broken) dir.stream = null
}

/** One OpenVPN packet of a direction. */
function readPacket(state: OpenVpnState, dir: Direction, d: Uint8Array, packet: PayloadPacket): void {
  if (d.length === 0) return
  const op = opcodeOf(d[0]!)
  if (isDataOpcode(op)) {
    state.dataPackets++
    return
  }
  if (!isControlOpcode(op) || d.length < 1 + SESSION_ID_BYTES) {
    state.unreadable++
    if (!state.confirmed && state.unreadable >= MAX_UNREADABLE) state.failed = true
    return
  }
  // Each end keeps its session id; a packet with another one belongs to a later session on the
  // same 5-tuple (a reconnect), whose handshake would mix with this one's.
  if (!dir.session) {
    dir.session = d.slice(1, 1 + SESSION_ID_BYTES)
    dir.sessionEvidence = state.evidenceOf(packet)
  } else if (!sameSession(d, dir.session)) return
  if (state.clientSendsToServer === undefined) {
    if (isClientResetOpcode(op)) state.clientSendsToServer = packet.toServer
    else if (isServerResetOpcode(op)) state.clientSendsToServer = !packet.toServer
  }
  state.controlPackets++
  state.evidence ??= state.evidenceOf(packet)
  if (state.wrap === 'tls-crypt' || state.wrap === 'tls-crypt-v2') return
  let header
  if (state.hmacLength < 0) {
    const peer = (packet.toServer ? state.toClient : state.toServer).session ?? undefined
    const guess = guessHmacLength(d, peer)
    if (!guess) {
      if (looksLikeTlsCrypt(d, packet.sec)) {
        state.wrap = op === OP.HARD_RESET_CLIENT_V3 || op === OP.CONTROL_WKC_V1 ? 'tls-crypt-v2' : 'tls-crypt'
        state.confirmed = true
      } else state.unreadable++
      return
    }
    state.hmacLength = guess.hmacLength
    state.hmacCertainty = guess.certainty
    state.hmacEvidence = state.evidenceOf(packet)
    state.wrap = guess.hmacLength > 0 ? 'tls-auth' : 'none'
    state.confirmed = true
    header = guess.header
  } else {
    header = parseControlPacket(d, state.hmacLength)
    if (!header) {
      state.unreadable++
      return
    }
  }
  if (state.keyId < 0) state.keyId = header.keyId
  if (header.keyId !== state.keyId) return
  if (isResetOpcode(op)) dir.control.reset(header.messageId)
  else if (op === OP.CONTROL_V1) {
    dir.control.accept(header.messageId, d.subarray(header.payloadAt), (payload) => feedTls(state, dir, packet, payload))
  }
}

function sameSession(d: Uint8Array, session: Uint8Array): boolean {
  for (let i = 0; i < SESSION_ID_BYTES; i++) if (d[1 + i] !== session[i]) return false
  return true
}

/** Hand TLS bytes of a direction, in order, to the TLS analyzer as if they were a TCP stream,
 * with the frame and time of the OpenVPN packet that brought them. */
function feedTls(state: OpenVpnState, dir: Direction, packet: PayloadPacket, payload: Uint8Array): void {
  if (state.tlsDone || payload.length === 0) return
  state.tls ??= tlsAnalyzer.start(state.flow, state.evidenceOf)
  const s = state.synthetic
  copyPacketPlace(s, packet)
  s.toServer = dir.toServer
  s.setData(payload)
  s.seq = dir.tlsOffset >>> 0
  s.streamStart = dir.tlsOffset === 0 ? 0 : -1
  dir.tlsOffset += payload.length
  if (!tlsAnalyzer.feed(state.tls, s)) state.tlsDone = true
  s.setData(EMPTY)
}
