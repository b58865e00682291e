/**
 * STUN/TURN analyzer: what an on-path observer learns from the NAT-traversal exchange of a
 * call. The mapped addresses are the caller's public address (they also tell where the capture
 * was taken), the relayed and peer addresses are where a TURN relay sends the media, SOFTWARE
 * names the client or server (`Cisco-Spark` = Webex, `Coturn`...), USERNAME/REALM identify the
 * tenant, and vendor attributes ([MS-TURN], Google, Cisco) identify the app.
 *
 * Transports: UDP datagrams (one message or ChannelData per datagram, RFC 8489 §6.2.1), and TCP
 * byte streams where messages follow each other (RFC 8489 §6.2.2, ChannelData padded to 4 bytes
 * per RFC 8656 §12.5) or are framed with a 2-byte length (RFC 4571, used by ICE-TCP RFC 6544).
 * RFC 7983 multiplexing is respected: DTLS and RTP packets on the same 5-tuple are skipped.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {intern} from '../../util/intern.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {type StreamFrame, StunStreamFramer} from './tcp-framing.js'
import {channelDataExcluded, isStunPort, STUN_PORTS} from './ports.js'
import type {AddressRole, Vendor} from './attributes.js'
import type {AddressScope} from './address-scope.js'
import {
  channelDataHeader,
  type ChannelDataHeader,
  channelDataPayload,
  hasMagicCookie,
  parseStunMessage,
  type StunAttribute,
  type StunDialect,
  stunFrameLength,
  type StunMessage,
  type ValueBounds,
} from './message.js'

/** Caps: message details kept, distinct values kept per list, pending requests, RTT samples. */
const MAX_SAMPLE_MESSAGES = 32
const MAX_ITEMS = 32
const MAX_PENDING = 128
const MAX_RTT_SAMPLES = 32
const MAX_CHANNELS = 16
/** Messages fully parsed per flow; beyond, only messages of a type not seen yet are parsed and
 * the others counted by type (a TURN flow relaying media in Send/Data indications is all STUN). */
const MAX_PARSED = 256
/** Bytes of TCP stream held per direction (read frames are let go: see StunStreamFramer.discardParsed). */
const TCP_STREAM_CAP = 64 * 1024
/** Packets to wait for a first STUN message before stepping aside; longer on a flow that starts
 * with DTLS or RTP (a WebRTC flow captured mid-call sends a consent check every few seconds). */
const PATIENCE_PACKETS = 24
const PATIENCE_MUX_PACKETS = 200
/** ChannelData messages on one channel that make a TURN port's flow TURN when no STUN message
 * was seen on it (a capture started after the ChannelBind). */
const CHANNEL_DATA_TO_CONFIRM = 3

export type Sender = 'client' | 'server'

export interface AddressFact {
  attribute: string
  type: string
  ip: string
  port: number
  family: 'IPv4' | 'IPv6'
  /** Local address (RFC 1918, ULA...): a leak of the caller's LAN addressing. */
  scope?: AddressScope
  sentBy: Sender
  /** Seen inside a TURN Data indication or ChannelData (a peer's relayed ICE check). */
  via?: 'turn-data' | 'channel-data'
  message: string
  count: number
  first: Evidence
}

export interface TextFact {
  text: string
  sentBy: Sender
  count: number
  first: Evidence
}

export interface AttributeSummary {
  type: string
  name: string
  value?: string | number
}

export interface MessageFact {
  evidence: Evidence
  sentBy: Sender
  type: string
  name: string
  dialect: StunDialect
  transactionId: string
  via?: 'turn-data' | 'channel-data'
  attributes: AttributeSummary[]
}

export interface RttSample {
  transactionId: string
  message: string
  request: Evidence
  response: Evidence
  ms: number
  /** Times the request was sent before the answer (the RTT is from the last one). */
  transmissions: number
}

