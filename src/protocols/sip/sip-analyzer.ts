/**
 * SIP (RFC 3261) in clear, over UDP, TCP and WebSocket (RFC 7118): who calls whom and with what. Each message's start
 * line, From, To, Contact, the client software (User-Agent, or Server in responses), Call-ID,
 * whether credentials were sent (Authorization, Proxy-Authorization: presence only, never the
 * value) and the SDP body's addresses, media and keys (./sdp.ts). SIP over TLS (port 5061, sips:)
 * is TLS and read as such.
 *
 * A flow is taken on port 5060 (either end) or when its first payload is a whole SIP start line.
 * UDP: each datagram holds one message (§18.3). TCP: each direction is reassembled and cut into
 * messages by Content-Length (§18.3, §20.14). WebSocket (ws://, the transport of browser softphones
 * such as JsSIP and SIP.js): a TCP flow whose first payload is an opening handshake asking for the
 * "sip" subprotocol; after the handshake each WebSocket message holds one SIP message (RFC 7118
 * §5); messages compressed with the permessage-deflate the server agreed to (RFC 7692) are
 * inflated first (../websocket/ws-deflate.ts). SIP over wss:// is TLS. The first MAX_MESSAGES
 * messages are kept in full,
 * the rest counted (to MAX_COUNTED); the analyzer steps aside when a TCP direction's bytes stop
 * being SIP, or a UDP flow's first datagrams are not.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {headerValue, looksLikeSipStart, parseSipMessage, type SipMessage, utf8} from './sip-message.js'
import {parseSdp, type SdpFacts} from './sdp.js'
import {dtmfInfoType} from './sip-dtmf.js'
import {MAX_PRESSES_KEPT} from '../rtp/telephone-events.js'
import {webSocketRequestProtocols} from '../websocket/ws-handshake.js'
import {WsConnection} from '../websocket/ws-connection.js'
import {DetailLines} from '../detail-lines.js'

/** Messages kept in full per flow. */
export const MAX_MESSAGES = 32
/** Messages counted per flow: a trunk between two PBXs carries every call on one 5-tuple, and
 * each message is counted (tshark's count) until this many; the first MAX_MESSAGES are kept. */
const MAX_COUNTED = 1_000_000
const SIP_PORT = 5060
/** Longest SDP body read (characters). */
const MAX_SDP_CHARS = 16 * 1024
/** Bytes of TCP stream held per direction (a message head is at most 16 KiB). */
const TCP_HELD = 64 * 1024
/** Longest WebSocket message read (a SIP message with its SDP is a few kilobytes). */
const MAX_WS_MESSAGE = 64 * 1024

export interface SipMessageFact {
  evidence: Evidence
  /** The flow endpoint that sent it. */
  sentBy: 'client' | 'server'
  /** The request's method, or for a response the method it answers (its CSeq). */
  method: string
  /** Responses: the status code and reason phrase. */
  status?: number
  reason?: string
  /** Requests: the Request-URI. */
  requestUri?: string
  from: string | null
  to: string | null
  contact: string | null
  /** User-Agent (requests) or Server (responses). */
  software: string | null
  callId: string | null
  /** Authorization or Proxy-Authorization present (their values are never kept). */
  credentials: boolean
  sdp?: SdpFacts
}

export interface SipFacts {
  /** 'ws': over WebSocket in clear (RFC 7118), the HTTP handshake then one SIP message per WebSocket message. */
  transport: 'udp' | 'tcp' | 'ws'
  /** Messages read (all of them, kept or not). */
  messages: number
  /** Requests by method and responses by "status method" (e.g. "200 INVITE"), in order of first sight. */
  counts: Array<{name: string; count: number}>
  /** The first MAX_MESSAGES messages. */
  kept: SipMessageFact[]
  /** More messages than were kept, or a TCP direction cut. */
  truncated: boolean
  /** WebSocket: messages that could not be read as SIP (compressed with permessage-deflate,
   * RFC 7692, that would not inflate, or not SIP); present when there were any. */
  unreadMessages?: number
  /** WebSocket: messages compressed with the permessage-deflate the server agreed to (RFC
   * 7692), inflated and read; present when there were any. */
  inflatedMessages?: number
  /** INFO requests that carried a DTMF key (./sip-dtmf.ts), counted among all messages: how
   * many, the body types, where the first was. Never the keys. */
  dtmf?: {keyPresses: number; contentTypes: string[]; first: Evidence; presses: Evidence[]}
}

interface SipState {
  evidenceOf: EvidenceOf
  transport: 'udp' | 'tcp' | 'ws'
  packets: number
  messages: number
  counts: Map<string, number>
  kept: SipMessageFact[]
  truncated: boolean
  /** TCP: both directions' streams; a direction stops (undefined) at bytes that are not SIP. */
  tcp: [TcpByteStream | undefined, TcpByteStream | undefined] | undefined
  /** UDP: datagrams that were not SIP in a row. */
  misses: number
  /** WebSocket: set when the first payload is a handshake asking for "sip" (then `tcp` is unused). */
  ws: WsConnection | undefined
  unreadMessages: number
  inflatedMessages: number
  dtmfPresses: number
  dtmfTypes: string[]
  dtmfFirst: Evidence | undefined
  /** Where each key went (the first MAX_PRESSES_KEPT). */
  dtmfPlaces: Evidence[]
}

