/**
 * H.323 call signalling in clear (ITU-T H.225.0 over TCP, port 1720): the protocol of video
 * conferencing room systems (Cisco/Tandberg, Polycom, Lifesize), MCUs and gateways, and of the
 * interop gateways cloud meeting services offer them. Each direction is reassembled and cut into
 * TPKT packets (RFC 1006 §6: version 3, a reserved octet, the length), each holding a Q.931
 * message (./q931.ts) whose User-user element carries the H.225.0 message (./h225-uuie.ts). Kept
 * per message: its type, the Display name, calling and called numbers, the H.225.0 aliases of
 * both parties and the sending device's vendor, product and version.
 *
 * A flow is taken on port 1720 (either end) or when its first payload is a TPKT packet holding a
 * Q.931 message; the analyzer steps aside from a direction whose bytes stop being TPKT. RAS, an
 * endpoint's registration with its gatekeeper and the admission of each call, is read on UDP 1719
 * and 1718 (./h225-ras.ts): one message per datagram. H.245 (media control, PER in TPKT on a
 * connection of its own) is read by ./h245-analyzer.ts; tunnelled in the H323-UU-PDU's h245Control
 * (./h225-tunnel.ts), here; in fastStart, not.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {looksLikeQ931, parseQ931} from './q931.js'
import {type H225Alias, type H225Endpoint, type H225Message, readH225} from './h225-uuie.js'
import {readRas} from './h225-ras.js'
import {DetailLines} from '../detail-lines.js'
import {readTpktStream, tpktLength} from './tpkt.js'
import {h225H245} from './h225-tunnel.js'
import {readH245, readOpenLogicalChannel} from './h245-message.js'
import {describeH245, type H245Facts, H245Tally} from './h245-tally.js'

export const H323_PORT = 1720
/** IANA h323gatestat (1719: RAS) and h323gatedisc (1718: gatekeeper discovery by multicast). */
const RAS_PORTS = new Set([1718, 1719])
/** Messages kept in full per flow; the rest are counted. */
export const MAX_MESSAGES = 32
const MAX_COUNTED = 1_000_000
const TCP_HELD = 64 * 1024
const MAX_DESCRIBE_LINES = 24

export interface H323MessageFact {
  evidence: Evidence
  sentBy: 'client' | 'server'
  /** The Q.931 message type (SETUP, CALL PROCEEDING, ALERTING, CONNECT, RELEASE COMPLETE...), or
   * over RAS the RasMessage (registrationRequest, admissionRequest...). */
  type: string
  /** The H.225.0 message in its User-user element (setup, connect, facility...), if any. */
  h225: string | null
  display: string | null
  callingNumber: string | null
  calledNumber: string | null
  sourceAliases: H225Alias[]
  destinationAliases: H225Alias[]
  /** The sending device (Setup's sourceInfo; the destinationInfo of CallProceeding, Alerting, Connect). */
  endpoint: H225Endpoint | null
}

export interface H323Facts {
  /** 'tcp': call signalling (Q.931 in TPKT); 'udp': RAS with a gatekeeper. */
  transport: 'tcp' | 'udp'
  /** Messages read (all of them, kept or not). */
  messages: number
  /** Messages by Q.931 type, in order of first sight. */
  counts: Array<{name: string; count: number}>
  /** The first MAX_MESSAGES messages. */
  kept: H323MessageFact[]
  /** More messages than were kept, or a direction cut. */
  truncated: boolean
  /** H.245 tunnelled in the call signalling (./h225-tunnel.ts), when there was any. */
  h245?: H245Facts
}

interface H323State {
  evidenceOf: EvidenceOf
  /** H.245 messages tunnelled in the H323-UU-PDUs (created on the first). */
  tunnel: H245Tally | undefined
  transport: 'tcp' | 'udp'
  messages: number
  counts: Map<string, number>
  kept: H323MessageFact[]
  truncated: boolean
  /** Each direction's stream; undefined once its bytes stop being TPKT. */
  streams: [TcpByteStream | undefined, TcpByteStream | undefined]
}