export interface StunFacts {
  transport: 'udp' | 'tcp'
  framing?: 'stream' | 'rfc4571'
  messages: number
  classicMessages: number
  nestedMessages: number
  channelDataMessages: number
  dialects: StunDialect[]
  messageTypes: Array<{type: string; name: string; count: number}>
  mappedAddresses: AddressFact[]
  relayedAddresses: AddressFact[]
  peerAddresses: AddressFact[]
  serverAddresses: AddressFact[]
  software: TextFact[]
  usernames: TextFact[]
  realms: TextFact[]
  nonceMessages: number
  errors: Array<{code: number; reason: string; count: number; first: Evidence}>
  lifetimes: number[]
  requestedTransports: string[]
  vendorAttributes: Array<{type: string; name: string; vendor: Vendor; count: number; values: number[]; first: Evidence}>
  channels: Array<{channel: string; packets: number; bytes: number; first: Evidence}>
  transactions: {
    requests: number
    answered: number
    rtt?: {count: number; minMs: number; meanMs: number; maxMs: number}
    samples: RttSample[]
  }
  messageSample: MessageFact[]
  messagesNotKept: number
  /** Lists were capped or the TCP stream was longer than we reassemble. */
  truncated: boolean
  /**
   * Present (true) when the flow's server is the STUN client: every RFC 5389+ message on the flow
   * whose class says who sent it (RFC 8489 §5: requests 0b00, success 0b10 and error 0b11
   * responses; of the indications, TURN's Send from the client and Data from the server, RFC 8656
   * §10-11) says so, e.g. a capture that starts mid-call with the server's Binding success
   * response or Data indication. The flow table orients a flow by its first packet (and ports,
   * and private-vs-public addresses); this keeps its columns as they are and says who the STUN
   * client is. Absent when the messages agree with the table or disagree among themselves (ICE
   * checks go both ways between peers).
   */
  rolesReversed?: true
}

interface Pending {
  frame: number
  capture: number
  sec: number
  nsec: number
  toServer: boolean
  transmissions: number
  name: string
  /** Evidence of the (last) request packet when recording it built one: the RTT sample reuses
   * it instead of making a second, equal one. */
  evidence: Evidence | undefined
}

interface Direction {
  /** Dropped once the direction is done, so a finished flow keeps no buffer. */
  stream?: TcpByteStream
  framer: StunStreamFramer
}

/** What the flow's STUN messages said: created with the first message, so the many flows probed
 * in that carry no STUN cost no more than a few counters. */
interface Summary {
  dialects: Set<StunDialect>
  byType: Map<number, {name: string; count: number}>
  addresses: Map<string, AddressFact & {role: AddressRole}>
  software: Map<string, TextFact>
  usernames: Map<string, TextFact>
  realms: Map<string, TextFact>
  nonces: number
  errors: Map<string, {code: number; reason: string; count: number; first: Evidence}>
  lifetimes: Set<number>
  transports: Set<number>
  vendor: Map<number, {type: string; name: string; vendor: Vendor; count: number; values: number[]; first: Evidence}>
  channels: Map<number, {channel: string; packets: number; bytes: number; first: Evidence}>
  pending: Map<string, Pending>
  requests: number
  answered: number
  rttCount: number
  rttMin: number
  rttMax: number
  rttSum: number
  rttSamples: RttSample[]
  sample: MessageFact[]
  notKept: number
}

/**
 * Per-flow state. A class with every field set in the constructor: one fixed shape for the
 * thousands of UDP flows probed (most carry no STUN), and nothing per flow that could be shared
 * (the framing scratch structs are module-level, see below).
 */
class StunState {
  packets = 0
  patience = PATIENCE_PACKETS
  messages = 0
  classic = 0
  nested = 0
  channelData = 0
  sum: Summary | undefined = undefined
  /** The packet being fed, and its Evidence once something needed it (built at most once). */
  current: PayloadPacket | undefined = undefined
  currentEvidence: Evidence | undefined = undefined
  truncated = false
  tcp: [Direction, Direction] | undefined = undefined
  framing: 'stream' | 'rfc4571' | undefined = undefined
  /**
   * ChannelData counts on this flow (see ports.ts for why it must be earned): a STUN message was
   * seen on it, or, on a STUN/TURN port, CHANNEL_DATA_TO_CONFIRM well-formed ChannelData messages
   * on one channel with no malformed one. Until then ChannelData is recorded tentatively and is
   * reported only if the flow earns it later.
   */
  turnConfirmed = false
  /** A UDP datagram with ChannelData's first two bits whose length did not fit: on a flow with
   * no STUN message, ChannelData is not confirmed by counting. */
  channelDataMismatch = false
  /** RFC 5389+ messages whose class agrees with the flow's orientation (sent by the flow's client
   * as the STUN client, or by its server as the STUN server), and those that contradict it. */
  orientationAgrees = 0
  orientationContradicts = 0

  constructor(
    readonly evidenceOf: EvidenceOf,
    readonly transport: 'udp' | 'tcp',
    /** The flow is to or from a STUN port. */
    readonly stunPort: boolean,
    /** A well-known non-STUN service's port (Kerberos, GTP-C, DNS...): ChannelData never read. */
    readonly channelDataOff: boolean,
  ) {}
}

