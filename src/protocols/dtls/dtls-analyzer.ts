/**
 * DTLS over UDP (RFC 6347, RFC 9147), as WebRTC uses it to key SRTP (RFC 5764): ClientHello
 * (SNI, use_srtp profiles, fingerprints), ServerHello (version, suite, selected SRTP profile),
 * and the certificates of both sides (WebRTC endpoints send self-signed ones named "WebRTC",
 * Google's "hangouts"...). Handshake messages split into fragments, across records and datagrams,
 * are reassembled by message_seq; retransmitted messages are read once.
 *
 * WebRTC multiplexes STUN, DTLS and SRTP on one 5-tuple (RFC 7983 §7: first byte 0-3 STUN,
 * 20-63 DTLS, 64-79 TURN channel, 128-191 RTP/RTCP), and the first packet of such a flow is
 * usually a STUN binding request: a flow is taken when its first payload is a DTLS record or a
 * STUN message, and then each datagram whose first byte is not DTLS's is skipped at once. The
 * analyzer steps aside once both sides send encrypted records (epoch > 0), or when no DTLS shows
 * up within MAX_PACKETS_BEFORE_DTLS packets.
 *
 * A call relayed by a TURN server (RFC 8656) carries the peers' DTLS inside TURN: in ChannelData
 * messages (§12.4; [MS-TURN]'s multiplexed channel 0xFF10 puts an 8-byte session id first) or in
 * the DATA attribute of Send and Data indications (§11). A capture made at the client sees only
 * its flow to the relay, so the handshake is read there too, as Wireshark's TURN dissector hands
 * ChannelData on: the records found inside are read as if direct, and the facts say `relayed`.
 * ChannelData is believed only where TURN is in use (a STUN message on the flow, or a STUN/TURN
 * server port: see ../stun/ports.ts).
 *
 * Where UDP is blocked, the same call goes over TCP: ICE-TCP (RFC 6544) frames each packet with a
 * 16-bit length (RFC 4571), TURN over TCP sends STUN and ChannelData back to back (RFC 8656
 * §12.5). A TCP flow is taken when it starts with STUN in either framing (or ChannelData to a
 * TURN port); each direction is reassembled and cut into frames as the STUN analyzer does, and
 * the DTLS inside read as from datagrams.
 */
import {copyPacketPlace, type Evidence, type EvidenceOf, type FlowInfo, type PayloadPacket, placeOnlyPacket, type ProtocolAnalyzer} from '../analyzer.js'
import {parseCertificateMessage} from '../tls/certificate.js'
import {parseClientHello} from '../tls/client-hello.js'
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
} from '../tls/hello-facts.js'
import {RangeBuffer} from '../tls/range-buffer.js'
import {parseServerHello} from '../tls/server-hello.js'
import {CONTENT, HS, versionName} from '../tls/tls-registry.js'
import {capwapDtlsOffset, forEachHandshakeFragment, forEachRecord, looksLikeDtlsRecord, looksLikeStun} from './dtls-record.js'
import {CHANNEL_DATA_AFTER_STUN, CHANNEL_DATA_NEVER, CHANNEL_DATA_READ, channelDataTrust, isStunPort} from '../stun/ports.js'
import {type ChannelDataHeader, channelDataHeader, channelDataPayload, findDataAttribute, hasMagicCookie, stunMethod, type ValueBounds} from '../stun/message.js'
import {type StreamFrame, StunStreamFramer} from '../stun/tcp-framing.js'
import {TcpByteStream} from '../tcp-byte-stream.js'

/** Payload packets to wait for a first DTLS record (STUN checks come first) before stepping aside. */
const MAX_PACKETS_BEFORE_DTLS = 40
/** The same through a TURN relay, where allocation, permissions and the ICE checks relayed to each
 * of the peer's candidates come first (a Chrome call through coturn: the ClientHello was the
 * 20th packet of the client's flow to the relay). */
const MAX_PACKETS_BEFORE_RELAYED_DTLS = 120
/** Payload packets looked at per flow in all. */
const MAX_PACKETS = 200
/** Largest handshake message reassembled (longer ones are read up to this). */
const MAX_MESSAGE = 32 * 1024
/** Messages being reassembled at once per direction. */
const MAX_PENDING = 4
/** message_seq values remembered per direction (to skip retransmissions). */
const MAX_DONE = 64
const MAX_CERTIFICATE_MESSAGES = 4
/** TCP: bytes held per direction while cutting frames (read frames are let go). */
const TCP_HELD = 64 * 1024