export const h323Analyzer: ProtocolAnalyzer<H323State, H323Facts> = {
  name: 'h323',
  // Every message of the call (to its RELEASE COMPLETE, however long the call) is counted.
  packetBudget: Number.POSITIVE_INFINITY,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport === 'udp') return RAS_PORTS.has(flow.server.port) || RAS_PORTS.has(flow.client.port)
    if (flow.server.port === H323_PORT || flow.client.port === H323_PORT) return true
    const {bytes, start, end} = packet
    return tpktLength(bytes, start, end) > 0 && looksLikeQ931(bytes, start + 4, end)
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): H323State {
    return {evidenceOf, tunnel: undefined, transport: flow.transport, messages: 0, counts: new Map(), kept: [], truncated: false, streams: [new TcpByteStream(TCP_HELD), new TcpByteStream(TCP_HELD)]}
  },

  feed(state: H323State, packet: PayloadPacket): boolean {
    if (state.transport === 'udp') {
      const ras = readRas(packet.bytes, packet.start, packet.end)
      if (ras) keep(state, packet, ras.body, null, {display: null, callingNumber: null, calledNumber: null}, ras)
      return state.messages < MAX_COUNTED
    }
    const i = packet.toServer ? 0 : 1
    const stream = state.streams[i]
    if (stream) {
      const outcome = readTpktStream(stream, packet, (bytes, start, end) => {
        record(state, packet, bytes, start, end)
        return true
      })
      if (outcome === 'full') state.truncated = true
      if (outcome !== 'open') state.streams[i] = undefined
    }
    return (state.streams[0] !== undefined || state.streams[1] !== undefined) && state.messages < MAX_COUNTED
  },

  finish(state: H323State): H323Facts | undefined {
    state.streams = [undefined, undefined]
    if (state.messages === 0) return undefined
    const h245 = state.tunnel?.facts()
    return {transport: state.transport, messages: state.messages, counts: [...state.counts].map(([name, count]) => ({name, count})), kept: state.kept, truncated: state.truncated, ...(h245 ? {h245} : {})}
  },

  describe(facts: H323Facts): string[] {
    const what = facts.transport === 'udp' ? 'H.323 RAS' : 'H.323 call signalling'
    const unit = facts.transport === 'udp' ? 'RAS' : 'Q.931'
    const lines = [`${what}: ${facts.messages} ${unit} message${facts.messages === 1 ? '' : 's'} (${facts.counts.map((c) => `${c.name} ×${c.count}`).join(', ')})`]
    const detail = new DetailLines(lines, MAX_DESCRIBE_LINES)
    const once = (what: string, frame: number) => detail.once(what, frame)
    for (const m of facts.kept) {
      const frame = m.evidence.frame
      if (m.display) once(`H.323 ${m.type} Display "${m.display}"`, frame)
      if (m.callingNumber) once(`H.323 calling number ${m.callingNumber}`, frame)
      if (m.calledNumber) once(`H.323 called number ${m.calledNumber}`, frame)
      for (const a of m.sourceAliases) once(`H.323 caller alias ${a.type} ${a.value}`, frame)
      for (const a of m.destinationAliases) once(`H.323 called alias ${a.type} ${a.value}`, frame)
      if (m.endpoint && (m.endpoint.productId || m.endpoint.versionId)) once(`H.323 device (${m.sentBy}) ${endpointText(m.endpoint)}`, frame)
    }
    if (facts.h245) lines.push(...describeH245(facts.h245, 'H.245 tunnelled in the call signalling'))
    return lines
  },
}

/** A device as its EndpointType names it: product, version, node types, T.35 vendor code. */
export function endpointText(e: H225Endpoint): string {
  const name = [e.productId, e.versionId].filter(Boolean).join(' ')
  const vendor = e.t35CountryCode !== null ? `T.35 country ${e.t35CountryCode}, manufacturer ${e.manufacturerCode}` : ''
  const kinds = e.kinds.join(', ')
  return [name || 'unnamed', ...(kinds || vendor ? [`(${[kinds, vendor].filter(Boolean).join('; ')})`] : [])].join(' ')
}

function record(state: H323State, packet: PayloadPacket, bytes: Uint8Array, start: number, end: number): void {
  const q931 = parseQ931(bytes, start, end)
  if (!q931) return // H.245 or another TPKT user on the connection: not a call-signalling message
  const h225 = q931.userUser && state.kept.length < MAX_MESSAGES ? readH225(bytes, q931.userUser.start, q931.userUser.end) : undefined
  if (q931.userUser) {
    const carried = h225H245(bytes, q931.userUser.start, q931.userUser.end)
    const sentBy = packet.toServer ? 'client' : 'server'
    for (const m of carried.control) {
      const message = readH245(bytes, m.start, m.end)
      if (message) (state.tunnel ??= new H245Tally()).add(message, sentBy, () => state.evidenceOf(packet))
    }
    // Fast Connect: each element an OpenLogicalChannel (no MultimediaSystemControlMessage around it).
    for (const m of carried.fastStart) {
      const opens = readOpenLogicalChannel(bytes, m.start, m.end)
      if (opens) (state.tunnel ??= new H245Tally()).add({kind: 'request', name: 'fastStart openLogicalChannel', opens, fastStart: true}, sentBy, () => state.evidenceOf(packet))
    }
  }
  keep(state, packet, q931.type, h225?.body ?? null, q931, h225)
}

/** Count a message, and keep it while fewer than MAX_MESSAGES are. */
function keep(state: H323State, packet: PayloadPacket, type: string, body: string | null, q931: Pick<H323MessageFact, 'display' | 'callingNumber' | 'calledNumber'>, h225: H225Message | undefined): void {
  state.messages++
  if (state.counts.has(type) || state.counts.size < 64) state.counts.set(type, (state.counts.get(type) ?? 0) + 1)
  if (state.kept.length >= MAX_MESSAGES) {
    state.truncated = true
    return
  }
  state.kept.push({
    evidence: state.evidenceOf(packet),
    sentBy: packet.toServer ? 'client' : 'server',
    type,
    h225: body,
    display: q931.display,
    callingNumber: q931.callingNumber,
    calledNumber: q931.calledNumber,
    sourceAliases: h225?.sourceAliases ?? [],
    destinationAliases: h225?.destinationAliases ?? [],
    endpoint: h225?.endpoint ?? null,
  })
}