/**
 * Scratch for channelDataHeader and the TCP framer, shared by all flows: each holds one
 * header or frame while a packet is looked at (feed is never re-entered).
 */
const scratchChannel: ChannelDataHeader = {channel: 0, length: 0}
const scratchFrame: StreamFrame = {kind: 'stun', start: 0, end: 0}
const scratchBounds: ValueBounds = {start: 0, end: 0}

function summary(state: StunState): Summary {
  return (state.sum ??= {
    dialects: new Set(),
    byType: new Map(),
    addresses: new Map(),
    software: new Map(),
    usernames: new Map(),
    realms: new Map(),
    nonces: 0,
    errors: new Map(),
    lifetimes: new Set(),
    transports: new Set(),
    vendor: new Map(),
    channels: new Map(),
    pending: new Map(),
    requests: 0,
    answered: 0,
    rttCount: 0,
    rttMin: Infinity,
    rttMax: 0,
    rttSum: 0,
    rttSamples: [],
    sample: [],
    notKept: 0,
  })
}

/** `0x0001`-style names of 16-bit types, one string each (thousands of messages and attributes
 * name the same few types). */
const HEX4: string[] = []
function hex4(n: number): string {
  return (HEX4[n] ??= `0x${n.toString(16).padStart(4, '0')}`)
}

function isMuxFirstByte(b: number): boolean {
  // RFC 7983 §7: 20-63 DTLS, 128-191 RTP/RTCP.
  return (b >= 20 && b <= 63) || (b >= 128 && b <= 191)
}

function looksLikeStunDatagram(data: Uint8Array): boolean {
  if (data.length >= 20 && (data[0]! & 0xc0) === 0 && stunFrameLength(data, 0, data.length) === data.length) {
    return parseStunMessage(data, 0, data.length) !== undefined
  }
  return false
}

function looksLikeChannelData(data: Uint8Array, exact: boolean): boolean {
  return channelDataHeader(data, 0, data.length, exact, scratchChannel)
}

export const stunAnalyzer: ProtocolAnalyzer<StunState, StunFacts> = {
  name: 'stun',
  // ChannelData is counted for the whole flow; the analyzer has its own patience.
  packetBudget: Number.POSITIVE_INFINITY,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    const data = packet.data
    if (data.length === 0) return false
    if (flow.transport === 'udp') {
      if (STUN_PORTS.has(flow.server.port) || STUN_PORTS.has(flow.client.port)) return true
      // A flow that starts with ChannelData is looked at (its STUN may follow), but not on a
      // well-known service's port (Kerberos and GTP-C fit a ChannelData header, see ports.ts).
      return isMuxFirstByte(data[0]!) || looksLikeStunDatagram(data) || (looksLikeChannelData(data, true) && !channelDataExcluded(flow))
    }
    // TCP: a STUN header at the start of the segment, or after an RFC 4571 length prefix.
    if (data.length >= 20 && (data[0]! & 0xc0) === 0 && hasMagicCookie(data, 0)) return true
    if (data.length >= 22 && ((data[0]! << 8) | data[1]!) >= 20 && (data[2]! & 0xc0) === 0 && hasMagicCookie(data, 2)) return true
    if (STUN_PORTS.has(flow.server.port) && data.length >= 4) {
      return looksLikeChannelData(data, false) || stunFrameLength(data, 0, data.length) > 0
    }
    return false
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): StunState {
    const state = new StunState(evidenceOf, flow.transport, isStunPort(flow), channelDataExcluded(flow))
    if (flow.transport === 'tcp') {
      state.tcp = [
        {stream: new TcpByteStream(TCP_STREAM_CAP), framer: new StunStreamFramer(state.stunPort)},
        {stream: new TcpByteStream(TCP_STREAM_CAP), framer: new StunStreamFramer(state.stunPort)},
      ]
    }
    return state
  },

  feed(state: StunState, packet: PayloadPacket): boolean {
    state.packets++
    state.current = packet
    state.currentEvidence = undefined
    if (state.packets === 1 && state.transport === 'udp' && isMuxFirstByte(packet.bytes[packet.start]!)) state.patience = PATIENCE_MUX_PACKETS
    if (state.tcp) return feedTcp(state, packet)
    feedDatagram(state, packet)
    if (state.turnConfirmed || state.packets < state.patience) return true
    // Stepping aside with ChannelData that never earned belief: nothing of it is kept.
    state.sum = undefined
    return false
  },

  finish(state: StunState): StunFacts | undefined {
    const facts = factsOf(state)
    // The state stays referenced to the end of the run: keep nothing of it past this point
    // (summary maps, pending transactions, reassembly buffers, the last packet).
    state.sum = undefined
    state.tcp = undefined
    state.current = undefined
    state.currentEvidence = undefined
    return facts
  },

  describe(facts: StunFacts): string[] {
    return describeStun(facts)
  },
}