export interface DtlsFacts {
  /** Version of the first DTLS record seen. */
  recordVersion: string
  /** The first DTLS record of the flow. */
  firstRecord: Evidence
  clientHello?: ClientHelloFacts
  /** ClientHellos after the first (the one answering a HelloVerifyRequest cookie, or retries). */
  clientHelloCount?: number
  serverHello?: ServerHelloFacts
  /** Certificates; `sentBy` is the flow endpoint that sent them ('client' = the flow's client). */
  certificates?: CertificateMessageFacts[]
  alerts?: AlertFacts[]
  /** The DTLS client (ClientHello sender) is the flow's server endpoint. */
  rolesReversed?: true
  /** Records with epoch > 0 (or DTLS 1.3 ciphertext) were seen: the session is keyed. */
  encrypted: boolean
  /** Some of the records were relayed inside TURN messages (ChannelData, Send or Data
   * indications) on this flow to a TURN server: the DTLS peer is beyond the relay. */
  relayed?: true
}

interface PendingMessage {
  type: number
  length: number
  buffer: RangeBuffer
}

interface Direction {
  pending: Map<number, PendingMessage>
  done: Set<number>
  encrypted: boolean
  alertSeen: boolean
}

interface TcpDirection {
  stream: TcpByteStream | undefined
  framer: StunStreamFramer
}

interface DtlsState {
  evidenceOf: EvidenceOf
  capwap: boolean
  packets: number
  client: Direction
  server: Direction
  sawDtls: boolean
  /** CHANNEL_DATA_NEVER, _AFTER_STUN (until a STUN message is seen) or _READ: whether TURN
   * ChannelData is believed on this flow (see ../stun/ports.ts). */
  turn: number
  /** TCP: each direction's stream and framer; undefined for UDP. */
  tcp: [TcpDirection, TcpDirection] | undefined
  /** A TURN message (a TURN method, or believed ChannelData) was seen: the flow goes to a relay. */
  relaying: boolean
  relayed: boolean
  /** Where the last DTLS packet was, to date a message left incomplete. */
  lastPacket: {frame: number; capture: number; sec: number; nsec: number; toServer: boolean}
  facts: DtlsFacts
}

/** Scratch structs the TURN parsers fill (feed is never re-entered). */
const scratchChannel: ChannelDataHeader = {channel: 0, length: 0}
const scratchData: ValueBounds = {start: 0, end: 0}
const scratchFrame: StreamFrame = {kind: 'stun', start: 0, end: 0}

/** Placeholder until the first DTLS record (replaced, never changed). */
const NO_RECORD: Evidence = Object.freeze({frame: 0, capture: 0, time: ''})

/** What a finished state holds instead of its own directions and facts (nothing is fed after
 * finish, and the state stays referenced to the end of the run). */
const FINISHED_DIRECTION: Direction = {pending: new Map(), done: new Set(), encrypted: false, alertSeen: false}
const FINISHED_FACTS: DtlsFacts = {recordVersion: '', firstRecord: NO_RECORD, encrypted: false}

function release(state: DtlsState): void {
  state.tcp = undefined
  state.client = FINISHED_DIRECTION
  state.server = FINISHED_DIRECTION
  state.facts = FINISHED_FACTS
}

function newDirection(): Direction {
  return {pending: new Map(), done: new Set(), encrypted: false, alertSeen: false}
}

function packetTimeMs(p: {sec: number; nsec: number}): number {
  return p.sec * 1000 + Math.floor(p.nsec / 1e6)
}