export const sipAnalyzer: ProtocolAnalyzer<SipState, SipFacts> = {
  name: 'sip',
  // Every message is counted (up to MAX_COUNTED): not a packet budget of the default's size.
  packetBudget: Number.POSITIVE_INFINITY,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.server.port === SIP_PORT || flow.client.port === SIP_PORT) return true
    return looksLikeSipStart(packet.bytes, packet.start, packet.end) || (flow.transport === 'tcp' && isSipWebSocketRequest(packet))
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): SipState {
    return {
      evidenceOf,
      transport: flow.transport,
      packets: 0,
      messages: 0,
      counts: new Map(),
      kept: [],
      truncated: false,
      tcp: flow.transport === 'tcp' ? [new TcpByteStream(TCP_HELD), new TcpByteStream(TCP_HELD)] : undefined,
      misses: 0,
      ws: undefined,
      unreadMessages: 0,
      inflatedMessages: 0,
      dtmfPresses: 0,
      dtmfTypes: [],
      dtmfFirst: undefined,
      dtmfPlaces: [],
    }
  },

  feed(state: SipState, packet: PayloadPacket): boolean {
    state.packets++
    if (state.tcp) {
      if (state.packets === 1 && isSipWebSocketRequest(packet)) {
        state.transport = 'ws'
        state.tcp = [undefined, undefined]
        state.ws = new WsConnection(TCP_HELD, MAX_WS_MESSAGE)
      }
      return state.ws ? feedWebSocket(state, packet, state.ws) : feedStream(state, packet, state.tcp)
    }
    const parsed = parseSipMessage(packet.bytes, packet.start, packet.end, true)
    if (parsed.status === 'ok') {
      state.misses = 0
      record(state, packet, parsed.message, packet.bytes)
    } else if (++state.misses >= 8 && state.messages === 0) return false // not SIP after all
    return state.messages < MAX_COUNTED
  },

  finish(state: SipState): SipFacts | undefined {
    state.tcp = undefined
    state.ws?.close()
    state.ws = undefined
    if (state.messages === 0) return undefined
    return {
      transport: state.transport,
      messages: state.messages,
      counts: [...state.counts].map(([name, count]) => ({name, count})),
      kept: state.kept,
      truncated: state.truncated,
      ...(state.unreadMessages > 0 ? {unreadMessages: state.unreadMessages} : {}),
      ...(state.inflatedMessages > 0 ? {inflatedMessages: state.inflatedMessages} : {}),
      ...(state.dtmfFirst ? {dtmf: {keyPresses: state.dtmfPresses, contentTypes: state.dtmfTypes, first: state.dtmfFirst, presses: state.dtmfPlaces}} : {}),
    }
  },

  describe(facts: SipFacts): string[] {
    const over = facts.transport === 'ws' ? 'WebSocket' : facts.transport.toUpperCase()
    const lines = [`SIP over ${over}: ${facts.messages} message${facts.messages === 1 ? '' : 's'} (${facts.counts.map((c) => `${c.name} ×${c.count}`).join(', ')})`]
    if (facts.inflatedMessages) lines.push(`${facts.inflatedMessages} WebSocket message${facts.inflatedMessages === 1 ? '' : 's'} compressed (permessage-deflate), inflated and read`)
    if (facts.dtmf) lines.push(`SIP INFO: ${facts.dtmf.keyPresses} DTMF key press${facts.dtmf.keyPresses === 1 ? '' : 'es'} readable in clear (${facts.dtmf.contentTypes.join(', ')}, from frame ${facts.dtmf.first.frame})`)
    if (facts.unreadMessages) lines.push(`${facts.unreadMessages} WebSocket message${facts.unreadMessages === 1 ? '' : 's'} not read (compressed, or not SIP)`)
    // Each distinct thing once, with the frame it was first seen in (dialog tags left out: they
    // differ per message and say nothing about who).
    const detail = new DetailLines(lines, MAX_DESCRIBE_LINES)
    const once = (what: string, frame: number) => detail.once(what, frame)
    for (const m of facts.kept) {
      const frame = m.evidence.frame
      if (m.requestUri !== undefined) once(`SIP ${m.method} ${m.requestUri}`, frame)
      if (m.from) once(`SIP From ${withoutTag(m.from)}`, frame)
      if (m.to) once(`SIP To ${withoutTag(m.to)}`, frame)
      if (m.contact) once(`SIP Contact ${m.contact}`, frame)
      // Both ends of SIP are user agents (a phone, a PBX): the header says which role sent it.
      if (m.software) once(`SIP ${m.requestUri !== undefined ? 'User-Agent' : 'Server'} ${m.software}`, frame)
      if (m.credentials) once('SIP credentials sent (Authorization)', frame)
      const sdp = m.sdp
      if (sdp) {
        const media = sdp.media.map((x) => `${x.type} ${x.port} ${x.proto}`).join(', ')
        once(`SDP media at ${sdp.connections.join(', ') || 'no address'}${media ? `: ${media}` : ''}`, frame)
        if (sdp.cryptoLines > 0) once(`SDP SRTP keys IN CLEAR (a=crypto ${sdp.cryptoSuites.join(', ')})`, frame)
        if (sdp.candidates.length > 0) once(`SDP ICE candidates ${sdp.candidates.map((c) => `${c.type} ${c.transport} ${c.address.includes(':') ? `[${c.address}]` : c.address}:${c.port}`).join(', ')}`, frame)
      }
    }
    return lines
  },
}