function factsOf(state: StunState): StunFacts | undefined {
  const sum = state.sum
  // Tentative ChannelData the flow never confirmed is not reported (see ports.ts).
  if (!sum || !state.turnConfirmed) return undefined
  const byRole = (role: AddressRole): AddressFact[] =>
    [...sum.addresses.values()].filter((a) => a.role === role).map(({role: _role, ...rest}) => rest)
  return {
    transport: state.transport,
    ...(state.framing ? {framing: state.framing} : {}),
    messages: state.messages,
    classicMessages: state.classic,
    nestedMessages: state.nested,
    channelDataMessages: state.channelData,
    dialects: [...sum.dialects].sort(),
    messageTypes: [...sum.byType.entries()].sort((a, b) => a[0] - b[0]).map(([type, t]) => ({type: hex4(type), name: t.name, count: t.count})),
    mappedAddresses: byRole('mapped'),
    relayedAddresses: byRole('relayed'),
    peerAddresses: byRole('peer'),
    serverAddresses: byRole('server'),
    software: [...sum.software.values()],
    usernames: [...sum.usernames.values()],
    realms: [...sum.realms.values()],
    nonceMessages: sum.nonces,
    errors: [...sum.errors.values()],
    lifetimes: [...sum.lifetimes].sort((a, b) => a - b),
    requestedTransports: [...sum.transports].sort((a, b) => a - b).map(transportName),
    vendorAttributes: [...sum.vendor.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v),
    channels: [...sum.channels.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c),
    transactions: {
      requests: sum.requests,
      answered: sum.answered,
      ...(sum.rttCount > 0
        ? {rtt: {count: sum.rttCount, minMs: round3(sum.rttMin), meanMs: round3(sum.rttSum / sum.rttCount), maxMs: round3(sum.rttMax)}}
        : {}),
      samples: sum.rttSamples.slice(), // exact size: kept in the facts
    },
    messageSample: sum.sample.slice(),
    messagesNotKept: sum.notKept,
    truncated: state.truncated,
    ...(state.orientationContradicts > 0 && state.orientationAgrees === 0 ? {rolesReversed: true as const} : {}),
  }
}

/** Evidence of the packet being fed, built on first use (most repeated messages need none). */
function evidenceNow(state: StunState): Evidence {
  return (state.currentEvidence ??= state.evidenceOf(state.current!))
}

function transportName(protocol: number): string {
  return protocol === 17 ? 'UDP' : protocol === 6 ? 'TCP' : `protocol ${protocol}`
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}

/** One UDP datagram: a STUN message, a ChannelData message, or another protocol (skipped). */
function feedDatagram(state: StunState, packet: PayloadPacket): void {
  // Most packets of a call are RTP, RTCP or DTLS (RFC 7983 §7), or ChannelData that only needs
  // counting: they are looked at in place, bytes[start, end), without making a view.
  const {bytes, start, end} = packet
  const first = bytes[start]!
  if ((first >= 0x40 && first <= 0x7f) || first === 0xff) {
    if (state.channelDataOff) return
    if (channelDataHeader(bytes, start, end, true, scratchChannel)) recordChannelData(state, packet, bytes, start)
    else state.channelDataMismatch = true
    return
  }
  if ((first & 0xc0) !== 0) return
  const data = packet.data
  if (data.length < 20) return
  if (!parseFully(state, data, 0)) {
    if (stunFrameLength(data, 0, data.length) === data.length) countOnly(state, data)
    return
  }
  const message = parseStunMessage(data, 0, data.length, {allowEmptyClassic: state.messages > 0 || isStunPortFlow(state)})
  if (message) record(state, packet, message, data, undefined)
}

function isStunPortFlow(state: StunState): boolean {
  return state.stunPort
}

/** The first MAX_PARSED messages are decoded, then only those of a type not seen yet. */
function parseFully(state: StunState, b: Uint8Array, at: number): boolean {
  if (state.messages < MAX_PARSED) return true
  const byType = state.sum?.byType
  return !!byType && byType.size < MAX_ITEMS && !byType.has((b[at]! << 8) | b[at + 1]!)
}