export const dtlsAnalyzer: ProtocolAnalyzer<DtlsState, DtlsFacts> = {
  name: 'dtls',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    const d = packet.data
    if (flow.transport === 'tcp') {
      // ICE-TCP or TURN over TCP: a STUN message first, RFC 4571-framed or not (as the RTP and
      // STUN analyzers take such a flow), or ChannelData to a TURN port.
      if (looksLikeStun(d) || looksLikeStun(d, 2)) return true
      return isStunPort(flow) && channelDataHeader(d, 0, d.length, false, scratchChannel)
    }
    if (looksLikeDtlsRecord(d) || looksLikeStun(d)) return true
    // A capture begun during a relayed call: ChannelData to a TURN server port.
    if (isStunPort(flow) && channelDataHeader(d, 0, d.length, true, scratchChannel)) return true
    // CAPWAP control: cleartext discovery (preamble 0x00) comes before the DTLS session (0x01).
    return isCapwapPort(flow) && d.length >= 4 && (d[0] === 0x00 || d[0] === 0x01)
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): DtlsState {
    return {
      evidenceOf,
      capwap: isCapwapPort(flow),
      packets: 0,
      client: newDirection(),
      server: newDirection(),
      sawDtls: false,
      turn: channelDataTrust(flow),
      tcp:
        flow.transport === 'tcp'
          ? [
              {stream: new TcpByteStream(TCP_HELD), framer: new StunStreamFramer(isStunPort(flow))},
              {stream: new TcpByteStream(TCP_HELD), framer: new StunStreamFramer(isStunPort(flow))},
            ]
          : undefined,
      relaying: false,
      relayed: false,
      lastPacket: {frame: 0, capture: 0, sec: 0, nsec: 0, toServer: true},
      facts: {recordVersion: '', firstRecord: NO_RECORD, encrypted: false},
    }
  },

  feed(state: DtlsState, packet: PayloadPacket): boolean {
    const more = state.tcp ? feedStream(state, packet, state.tcp) : feedDatagram(state, packet)
    // Stepping aside: read what is left in the reassembly buffers, then drop them.
    if (!more) wrapUp(state)
    return more
  },

  finish(state: DtlsState): DtlsFacts | undefined {
    wrapUp(state)
    if (!state.sawDtls) {
      release(state)
      return undefined
    }
    const f = state.facts
    state.facts.encrypted = state.client.encrypted || state.server.encrypted
    const out: DtlsFacts = {recordVersion: f.recordVersion, firstRecord: f.firstRecord, encrypted: false}
    if (f.clientHello) out.clientHello = f.clientHello
    if (f.clientHelloCount) out.clientHelloCount = f.clientHelloCount
    if (f.serverHello) out.serverHello = f.serverHello
    if (f.certificates) out.certificates = f.certificates
    if (f.alerts) out.alerts = f.alerts
    if (f.rolesReversed) out.rolesReversed = true
    out.encrypted = state.facts.encrypted
    if (state.relayed) out.relayed = true
    release(state)
    return out
  },

  describe(facts: DtlsFacts): string[] {
    const lines: string[] = []
    if (facts.clientHello) lines.push(describeClientHello(facts.clientHello, 'DTLS ClientHello'))
    if (facts.serverHello) lines.push(`DTLS ${describeServerHello(facts.serverHello)}`)
    for (const message of facts.certificates ?? []) lines.push(`DTLS ${describeCertificateMessage(message)}`)
    for (const alert of facts.alerts ?? []) lines.push(describeAlert(alert, 'DTLS alert'))
    if (lines.length === 0) lines.push(`DTLS ${facts.recordVersion}${facts.encrypted ? ' encrypted records (handshake not captured)' : ''} ${frameRef(facts.firstRecord)}`)
    if (facts.relayed) lines.push('DTLS relayed inside TURN messages: the DTLS peer is beyond the relay')
    return lines
  },
}

function feedDatagram(state: DtlsState, packet: PayloadPacket): boolean {
  state.packets++
  const d = packet.data
  const at = state.capwap ? capwapDtlsOffset(d) : 0
  const first = d[at]
  // RFC 7983: DTLS records start with 20-63; anything else (STUN, RTP...) is not ours, unless it
  // is a TURN message relaying DTLS.
  if (first === undefined || first < 20 || first > 63) {
    const relayed = at === 0 && state.turn !== CHANNEL_DATA_NEVER ? relayedPayload(state, d, 0, d.length) : undefined
    if (!relayed) return wantsMore(state)
    readRecords(state, packet, relayed, 0, true)
  } else readRecords(state, packet, d, at, false)
  return !keyed(state) && wantsMore(state)
}

/**
 * TCP: reassemble the packet's direction and read each complete frame: an RFC 4571 packet holds
 * DTLS itself (ICE-TCP, direct), ChannelData and Send/Data indications relay it (TURN over TCP).
 */
