/**
 * RTP/RTCP analyzer (RFC 3550) for UDP flows on any port, alone or multiplexed with STUN and
 * DTLS (RFC 7983: first byte 128-191), and inside TURN ChannelData (RFC 8656 §12).
 *
 * Detection is heuristic, as in Wireshark's "rtp_heur" but stricter so that random UDP does not
 * become RTP: a flow is declared RTP only once one SSRC has sent 3 packets whose sequence numbers
 * advance by 1..100 each time (the chance that noise repeats a 32-bit SSRC with such sequence
 * numbers is negligible), or once 2 RTCP compounds tile their datagrams exactly. Until then
 * candidates are counted from the first packet, so a declared stream's counts are complete.
 *
 * Per packet the cost is a header read into a reused struct, a Map lookup and a few counters;
 * payload contents (entropy, codec structure, header extension ids, CSRCs) are looked at only for
 * the first packets of each stream. RTCP compounds are parsed for their items (every SDES item
 * is a potential leak: CNAME, NAME, EMAIL, PHONE, LOC, TOOL, NOTE, PRIV) up to a cap, then counted.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {channelDataHeader, type ChannelDataHeader, channelDataPayload, findDataAttribute, hasMagicCookie, type ValueBounds} from '../stun/message.js'
import {type StreamFrame, StunStreamFramer} from '../stun/tcp-framing.js'
import {CHANNEL_DATA_AFTER_STUN, CHANNEL_DATA_READ, channelDataTrust, isStunPort, STUN_PORTS} from '../stun/ports.js'
import {type ContentAssessment, PayloadSampler} from './payload-content.js'
import {payloadTypeName} from './payload-types.js'
import {feedbackName, parseRtcpCompound, RTCP_NAMES, SDES_NAMES} from './rtcp.js'
import {forEachExtensionId, isRtcpType, newRtpHeader, readRtpHeader, type RtpHeader} from './rtp-header.js'
import {EncryptedTelephoneEvents, isDynamicPayloadType, type PacketPlace, SRTP_EVENT_LENGTHS, TelephoneEvents} from './telephone-events.js'

/** Streams tracked per flow (SSRC × direction); further SSRCs are only counted. */
const MAX_STREAMS = 64
/** Packets per stream whose payload is sampled for the encryption verdict. */
const SAMPLE_PACKETS = 32
/** Payload types, CSRCs, extension ids kept per stream. */
const MAX_PAYLOAD_TYPES = 8
const MAX_CSRCS = 8
const MAX_EXTENSION_IDS = 16
/** RTCP compounds fully parsed per flow; SDES items kept per flow. */
const MAX_RTCP_PARSED = 256
const MAX_SDES_ITEMS = 64
const MAX_RTCP_EVENTS = 32
/** In-order steps (sequence +1..+100) one SSRC needs before the flow is declared RTP. */
const STEPS_TO_VALIDATE = 2
const MAX_SEQUENCE_STEP = 100
/** Give up on a flow that shows, before any version-2 packet, this many packets foreign to RFC
 * 7983 multiplexing (STUN, DTLS and TURN ChannelData do not count: WebRTC and TURN flows start
 * with them), or that shows this many readable RTP headers without one valid stream, or that is
 * still undecided after this many packets. */
const PATIENCE_NOTHING = 64
const PATIENCE_SHAPED = 48
const PATIENCE_TOTAL = 4096
/** TCP (TURN over TCP, ICE-TCP): bytes held per direction (read frames are let go: see StunStreamFramer.discardParsed). */
const TCP_STREAM_CAP = 256 * 1024

/** UDP services that are never RTP: not worth looking at. */
const NOT_RTP_PORTS = new Set([53, 67, 68, 69, 88, 123, 137, 138, 161, 162, 500, 514, 1900, 2123, 4500, 5353, 5355])

/** Whether UDP datagrams shaped like TURN ChannelData are opened (see stun/ports.ts: Kerberos
 * and GTP-C fit the header): at once on a STUN/TURN port, from the first RFC 5389 STUN message
 * on other ports, never on a well-known service's port. */

export type Sender = 'client' | 'server'

/** How the RTP packets travel: directly, in TURN ChannelData, in TURN Send/Data indications
 * (DATA attribute), or in RFC 4571 frames over TCP. */