/** Past MAX_PARSED: count a message of a known type without decoding it. */
function countOnly(state: StunState, data: Uint8Array): void {
  const sum = summary(state)
  const type = (data[0]! << 8) | data[1]!
  state.messages++
  const t = sum.byType.get(type)
  if (t) t.count++
  sum.notKept++
  state.turnConfirmed = true
}

function recordChannelData(state: StunState, packet: PayloadPacket, b: Uint8Array, offset: number): void {
  const sum = summary(state)
  const {channel, length} = scratchChannel
  state.channelData++
  let c = sum.channels.get(channel)
  if (!c) {
    if (sum.channels.size >= MAX_CHANNELS) {
      state.truncated = true
    } else {
      c = {channel: hex4(channel), packets: 0, bytes: 0, first: evidenceNow(state)}
      sum.channels.set(channel, c)
    }
  }
  if (c) {
    c.packets++
    c.bytes += length
    // No STUN yet: a TURN port's flow is believed after a few well-formed messages on one channel.
    if (!state.turnConfirmed && state.stunPort && !state.channelDataMismatch && c.packets >= CHANNEL_DATA_TO_CONFIRM) state.turnConfirmed = true
  }
  // A relayed ICE check travels as STUN inside the channel ([MS-TURN] 0xFF10 adds an 8-byte
  // session id first). Only the first messages are decoded.
  if (state.messages >= MAX_PARSED) return
  const {start: inner, end} = channelDataPayload(offset, scratchChannel, scratchBounds)
  if (end - inner >= 20 && (b[inner]! & 0xc0) === 0 && hasMagicCookie(b, inner)) {
    const nested = parseStunMessage(b, inner, end)
    if (nested) record(state, packet, nested, b, 'channel-data')
  }
}

/** TCP: reassemble each direction and cut it into STUN / ChannelData frames. */
function feedTcp(state: StunState, packet: PayloadPacket): boolean {
  const dir = state.tcp![packet.toServer ? 0 : 1]
  if (dir.stream && !dir.framer.stopped()) {
    dir.stream.push(packet.seq, packet.data, packet.streamStart)
    readFrames(state, dir, dir.stream, packet)
    dir.framer.discardParsed(dir.stream)
    if (dir.stream.full) {
      // Cap reached with nothing more to cut (a frame longer than the cap, or a hole the
      // capture missed that segments pile up behind): what was parsed stays, the rest of this
      // direction is not read.
      if (!dir.framer.stopped()) state.truncated = true
      dir.framer.stop()
    }
  }
  if (dir.framer.stopped()) dir.stream = undefined
  const [a, b] = state.tcp!
  return !a.framer.stopped() || !b.framer.stopped()
}

function readFrames(state: StunState, dir: Direction, stream: TcpByteStream, packet: PayloadPacket): void {
  const bytes = stream.bytes
  const frame = scratchFrame
  while (dir.framer.next(bytes, frame)) {
    const framing = dir.framer.framing as 'stream' | 'rfc4571'
    state.framing ??= framing
    if (frame.kind === 'channel-data') {
      if (channelDataHeader(bytes, frame.start, frame.end, true, scratchChannel)) recordChannelData(state, packet, bytes, frame.start)
      continue
    }
    const isStun = frame.end - frame.start >= 20 && (bytes[frame.start]! & 0xc0) === 0
    if (!isStun) {
      if (frame.kind === 'stun') dir.framer.stop() // cannot happen: 'stun' frames start with 00
      continue // RFC 4571 frame holding RTP/RTCP/DTLS
    }
    if (!parseFully(state, bytes, frame.start)) {
      if (stunFrameLength(bytes, frame.start, frame.end) === frame.end - frame.start) countOnly(state, bytes.subarray(frame.start, frame.end))
      continue
    }
    const message = parseStunMessage(bytes, frame.start, frame.end, {allowEmptyClassic: true})
    if (message) record(state, packet, message, bytes, undefined)
    else if (frame.kind === 'stun') dir.framer.stop() // lost sync: not STUN after all
  }
}

/** TURN's Send and Data indications (RFC 8656 §10.1, §11.1): the client sends, the server relays. */
const SEND_METHOD = 0x006
const DATA_METHOD = 0x007

/**
 * Whether the message's sender acts as the STUN client, by its class (RFC 8489 §5): requests
 * and Send indications come from the client, success and error responses and Data indications
 * from the server; other indications say nothing. Classic (RFC 3489) messages are left out:
 * Zoom's STUN-like messages reuse their types with other meanings.
 */