const MAX_DESCRIBE_LINES = 24

/** A From or To value without its dialog tag parameter (RFC 3261 §19.3). */
export function withoutTag(value: string): string {
  return value.replace(/;\s*tag=[^;]*/i, '')
}

function feedStream(state: SipState, packet: PayloadPacket, tcp: [TcpByteStream | undefined, TcpByteStream | undefined]): boolean {
  const i = packet.toServer ? 0 : 1
  const stream = tcp[i]
  if (stream) {
    stream.push(packet.seq, packet.data, packet.streamStart)
    const bytes = stream.bytes
    let at = 0
    for (;;) {
      // Keep-alives between messages (RFC 5626 §3.5.1: CRLF pings) are skipped.
      while (at < bytes.length && (bytes[at] === 0x0d || bytes[at] === 0x0a)) at++
      if (at >= bytes.length) break
      const parsed = parseSipMessage(bytes, at, bytes.length, false)
      if (parsed.status === 'incomplete') break
      if (parsed.status === 'invalid') {
        tcp[i] = undefined
        break
      }
      record(state, packet, parsed.message, bytes)
      at = parsed.end
    }
    if (tcp[i]) {
      stream.discard(at)
      if (stream.full) {
        state.truncated = true
        tcp[i] = undefined
      }
    }
  }
  return (tcp[0] !== undefined || tcp[1] !== undefined) && state.messages < MAX_COUNTED
}

/** A client's WebSocket opening handshake asking for the "sip" subprotocol (RFC 7118 §4). */
function isSipWebSocketRequest(packet: PayloadPacket): boolean {
  // 'G' first: no view of the payload is made for the other flows.
  return packet.toServer && packet.bytes[packet.start] === 0x47 && (webSocketRequestProtocols(packet.data)?.includes('sip') ?? false)
}

/** SIP over WebSocket: each WebSocket message one SIP message (RFC 7118 §5). */
function feedWebSocket(state: SipState, packet: PayloadPacket, ws: WsConnection): boolean {
  ws.push(packet, (at, message) => {
    const parsed = message.compressed ? undefined : parseSipMessage(message.bytes, 0, message.length, true)
    if (parsed?.status === 'ok') {
      record(state, at, parsed.message, message.bytes)
      if (message.inflated) state.inflatedMessages++
    } else state.unreadMessages++
  })
  if (ws.truncated) state.truncated = true
  return ws.open && state.messages < MAX_COUNTED
}

function record(state: SipState, packet: PayloadPacket, m: SipMessage, bytes: Uint8Array): void {
  state.messages++
  const name = m.kind === 'request' ? m.method : `${m.status}${m.method ? ` ${m.method}` : ''}`
  if (state.counts.has(name) || state.counts.size < 64) state.counts.set(name, (state.counts.get(name) ?? 0) + 1)
  const dtmf = dtmfInfoType(m, bytes)
  if (dtmf) {
    state.dtmfPresses++
    const evidence = state.evidenceOf(packet)
    state.dtmfFirst ??= evidence
    if (state.dtmfPlaces.length < MAX_PRESSES_KEPT) state.dtmfPlaces.push(evidence)
    if (!state.dtmfTypes.includes(dtmf)) state.dtmfTypes.push(dtmf)
  }
  if (state.kept.length >= MAX_MESSAGES) {
    state.truncated = true
    return
  }
  const h = m.headers
  const fact: SipMessageFact = {
    evidence: state.evidenceOf(packet),
    sentBy: packet.toServer ? 'client' : 'server',
    method: m.method,
    ...(m.kind === 'response' ? {status: m.status, reason: m.reason} : {requestUri: m.requestUri}),
    from: headerValue(h, 'from') ?? null,
    to: headerValue(h, 'to') ?? null,
    contact: headerValue(h, 'contact') ?? null,
    software: headerValue(h, m.kind === 'request' ? 'user-agent' : 'server') ?? null,
    callId: headerValue(h, 'call-id') ?? null,
    credentials: h.some(([n]) => n === 'authorization' || n === 'proxy-authorization'),
  }
  const type = headerValue(h, 'content-type')?.toLowerCase() ?? ''
  if (m.bodyEnd > m.bodyStart && (type.startsWith('application/sdp') || type === '')) {
    const sdp = parseSdp(utf8(bytes, m.bodyStart, m.bodyEnd, MAX_SDP_CHARS))
    if (sdp) fact.sdp = sdp
  }
  state.kept.push(fact)
}