export type Carrier = 'direct' | 'turn-channel' | 'turn-data' | 'rfc4571'
const CARRIERS: Carrier[] = ['direct', 'turn-channel', 'turn-data', 'rfc4571']

export interface RtpStreamFact {
  ssrc: string
  sentBy: Sender
  carrier: Carrier
  /** TURN channel the stream travels in (RFC 8656 ChannelData), if any. */
  turnChannel?: string
  packets: number
  payloadBytes: number
  payloadTypes: Array<{pt: number; name: string; packets: number}>
  firstSequence: number
  lastSequence: number
  /** RFC 3550 §A.3: highest extended sequence number − first + 1. */
  expected: number
  /** expected − received; negative with duplicates. */
  lost: number
  firstTimestamp: number
  lastTimestamp: number
  markers: number
  csrcs: string[]
  headerExtension?: {profile: string; ids: number[]}
  content: ContentAssessment
  /** DTMF key presses read in clear as RFC 4733 telephone-events (./telephone-events.ts): how
   * many, not which keys. */
  telephoneEvents?: KeyPressFacts
  /** DTMF key presses in SRTP, counted by their shape (./telephone-events.ts): the keys are
   * encrypted, how many there were and when they were pressed are not. */
  encryptedTelephoneEvents?: KeyPressFacts
  first: Evidence
  last: Evidence
}

/** Key presses on one stream: counts and places, never the keys. */
export interface KeyPressFacts {
  payloadType: number
  keyPresses: number
  packets: number
  /** Where the first press starts. */
  first: Evidence
  /** Where each press starts (the first 64). */
  presses: Evidence[]
}

export interface SdesFact {
  ssrc: string
  item: string
  text: string
  prefix?: string
  sentBy: Sender
  count: number
  first: Evidence
}

export interface RtcpFacts {
  datagrams: number
  /** Datagrams with SRTCP shape (RFC 3711 §3.4): only the first header readable. */
  encrypted: number
  packetTypes: Array<{pt: number; name: string; count: number}>
  senders: string[]
  sdes: SdesFact[]
  byes: Array<{ssrc: string; reason?: string; sentBy: Sender; first: Evidence}>
  apps: Array<{ssrc: string; name: string; subtype: number; count: number; first: Evidence}>
  feedback: Array<{pt: number; fmt: number; name: string; count: number}>
}

export interface RtpFacts {
  /** What made us call the flow RTP: an SSRC with in-order sequence numbers, or RTCP. */
  detectedBy: 'rtp-sequence' | 'rtcp'
  detectedAt: Evidence
  streams: RtpStreamFact[]
  /** Packets of SSRCs beyond the per-flow cap (counted, not itemised). */
  packetsInUntrackedStreams: number
  rtcp?: RtcpFacts
  truncated: boolean
}

interface Stream {
  ssrc: number
  toServer: boolean
  carrier: number
  channel: number
  packets: number
  payloadBytes: number
  pts: number[]
  ptCounts: number[]
  baseSeq: number
  maxSeq: number
  cycles: number
  lastSeq: number
  steps: number
  firstTs: number
  lastTs: number
  markers: number
  /** Where the stream was first and last seen: numbers, turned into Evidence at finish (a
   * candidate SSRC in noise costs no time string). */
  firstFrame: number
  firstCapture: number
  firstSec: number
  firstNsec: number
  lastFrame: number
  lastCapture: number
  lastSec: number
  lastNsec: number
  /** Created on the stream's second packet (a one-off SSRC in noise costs no histogram). */
  sampler?: PayloadSampler
  sampled: boolean
  assessment?: ContentAssessment
  csrcs: number[]
  extensionProfile: number
  /** Sampled packets with a header extension, and how many of them held each element id. */
  extensionPackets: number
  extensionIdCounts?: Uint8Array
  extensionIds: number[]
  /** Created on the first 4-octet payload of a dynamic payload type (RFC 4733 telephone-events). */
  dtmf: TelephoneEvents | undefined
  /** Created on the first SRTP-sized telephone-event candidate (SRTP_EVENT_LENGTHS). */
  sealedDtmf: EncryptedTelephoneEvents | undefined
}