function voteOrientation(state: StunState, m: StunMessage, toServer: boolean): void {
  if (m.classic) return
  let fromStunClient: boolean
  if (m.cls === 0b00) fromStunClient = true
  else if (m.cls === 0b10 || m.cls === 0b11) fromStunClient = false
  else if (m.method === SEND_METHOD) fromStunClient = true
  else if (m.method === DATA_METHOD) fromStunClient = false
  else return
  if (fromStunClient === toServer) state.orientationAgrees++
  else state.orientationContradicts++
}

/** Account one parsed message: counters, summary lists, transaction matching, sample. */
function record(state: StunState, packet: PayloadPacket, m: StunMessage, bytes: Uint8Array, via: 'turn-data' | 'channel-data' | undefined): void {
  const sum = summary(state)
  const sentBy: Sender = packet.toServer ? 'client' : 'server'
  let pending: Pending | undefined
  // A STUN message on the flow, or one relayed inside its ChannelData: TURN is in use here.
  state.turnConfirmed = true
  if (via) state.nested++
  else {
    state.messages++
    if (m.classic) state.classic++
    sum.dialects.add(m.dialect)
    const t = sum.byType.get(m.type)
    if (t) t.count++
    else if (sum.byType.size < MAX_ITEMS) sum.byType.set(m.type, {name: m.name, count: 1})
    else state.truncated = true
    pending = matchTransaction(state, packet, m)
    voteOrientation(state, m, packet.toServer)
  }
  for (const a of m.attributes) recordAttribute(state, m, a, sentBy, via)
  if (sum.sample.length < MAX_SAMPLE_MESSAGES) {
    const evidence = evidenceNow(state)
    const type = hex4(m.type)
    // interned: a request and its answer (and retransmissions) carry the same id.
    const transactionId = intern(m.transactionId)
    const attributes = sharedAttributes(m.attributes)
    sum.sample.push(
      via
        ? {evidence, sentBy, type, name: m.name, dialect: m.dialect, transactionId, via, attributes}
        : {evidence, sentBy, type, name: m.name, dialect: m.dialect, transactionId, attributes},
    )
  } else sum.notKept++
  if (pending) pending.evidence = state.currentEvidence
  // TURN Data/Send indications relay the peer's packets in DATA: decode a STUN message there
  // (one level only: a nested message's own DATA is not opened).
  if (!via) {
    for (const a of m.attributes) {
      if (a.type !== 0x0013 || a.valueLength < 20) continue
      const s = a.valueOffset
      if ((bytes[s]! & 0xc0) !== 0) continue
      const nested = parseStunMessage(bytes, s, s + a.valueLength)
      if (nested) record(state, packet, nested, bytes, 'turn-data')
    }
  }
}

/**
 * Attribute summaries of the sampled messages, shared: consent checks and keep-alives repeat
 * the same attributes with the same values message after message and flow after flow, so equal
 * summaries (and equal lists of them) are one frozen object. Keyed by the summary's content
 * (type, name, kind and text of the value); bounded, emptied when full.
 */
let summaryPool = new Map<string, AttributeSummary>()
let summaryListPool = new Map<string, AttributeSummary[]>()
const MAX_POOLED = 32_768
const NO_ATTRIBUTES: AttributeSummary[] = Object.freeze([]) as unknown as AttributeSummary[]

function sharedAttributes(attributes: readonly StunAttribute[]): AttributeSummary[] {
  if (attributes.length === 0) return NO_ATTRIBUTES
  if (summaryPool.size + summaryListPool.size >= MAX_POOLED) {
    summaryPool = new Map()
    summaryListPool = new Map()
  }
  const list: AttributeSummary[] = new Array(attributes.length)
  let listKey = ''
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i]!
    const type = hex4(a.type)
    const value = summaryValue(a)
    // The type is 6 characters and names hold no NUL: the key cannot be read two ways.
    const key = value === undefined ? type + a.name : type + a.name + (typeof value === 'number' ? '\u0000n' : '\u0000s') + value
    let summary = summaryPool.get(key)
    if (summary === undefined) {
      summary = Object.freeze(value === undefined ? {type, name: a.name} : {type, name: a.name, value: typeof value === 'string' ? intern(value) : value})
      summaryPool.set(key, summary)
    }
    list[i] = summary
    listKey += String.fromCharCode(key.length) + key
  }
  const known = summaryListPool.get(listKey)
  if (known !== undefined) return known
  Object.freeze(list)
  summaryListPool.set(listKey, list)
  return list
}