function feedStream(state: DtlsState, packet: PayloadPacket, tcp: [TcpDirection, TcpDirection]): boolean {
  state.packets++
  const dir = tcp[packet.toServer ? 0 : 1]
  const stream = dir.stream
  if (stream && !dir.framer.stopped()) {
    stream.push(packet.seq, packet.data, packet.streamStart)
    const bytes = stream.bytes
    const frame = scratchFrame
    while (!keyed(state) && dir.framer.next(bytes, frame)) {
      const first = bytes[frame.start]
      if (first === undefined) continue
      if (frame.kind === 'packet' && first >= 20 && first <= 63) {
        readRecords(state, packet, bytes.subarray(frame.start, frame.end), 0, false)
        continue
      }
      // A STUN message (in either framing) or ChannelData; over TCP a ChannelData frame's
      // bounds are exact (RFC 8656 §12.5 padding lies outside them).
      const relayed = relayedPayload(state, bytes, frame.start, frame.end)
      if (relayed) readRecords(state, packet, relayed, 0, true)
    }
    dir.framer.discardParsed(stream)
    if (stream.full) dir.framer.stop()
  }
  if (dir.framer.stopped()) dir.stream = undefined
  if (tcp[0].framer.stopped() && tcp[1].framer.stopped()) return false
  return !keyed(state) && wantsMore(state)
}

/** Both sides send encrypted records: the handshake is over, nothing more is in clear. */
function keyed(state: DtlsState): boolean {
  return state.client.encrypted && state.server.encrypted
}

/** The DTLS records of `d` from `at`, sent in `packet` (inside a TURN message when `relayed`). */
function readRecords(state: DtlsState, packet: PayloadPacket, d: Uint8Array, at: number, relayed: boolean): void {
  const dir = packet.toServer ? state.client : state.server
  let records = 0
  const result = forEachRecord(d, at, (record) => {
    records++
    if (!state.sawDtls) {
      state.sawDtls = true
      state.facts.recordVersion = versionName(record.version)
      state.facts.firstRecord = state.evidenceOf(packet)
    }
    if (record.epoch !== 0) {
      dir.encrypted = true
      return
    }
    if (record.type === CONTENT.HANDSHAKE) {
      forEachHandshakeFragment(record.fragment, (fragment) => {
        if (dir.done.has(fragment.messageSeq)) return
        let message = dir.pending.get(fragment.messageSeq)
        if (!message) {
          if (dir.pending.size >= MAX_PENDING) return
          message = {type: fragment.msgType, length: fragment.length, buffer: new RangeBuffer(Math.min(fragment.length, MAX_MESSAGE))}
          dir.pending.set(fragment.messageSeq, message)
        }
        if (message.type !== fragment.msgType || message.length !== fragment.length) return
        message.buffer.add(fragment.fragmentOffset, fragment.body)
        if (message.buffer.has(Math.min(message.length, MAX_MESSAGE))) {
          dir.pending.delete(fragment.messageSeq)
          if (dir.done.size < MAX_DONE) dir.done.add(fragment.messageSeq)
          handleMessage(state, packet, message.type, message.buffer.view(0, message.length), message.length <= MAX_MESSAGE)
        }
      })
    } else if (record.type === CONTENT.ALERT && record.fragment.length >= 2 && !dir.alertSeen) {
      dir.alertSeen = true
      const alerts = (state.facts.alerts ??= [])
      if (alerts.length < 2) alerts.push(alertFacts(record.fragment[0]!, record.fragment[1]!, packet.toServer ? 'client' : 'server', state.evidenceOf(packet)))
    }
  })
  if (relayed && (records > 0 || result.encrypted)) state.relayed = true
  if (result.encrypted) {
    if (!state.sawDtls) {
      state.sawDtls = true
      state.facts.recordVersion = versionName(0xfefc)
      state.facts.firstRecord = state.evidenceOf(packet)
    }
    dir.encrypted = true
  }
  if (state.sawDtls) {
    copyPacketPlace(state.lastPacket, packet)
    state.lastPacket.toServer = packet.toServer
  }
}

function wantsMore(state: DtlsState): boolean {
  return state.packets < (state.sawDtls ? MAX_PACKETS : state.relaying ? MAX_PACKETS_BEFORE_RELAYED_DTLS : MAX_PACKETS_BEFORE_DTLS)
}