interface RtcpState {
  datagrams: number
  encrypted: number
  parsed: number
  typeCounts: Uint32Array
  senders: Set<number>
  sdes: Map<string, SdesFact>
  byes: Array<{ssrc: string; reason?: string; sentBy: Sender; first: Evidence}>
  apps: Map<string, {ssrc: string; name: string; subtype: number; count: number; first: Evidence}>
  feedback: Map<number, {pt: number; fmt: number; name: string; count: number}>
  wellFormed: number
}

interface TcpDirection {
  stream?: TcpByteStream
  framer: StunStreamFramer
}

/**
 * Per-flow state. A class with every field set in the constructor: one fixed shape for the
 * tens of thousands of UDP flows probed (most of them never RTP), and nothing per flow that
 * could be shared (the packet parsing scratch structs are module-level, see below).
 */
class RtpState {
  packets = 0
  /** Packets (or relayed packets) with RTP/RTCP version-2 bits, and readable RTP headers. */
  versionTwo = 0
  /** UDP packets whose first byte is outside the RFC 7983 ranges. */
  foreign = 0
  shaped = 0
  detectedBy: 'rtp-sequence' | 'rtcp' | undefined = undefined
  detectedAt: Evidence | undefined = undefined
  /** In order of appearance. An array scanned linearly (a flow has a handful of streams): no
   * Map lookup with a non-Smi key, so nothing is allocated per packet. NO_STREAMS until the
   * first candidate. */
  streams: Stream[] = NO_STREAMS
  untracked = 0
  truncated = false
  /** Created on the first RTCP packet. */
  rtcp: RtcpState | undefined = undefined
  /** Index of the stream of the previous RTP packet, where the scan starts. */
  lastIndex = 0
  tcp: [TcpDirection, TcpDirection] | undefined = undefined
  /** CHANNEL_DATA_NEVER, _AFTER_STUN (until a STUN message is seen) or _READ. */
  channelData = CHANNEL_DATA_AFTER_STUN

  constructor(readonly evidenceOf: EvidenceOf) {}
}

/** The empty stream list every flow starts with (replaced by its own array on the first
 * candidate stream; never pushed to). */
const NO_STREAMS: Stream[] = []

/**
 * Scratch structs the parsers fill, shared by all flows: they hold one packet's header while
 * that packet is looked at (feed is never re-entered), so one set serves every flow instead of
 * four objects kept per flow to the end of the read.
 */