function summaryValue(a: StunAttribute): string | number | undefined {
  if (a.address) return a.address.family === 'IPv6' ? `[${a.address.ip}]:${a.address.port}` : `${a.address.ip}:${a.address.port}`
  if (a.errorCode !== undefined) return a.text ? `${a.errorCode} ${a.text}` : a.errorCode
  if (a.text !== undefined) return a.text
  if (a.number !== undefined) return a.number
  return undefined
}

function recordAttribute(state: StunState, m: StunMessage, a: StunAttribute, sentBy: Sender, via: 'turn-data' | 'channel-data' | undefined): void {
  const sum = summary(state)
  if (a.address && a.role) {
    const key = `${a.role}|${a.type}|${a.address.ip}|${a.address.port}|${sentBy}|${via ?? ''}`
    const known = sum.addresses.get(key)
    if (known) known.count++
    else if (sum.addresses.size >= MAX_ITEMS * 4) state.truncated = true
    else {
      sum.addresses.set(key, {
        role: a.role,
        attribute: a.name,
        type: hex4(a.type),
        ip: intern(a.address.ip),
        port: a.address.port,
        family: a.address.family,
        ...(a.address.scope ? {scope: a.address.scope} : {}),
        sentBy,
        ...(via ? {via} : {}),
        message: m.name,
        count: 1,
        first: evidenceNow(state),
      })
    }
  }
  if (a.vendor) {
    const v = sum.vendor.get(a.type)
    if (v) {
      v.count++
      if (a.number !== undefined && v.values.length < 4 && !v.values.includes(a.number)) v.values.push(a.number)
    } else if (sum.vendor.size < MAX_ITEMS) {
      sum.vendor.set(a.type, {type: hex4(a.type), name: a.name, vendor: a.vendor, count: 1, values: a.number !== undefined ? [a.number] : [], first: evidenceNow(state)})
    } else state.truncated = true
  }
  if (via) return
  switch (a.name) {
    case 'SOFTWARE':
      addText(state, sum.software, a.text, sentBy)
      break
    case 'USERNAME':
      addText(state, sum.usernames, a.text, sentBy)
      break
    case 'REALM':
      addText(state, sum.realms, a.text, sentBy)
      break
    case 'NONCE':
      sum.nonces++
      break
    case 'LIFETIME':
      if (a.number !== undefined && sum.lifetimes.size < MAX_ITEMS) sum.lifetimes.add(a.number)
      break
    case 'REQUESTED-TRANSPORT':
      if (a.number !== undefined && sum.transports.size < 4) sum.transports.add(a.number)
      break
    case 'ERROR-CODE':
      if (a.errorCode !== undefined) {
        const reason = a.text ?? ''
        const key = `${a.errorCode}|${reason}`
        const e = sum.errors.get(key)
        if (e) e.count++
        else if (sum.errors.size < MAX_ITEMS) sum.errors.set(key, {code: a.errorCode, reason: intern(reason), count: 1, first: evidenceNow(state)})
        else state.truncated = true
      }
      break
    default:
      break
  }
}

function addText(state: StunState, map: Map<string, TextFact>, text: string | undefined, sentBy: Sender): void {
  if (text === undefined) return
  const known = map.get(text)
  if (known) known.count++
  else if (map.size >= MAX_ITEMS) state.truncated = true
  else map.set(text, {text: intern(text), sentBy, count: 1, first: evidenceNow(state)})
}

/**
 * Request/response round trips, matched by transaction id in opposite directions (RFC 8489
 * §6.3). A retransmitted request restarts the clock: the RTT is measured from the last copy sent
 * before the answer. Zoom's STUN-like exchange has no class bits; there the client's message is
 * the request.
 */
function matchTransaction(state: StunState, packet: PayloadPacket, m: StunMessage): Pending | undefined {
  const sum = summary(state)
  const isRequest = m.dialect === 'zoom' ? packet.toServer : m.cls === 0
  const isResponse = m.dialect === 'zoom' ? !packet.toServer : m.cls >= 2
  if (isRequest) {
    const known = sum.pending.get(m.transactionId)
    if (known && known.toServer === packet.toServer) {
      known.transmissions++
      known.frame = packet.frame
      known.capture = packet.capture
      known.sec = packet.sec
      known.nsec = packet.nsec
      return known
    }
    sum.requests++
    if (sum.pending.size >= MAX_PENDING) {
      state.truncated = true
      return undefined
    }
    const pending: Pending = {frame: packet.frame, capture: packet.capture, sec: packet.sec, nsec: packet.nsec, toServer: packet.toServer, transmissions: 1, name: m.name, evidence: undefined}
    sum.pending.set(m.transactionId, pending)
    return pending
  }
  if (!isResponse) return undefined
  const request = sum.pending.get(m.transactionId)
  if (!request || request.toServer === packet.toServer) return undefined
  sum.pending.delete(m.transactionId)
  sum.answered++
  const ms = (packet.sec - request.sec) * 1000 + (packet.nsec - request.nsec) / 1e6
  if (ms < 0) return undefined
  sum.rttCount++
  sum.rttSum += ms
  if (ms < sum.rttMin) sum.rttMin = ms
  if (ms > sum.rttMax) sum.rttMax = ms
  if (sum.rttSamples.length < MAX_RTT_SAMPLES) {
    const sent = request.evidence ?? state.evidenceOf(request)
    sum.rttSamples.push({transactionId: intern(m.transactionId), message: request.name, request: sent, response: evidenceNow(state), ms: round3(ms), transmissions: request.transmissions})
  }
  return undefined
}