/**
 * The packet a TURN message in `d` relays, when it starts like DTLS (RFC 7983: 20-63): the data
 * of a ChannelData message (RFC 8656 §12.4, once TURN is believed on the flow) or the DATA
 * attribute of a Send or Data indication (§11). A STUN message with the magic cookie makes
 * ChannelData believed from then on (a ChannelBind comes before a channel is used).
 */
function relayedPayload(state: DtlsState, d: Uint8Array, from: number, to: number): Uint8Array | undefined {
  const lead = d[from]!
  let start = 0
  let end = 0
  if ((lead >= 0x40 && lead <= 0x7f) || lead === 0xff) {
    if (state.turn !== CHANNEL_DATA_READ || !channelDataHeader(d, from, to, true, scratchChannel)) return undefined
    state.relaying = true
    ;({start, end} = channelDataPayload(from, scratchChannel, scratchData))
  } else if (lead <= 0x01 && to - from >= 20) {
    // (Without the cookie: a classic RFC 3489 / [MS-TURN] message, which findDataAttribute allows
    // only for the message types that relay data.)
    if (hasMagicCookie(d, from)) {
      if (state.turn === CHANNEL_DATA_AFTER_STUN) state.turn = CHANNEL_DATA_READ
      const method = stunMethod((d[from]! << 8) | d[from + 1]!)
      // TURN's methods (RFC 8656 §18: Allocate 0x003 to ChannelBind 0x009; RFC 6062's
      // Connect 0x00a-0x00c): the flow goes to a relay.
      if (method >= 0x003 && method <= 0x00c) state.relaying = true
    }
    if (to - from < 24 || !findDataAttribute(d, from, to, scratchData)) return undefined
    start = scratchData.start
    end = scratchData.end
  } else return undefined
  if (end - start < 13) return undefined
  const inner = d[start]!
  return inner >= 20 && inner <= 63 ? d.subarray(start, end) : undefined
}

/**
 * Done with the flow: a Certificate message cut short (a fragment never captured) is read for the
 * certificates whose bytes arrived contiguously from its start; then the buffers are dropped.
 * Idempotent.
 */
function wrapUp(state: DtlsState): void {
  for (const [dir, toServer] of [
    [state.client, true],
    [state.server, false],
  ] as const) {
    for (const message of dir.pending.values()) {
      if (message.type !== HS.CERTIFICATE || message.buffer.contiguous < 3) continue
      const at = placeOnlyPacket(state.lastPacket, toServer)
      handleMessage(state, at, message.type, message.buffer.view(0, message.buffer.contiguous), false)
    }
    dir.pending.clear()
    dir.done.clear()
  }
}

function isCapwapPort(flow: FlowInfo): boolean {
  const s = flow.server.port
  const c = flow.client.port
  return s === 5246 || s === 5247 || c === 5246 || c === 5247
}

function handleMessage(state: DtlsState, packet: PayloadPacket, type: number, body: Uint8Array, complete: boolean): void {
  const facts = state.facts
  switch (type) {
    case HS.CLIENT_HELLO: {
      if (facts.clientHello) {
        facts.clientHelloCount = (facts.clientHelloCount ?? 1) + 1
        return
      }
      const hello = parseClientHello(body, true)
      if (!hello) return
      if (!complete) hello.truncated = true
      facts.clientHello = clientHelloFacts(hello, 'dtls', state.evidenceOf(packet))
      if (!packet.toServer) facts.rolesReversed = true
      return
    }
    case HS.SERVER_HELLO: {
      if (facts.serverHello) return
      const hello = parseServerHello(body)
      if (!hello) return
      if (!complete) hello.truncated = true
      facts.serverHello = serverHelloFacts(hello, state.evidenceOf(packet))
      if (packet.toServer && !facts.clientHello) facts.rolesReversed = true
      return
    }
    case HS.CERTIFICATE: {
      const list = (facts.certificates ??= [])
      if (list.length >= MAX_CERTIFICATE_MESSAGES) return
      const chain = parseCertificateMessage(body, packetTimeMs(packet))
      if (!chain) return
      if (!complete) chain.truncated = true
      list.push(certificateMessageFacts(chain, packet.toServer ? 'client' : 'server', state.evidenceOf(packet)))
      return
    }
    default:
      return
  }
}