const scratchHeader: RtpHeader = newRtpHeader()
const scratchChannel: ChannelDataHeader = {channel: 0, length: 0}
const scratchData: ValueBounds = {start: 0, end: 0}
const scratchFrame: StreamFrame = {kind: 'stun', start: 0, end: 0}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`

export const rtpAnalyzer: ProtocolAnalyzer<RtpState, RtpFacts> = {
  name: 'rtp',
  // every packet of a stream is counted.
  packetBudget: Number.POSITIVE_INFINITY,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (NOT_RTP_PORTS.has(flow.server.port) || NOT_RTP_PORTS.has(flow.client.port)) return false
    if (flow.transport === 'udp') return true // many apps put their own header first: decide by content
    // TCP: TURN over TCP or ICE-TCP, recognised by a STUN message first (RFC 4571-framed or not).
    const b = packet.data
    if (b.length >= 20 && (b[0]! & 0xc0) === 0 && hasMagicCookie(b, 0)) return true
    if (b.length >= 22 && (b[2]! & 0xc0) === 0 && hasMagicCookie(b, 2)) return true
    return STUN_PORTS.has(flow.server.port) && b.length >= 4 && channelDataHeader(b, 0, b.length, false, {channel: 0, length: 0})
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): RtpState {
    const state = new RtpState(evidenceOf)
    state.channelData = channelDataTrust(flow)
    if (flow.transport === 'tcp') {
      const stunPort = isStunPort(flow)
      state.tcp = [
        {stream: new TcpByteStream(TCP_STREAM_CAP), framer: new StunStreamFramer(stunPort)},
        {stream: new TcpByteStream(TCP_STREAM_CAP), framer: new StunStreamFramer(stunPort)},
      ]
    }
    return state
  },

  feed(state: RtpState, packet: PayloadPacket): boolean {
    state.packets++
    if (state.tcp) return feedTcp(state, packet)
    // Read in place (every packet of a call passes here): the datagram is bytes[start, end).
    const {bytes, start, end} = packet
    const lead = bytes[start]!
    if (lead > 79 && lead < 128 || lead > 191 && lead < 255 || (lead > 3 && lead < 20)) state.foreign++
    if ((lead & 0xc0) === 0x80) inspect(state, packet, bytes, start, end, CARRIER_DIRECT, -1)
    else if ((lead >= 0x40 && lead <= 0x7f) || lead === 0xff) {
      if (state.channelData === CHANNEL_DATA_READ && channelDataHeader(bytes, start, end, true, scratchChannel)) relayedByChannel(state, packet, bytes, start)
    } else if (lead <= 0x01 && end - start >= 20) {
      // RFC 8489 §5: a STUN header with the magic cookie; TURN (RFC 8656) may now use channels.
      if (state.channelData === CHANNEL_DATA_AFTER_STUN && hasMagicCookie(bytes, start)) state.channelData = CHANNEL_DATA_READ
      if (end - start >= 24 && findDataAttribute(bytes, start, end, scratchData)) inspect(state, packet, bytes, scratchData.start, scratchData.end, CARRIER_TURN_DATA, -1)
    }
    return keepGoing(state)
  },

  finish(state: RtpState): RtpFacts | undefined {
    // The state stays referenced to the end of the run: keep nothing of it past this point
    // (reassembly buffers, candidate streams and their payload samplers).
    const facts = state.detectedBy && state.detectedAt ? factsOf(state, state.detectedBy, state.detectedAt) : undefined
    state.tcp = undefined
    abandon(state)
    return facts
  },

  describe(facts: RtpFacts): string[] {
    return describeRtp(facts)
  },
}

function factsOf(state: RtpState, detectedBy: 'rtp-sequence' | 'rtcp', detectedAt: Evidence): RtpFacts {
  const r = state.rtcp
  return {
    detectedBy,
    detectedAt,
    streams: state.streams.map((s) => streamFact(state, s)),
    packetsInUntrackedStreams: state.untracked,
    ...(r && r.datagrams > 0 ? {rtcp: rtcpFacts(r)} : {}),
    truncated: state.truncated,
  }
}

const CARRIER_DIRECT = 0
const CARRIER_TURN_CHANNEL = 1
const CARRIER_TURN_DATA = 2
const CARRIER_RFC4571 = 3

/** An RTP or RTCP packet at data[offset, end), carried as `carrier`. */
function inspect(state: RtpState, packet: PayloadPacket, data: Uint8Array, offset: number, end: number, carrier: number, channel: number): void {
  if (end - offset < 8 || (data[offset]! & 0xc0) !== 0x80) return
  state.versionTwo++
  if (isRtcpType(data[offset + 1]!)) onRtcp(state, packet, data, offset, end)
  else if (readRtpHeader(data, offset, end, scratchHeader)) {
    state.shaped++
    onRtp(state, packet, data, offset, carrier, channel)
  }
}

/** ChannelData at data[at]: the relayed packet follows the header ([MS-TURN] 0xFF10: +8). */
function relayedByChannel(state: RtpState, packet: PayloadPacket, data: Uint8Array, at: number): void {
  const {start, end} = channelDataPayload(at, scratchChannel, scratchData)
  if (start < end) inspect(state, packet, data, start, end, CARRIER_TURN_CHANNEL, scratchChannel.channel)
}

/** TCP: reassemble, cut into STUN / ChannelData / RFC 4571 frames, look inside each. */
function feedTcp(state: RtpState, packet: PayloadPacket): boolean {
  const dir = state.tcp![packet.toServer ? 0 : 1]
  if (dir.stream && !dir.framer.stopped()) {
    dir.stream.push(packet.seq, packet.data, packet.streamStart)
    const bytes = dir.stream.bytes
    const frame = scratchFrame
    while (dir.framer.next(bytes, frame)) {
      if (frame.kind === 'packet') inspect(state, packet, bytes, frame.start, frame.end, CARRIER_RFC4571, -1)
      else if (frame.kind === 'channel-data') {
        if (channelDataHeader(bytes, frame.start, frame.end, true, scratchChannel)) relayedByChannel(state, packet, bytes, frame.start)
      } else if (findDataAttribute(bytes, frame.start, frame.end, scratchData)) {
        inspect(state, packet, bytes, scratchData.start, scratchData.end, CARRIER_TURN_DATA, -1)
      }
    }
    dir.framer.discardParsed(dir.stream)
    if (dir.stream.full) {
      if (!dir.framer.stopped()) state.truncated = true
      dir.framer.stop()
    }
  }
  if (dir.framer.stopped()) dir.stream = undefined
  const [a, b] = state.tcp!
  if (a.framer.stopped() && b.framer.stopped()) {
    if (!state.detectedBy) abandon(state)
    return false
  }
  return keepGoing(state)
}

function keepGoing(state: RtpState): boolean {
  if (state.detectedBy) return true
  const more = state.packets < PATIENCE_TOTAL && (state.versionTwo === 0 ? state.foreign < PATIENCE_NOTHING : state.shaped < PATIENCE_SHAPED && state.streams.length < MAX_STREAMS)
  if (!more) abandon(state)
  return more
}

/** Not RTP after all: drop the candidates so the flow's state costs nothing until the end. */
function abandon(state: RtpState): void {
  state.streams = NO_STREAMS
  state.rtcp = undefined
}

function newRtcpState(): RtcpState {
  return {
    datagrams: 0,
    encrypted: 0,
    parsed: 0,
    typeCounts: new Uint32Array(32),
    senders: new Set(),
    sdes: new Map(),
    byes: [],
    apps: new Map(),
    feedback: new Map(),
    wellFormed: 0,
  }
}

/** The stream of (SSRC, direction, carrier), starting at the previous packet's stream. */
function findStream(state: RtpState, ssrc: number, toServer: boolean, carrier: number): Stream | undefined {
  const streams = state.streams
  const n = streams.length
  for (let k = 0, i = state.lastIndex; k < n; k++, i = i + 1 === n ? 0 : i + 1) {
    const s = streams[i]!
    if (s.ssrc === ssrc && s.toServer === toServer && s.carrier === carrier) {
      state.lastIndex = i
      return s
    }
  }
  return undefined
}

function newStream(state: RtpState, packet: PayloadPacket, carrier: number, channel: number): Stream | undefined {
  if (state.streams.length >= MAX_STREAMS) {
    state.untracked++
    state.truncated = true
    return undefined
  }
  const h = scratchHeader
  const s: Stream = {
    ssrc: h.ssrc,
    toServer: packet.toServer,
    carrier,
    channel,
    packets: 0,
    payloadBytes: 0,
    pts: [],
    ptCounts: [],
    baseSeq: h.sequence,
    maxSeq: h.sequence,
    cycles: 0,
    lastSeq: h.sequence,
    steps: 0,
    firstTs: h.timestamp,
    lastTs: h.timestamp,
    markers: 0,
    firstFrame: packet.frame,
    firstCapture: packet.capture,
    firstSec: packet.sec,
    firstNsec: packet.nsec,
    lastFrame: 0,
    lastCapture: 0,
    lastSec: 0,
    lastNsec: 0,
    sampled: false,
    csrcs: [],
    extensionProfile: -1,
    extensionPackets: 0,
    extensionIds: [],
    dtmf: undefined,
    sealedDtmf: undefined,
  }
  if (state.streams === NO_STREAMS) state.streams = [s]
  else state.streams.push(s)
  state.lastIndex = state.streams.length - 1
  return s
}

function onRtp(state: RtpState, packet: PayloadPacket, data: Uint8Array, offset: number, carrier: number, channel: number): void {
  const h = scratchHeader
  const s = findStream(state, h.ssrc, packet.toServer, carrier) ?? newStream(state, packet, carrier, channel)
  if (!s) return
  // Whether the packet moves the stream forward: a duplicate (same sequence number again, as a
  // mirror port or `tcpdump -i any` on a bridge captures it twice) or an older packet does not.
  let advances = true
  if (s.packets > 0) {
    // In-order step for detection; extended highest sequence number per RFC 3550 §A.1.
    const step = (h.sequence - s.lastSeq) & 0xffff
    if (step >= 1 && step <= MAX_SEQUENCE_STEP) s.steps++
    const ahead = (h.sequence - s.maxSeq) & 0xffff
    if (ahead !== 0 && ahead < 0x8000) {
      if (h.sequence < s.maxSeq) s.cycles += 0x10000
      s.maxSeq = h.sequence
    } else advances = false
    s.lastSeq = h.sequence
  }
  s.packets++
  s.payloadBytes += h.payloadLength
  s.lastTs = h.timestamp
  if (h.marker) s.markers++
  s.lastFrame = packet.frame
  s.lastCapture = packet.capture
  s.lastSec = packet.sec
  s.lastNsec = packet.nsec
  const pt = h.payloadType
  if (isDynamicPayloadType(pt)) {
    if (h.payloadLength === 4) {
      const dtmf = (s.dtmf ??= new TelephoneEvents(pt))
      if (dtmf.payloadType === pt) dtmf.add(data, offset + h.headerLength, h.timestamp, packet)
    } else if (s.sealedDtmf?.payloadType === pt) s.sealedDtmf.add(h.payloadLength, h.timestamp, h.marker, packet)
    else if (h.marker && SRTP_EVENT_LENGTHS.has(h.payloadLength) && !s.sealedDtmf?.presses) {
      // Bound to the payload type of a marked candidate (an event's first packet has the marker
      // bit), every packet of which it is then shown, whatever its length. Until it has counted
      // a press it gives way to another: a stream's first audio packet is marked too, and
      // silence can be as small as an event.
      s.sealedDtmf = new EncryptedTelephoneEvents(pt)
      s.sealedDtmf.add(h.payloadLength, h.timestamp, h.marker, packet)
    }
  }
  const i = s.pts.indexOf(pt)
  if (i >= 0) s.ptCounts[i]!++
  else if (s.pts.length < MAX_PAYLOAD_TYPES) {
    s.pts.push(pt)
    s.ptCounts.push(1)
  }
  // Payload sampling starts once the stream has shown in-order sequence numbers (or the flow is
  // RTP already): one-off SSRCs in noise cost no histogram.
  if (!s.sampled && (s.steps >= 1 || state.detectedBy)) {
    s.sampled = true
    s.sampler = new PayloadSampler()
  }
  // Only packets that advance the stream are sampled: a duplicated packet repeats every 16-byte
  // block of its payload, which the ECB test would take for deterministic encryption. A late
  // (reordered) packet is left out too: it cannot be told from a duplicate of an older one
  // without remembering every sequence number, and the sample does not need it.
  if (s.sampler && advances) sample(s, data, offset, h)
  if (!state.detectedBy && s.steps >= STEPS_TO_VALIDATE) {
    state.detectedBy = 'rtp-sequence'
    state.detectedAt = state.evidenceOf(packet)
  }
}

/** The first packets of a stream: payload bytes, CSRCs, header extension ids. */
function sample(s: Stream, data: Uint8Array, offset: number, h: RtpHeader): void {
  const start = offset + h.headerLength
  s.sampler!.add(data, start, start + h.payloadLength, h.payloadType)
  for (let c = 0; c < h.csrcCount && s.csrcs.length < MAX_CSRCS; c++) {
    const at = offset + 12 + 4 * c
    const csrc = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0
    if (!s.csrcs.includes(csrc)) s.csrcs.push(csrc)
  }
  if (h.extension) {
    if (s.extensionProfile < 0) s.extensionProfile = h.extensionProfile
    s.extensionPackets++
    const counts = (s.extensionIdCounts ??= new Uint8Array(256))
    forEachExtensionId(data, offset, h, (id) => {
      counts[id]!++
    })
  }
  if (s.sampler!.packets >= SAMPLE_PACKETS) endSampling(s)
}

/**
 * Verdict on the sampled payloads; header extension ids present in at least half of the sampled
 * packets that had an extension (a real RFC 8285 element recurs in every packet; an app that
 * encrypts the extension too, as Discord does, yields ids that do not recur).
 */
function endSampling(s: Stream): void {
  s.assessment = (s.sampler ?? new PayloadSampler()).assess(s.pts[0] ?? -1)
  s.sampler = undefined
  const counts = s.extensionIdCounts
  if (counts) {
    for (let id = 0; id < 256 && s.extensionIds.length < MAX_EXTENSION_IDS; id++) if (counts[id]! > 0 && counts[id]! * 2 >= s.extensionPackets) s.extensionIds.push(id)
    s.extensionIdCounts = undefined
  }
}

function onRtcp(state: RtpState, packet: PayloadPacket, data: Uint8Array, offset: number, end: number): void {
  const r = (state.rtcp ??= newRtcpState())
  const pt = data[offset + 1]!
  r.datagrams++
  if (r.parsed >= MAX_RTCP_PARSED) {
    // Past the cap: count by the first packet type only.
    r.typeCounts[pt - 192]!++
    return
  }
  const compound = parseRtcpCompound(data, offset, end)
  if (!compound) {
    r.datagrams--
    return
  }
  r.parsed++
  const sentBy: Sender = packet.toServer ? 'client' : 'server'
  if (compound.encrypted) r.encrypted++
  else r.wellFormed++
  for (const t of compound.types) r.typeCounts[t - 192]!++
  if (r.senders.size < MAX_STREAMS) r.senders.add(compound.senderSsrc)
  if (!compound.wellFormed) return
  let evidence: Evidence | undefined
  const ev = () => (evidence ??= state.evidenceOf(packet))
  for (const item of compound.sdes) {
    const name = SDES_NAMES[item.type] ?? `type ${item.type}`
    const key = `${item.ssrc}|${item.type}|${item.prefix ?? ''}|${item.text}|${sentBy}`
    const known = r.sdes.get(key)
    if (known) known.count++
    else if (r.sdes.size < MAX_SDES_ITEMS) {
      r.sdes.set(key, {ssrc: hex8(item.ssrc), item: name, text: item.text, ...(item.prefix !== undefined ? {prefix: item.prefix} : {}), sentBy, count: 1, first: ev()})
    } else state.truncated = true
  }
  for (const bye of compound.byes) {
    if (r.byes.length < MAX_RTCP_EVENTS) r.byes.push({ssrc: hex8(bye.ssrc), ...(bye.reason !== undefined ? {reason: bye.reason} : {}), sentBy, first: ev()})
  }
  for (const app of compound.apps) {
    const key = `${app.ssrc}|${app.name}|${app.subtype}`
    const known = r.apps.get(key)
    if (known) known.count++
    else if (r.apps.size < MAX_RTCP_EVENTS) r.apps.set(key, {ssrc: hex8(app.ssrc), name: app.name, subtype: app.subtype, count: 1, first: ev()})
  }
  for (const fb of compound.feedback) {
    const key = fb.pt * 32 + fb.fmt
    const known = r.feedback.get(key)
    if (known) known.count++
    else r.feedback.set(key, {pt: fb.pt, fmt: fb.fmt, name: feedbackName(fb.pt, fb.fmt), count: 1})
  }
  // Two exactly tiling compounds (or one holding several packets) make the flow RTCP.
  if (!state.detectedBy && (r.wellFormed >= 2 || compound.types.length >= 2)) {
    state.detectedBy = 'rtcp'
    state.detectedAt = ev()
  }
}

function streamFact(state: RtpState, s: Stream): RtpStreamFact {
  if (!s.assessment) endSampling(s)
  const assessment = s.assessment!
  const expected = s.cycles + s.maxSeq - s.baseSeq + 1
  const first = state.evidenceOf({frame: s.firstFrame, capture: s.firstCapture, sec: s.firstSec, nsec: s.firstNsec})
  const last = state.evidenceOf({frame: s.lastFrame, capture: s.lastCapture, sec: s.lastSec, nsec: s.lastNsec})
  const dtmf = s.dtmf
  dtmf?.close()
  const sealed = s.sealedDtmf
  sealed?.close()
  return {
    ssrc: hex8(s.ssrc),
    sentBy: s.toServer ? 'client' : 'server',
    carrier: CARRIERS[s.carrier]!,
    ...(s.channel >= 0 ? {turnChannel: `0x${s.channel.toString(16).padStart(4, '0')}`} : {}),
    packets: s.packets,
    payloadBytes: s.payloadBytes,
    payloadTypes: s.pts.map((pt, i) => ({pt, name: payloadTypeName(pt), packets: s.ptCounts[i]!})),
    firstSequence: s.baseSeq,
    lastSequence: s.maxSeq,
    expected,
    lost: expected - s.packets,
    firstTimestamp: s.firstTs,
    lastTimestamp: s.lastTs,
    markers: s.markers,
    csrcs: s.csrcs.map(hex8),
    ...(s.extensionProfile >= 0 ? {headerExtension: {profile: `0x${s.extensionProfile.toString(16).padStart(4, '0')}`, ids: s.extensionIds.slice()}} : {}),
    content: assessment,
    ...(dtmf?.first ? {telephoneEvents: keyPressFacts(state, dtmf, dtmf.first)} : {}),
    ...(sealed?.first ? {encryptedTelephoneEvents: keyPressFacts(state, sealed, sealed.first)} : {}),
    first,
    last,
  }
}

function keyPressFacts(state: RtpState, t: TelephoneEvents | EncryptedTelephoneEvents, first: PacketPlace): KeyPressFacts {
  return {payloadType: t.payloadType, keyPresses: t.presses, packets: t.packets, first: state.evidenceOf(first), presses: t.starts.map((p) => state.evidenceOf(p))}
}

function rtcpFacts(r: RtcpState): RtcpFacts {
  const packetTypes: RtcpFacts['packetTypes'] = []
  for (let i = 0; i < 32; i++) {
    const count = r.typeCounts[i]!
    if (count > 0) packetTypes.push({pt: 192 + i, name: RTCP_NAMES[192 + i] ?? `PT ${192 + i}`, count})
  }
  return {
    datagrams: r.datagrams,
    encrypted: r.encrypted,
    packetTypes,
    senders: [...r.senders].sort((a, b) => a - b).map(hex8),
    sdes: [...r.sdes.values()],
    byes: r.byes,
    apps: [...r.apps.values()],
    feedback: [...r.feedback.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f),
  }
}

function describeRtp(f: RtpFacts): string[] {
  const lines: string[] = []
  for (const s of f.streams.slice(0, 8)) {
    const pts = s.payloadTypes.map((p) => (p.name.startsWith('dynamic') || p.name.startsWith('unassigned') ? String(p.pt) : `${p.pt} ${p.name}`)).join('/')
    const verdict = s.content.verdict === 'encrypted' ? 'looks encrypted (SRTP)' : s.content.verdict === 'plain' ? 'looks UNENCRYPTED' : 'encryption unclear'
    const via = s.turnChannel ? `, TURN channel ${s.turnChannel}` : s.carrier === 'turn-data' ? ', in TURN DATA' : s.carrier === 'rfc4571' ? ', RFC 4571 over TCP' : ''
    const loss = s.lost > 0 ? `, ~${s.lost} lost` : ''
    lines.push(`RTP SSRC ${s.ssrc} PT ${pts} → ${s.packets} pkts, ${verdict} (${s.sentBy}, frame ${s.first.frame}${via}${loss})`)
    const keys = s.telephoneEvents
    if (keys) lines.push(`RTP SSRC ${s.ssrc} DTMF: ${keys.keyPresses} key press${keys.keyPresses === 1 ? '' : 'es'} readable in clear (RFC 4733 telephone-event, PT ${keys.payloadType}, from frame ${keys.first.frame})`)
    const sealedKeys = s.encryptedTelephoneEvents
    if (sealedKeys) lines.push(`RTP SSRC ${s.ssrc} DTMF: ${sealedKeys.keyPresses} key press${sealedKeys.keyPresses === 1 ? '' : 'es'} in SRTP, keys encrypted, count and timing not (PT ${sealedKeys.payloadType}, from frame ${sealedKeys.first.frame})`)
  }
  if (f.streams.length > 8) lines.push(`… and ${f.streams.length - 8} more RTP streams`)
  const r = f.rtcp
  if (r) {
    const types = r.packetTypes.map((t) => `${t.name} ×${t.count}`).join(', ')
    lines.push(`RTCP ${r.datagrams} datagram${r.datagrams === 1 ? '' : 's'}${r.encrypted ? ` (${r.encrypted} SRTCP-encrypted)` : ''}${types ? `: ${types}` : ''}`)
    for (const item of r.sdes.slice(0, 12)) {
      const name = item.prefix !== undefined ? `PRIV "${item.prefix}"` : item.item
      lines.push(`RTCP SDES ${name} "${item.text}" (SSRC ${item.ssrc}, frame ${item.first.frame})`)
    }
    if (r.sdes.length > 12) lines.push(`… and ${r.sdes.length - 12} more SDES items`)
    for (const bye of r.byes.slice(0, 3)) lines.push(`RTCP BYE ${bye.ssrc}${bye.reason ? ` "${bye.reason}"` : ''} (frame ${bye.first.frame})`)
    for (const app of r.apps.slice(0, 3)) lines.push(`RTCP APP "${app.name}" subtype ${app.subtype} ×${app.count} (frame ${app.first.frame})`)
  }
  return lines
}