function endpoint(a: AddressFact): string {
  return a.family === 'IPv6' ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`
}

const SCOPE_NOTES: Record<AddressScope, string> = {
  rfc1918: 'private RFC 1918: LAN address leak',
  cgnat: 'carrier-grade NAT RFC 6598',
  'link-local': 'link-local: LAN address leak',
  loopback: 'loopback',
  ula: 'unique local RFC 4193: LAN address leak',
  unspecified: 'unspecified',
}

function describeStun(f: StunFacts): string[] {
  const lines: string[] = []
  const kinds = f.messageTypes
    .slice(0, 6)
    .map((t) => `${t.name} ×${t.count}`)
    .join(', ')
  const parts = [`${f.messages} STUN message${f.messages === 1 ? '' : 's'}`]
  if (f.classicMessages > 0) parts.push(`${f.classicMessages} RFC 3489-style`)
  if (f.channelDataMessages > 0) parts.push(`${f.channelDataMessages} TURN ChannelData`)
  lines.push(`${parts.join(', ')}${kinds ? ` (${kinds})` : ''}${f.framing === 'rfc4571' ? ', RFC 4571 framing' : ''}`)
  if (f.rolesReversed) lines.push('STUN roles reversed: the flow\'s server is the STUN client (it sent the requests), its client the STUN server')
  const addressLines = (list: AddressFact[]) => {
    for (const a of list.slice(0, 6)) {
      const where = a.via ? `, inside ${a.via === 'turn-data' ? 'TURN DATA' : 'ChannelData'}` : ''
      const scope = a.scope ? ` [${SCOPE_NOTES[a.scope]}]` : ''
      lines.push(`STUN ${a.message} ${a.attribute} ${endpoint(a)} (frame ${a.first.frame}${where})${scope}`)
    }
  }
  addressLines(f.mappedAddresses)
  addressLines(f.relayedAddresses)
  addressLines(f.peerAddresses)
  addressLines(f.serverAddresses)
  for (const s of f.software.slice(0, 4)) lines.push(`SOFTWARE "${s.text}" from the ${s.sentBy} (frame ${s.first.frame})`)
  for (const u of f.usernames.slice(0, 4)) lines.push(`USERNAME "${u.text}" (frame ${u.first.frame})`)
  for (const r of f.realms.slice(0, 2)) lines.push(`REALM "${r.text}" (frame ${r.first.frame})`)
  for (const e of f.errors.slice(0, 3)) lines.push(`ERROR-CODE ${e.code}${e.reason ? ` "${e.reason}"` : ''} (frame ${e.first.frame})`)
  if (f.vendorAttributes.length > 0) {
    const byVendor = new Map<string, string[]>()
    for (const v of f.vendorAttributes) byVendor.set(v.vendor, [...(byVendor.get(v.vendor) ?? []), v.name])
    for (const [vendor, names] of byVendor) lines.push(`${vendor} attributes: ${names.join(', ')} (frame ${f.vendorAttributes.find((v) => v.vendor === vendor)!.first.frame})`)
  }
  for (const c of f.channels.slice(0, 4)) lines.push(`TURN channel ${c.channel}: ${c.packets} ChannelData packets, ${c.bytes} bytes (from frame ${c.first.frame})`)
  const rtt = f.transactions.rtt
  if (rtt) {
    const s = f.transactions.samples[0]
    lines.push(`RTT ${rtt.minMs}–${rtt.maxMs} ms (mean ${rtt.meanMs}) over ${rtt.count} transaction${rtt.count === 1 ? '' : 's'}${s ? ` (e.g. frames ${s.request.frame}→${s.response.frame})` : ''}`)
  }
  return lines
}
