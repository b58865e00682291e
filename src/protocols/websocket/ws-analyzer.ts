/**
 * WebRTC signalling in clear: a WebSocket opened with ws:// (RFC 6455), whose text messages carry
 * the session descriptions of a call (self-hosted WebRTC servers and SFUs, such as the Janus
 * gateway's "janus-protocol", exchange JSON with an `sdp` member). Read per connection: the
 * subprotocols asked for and chosen, messages per direction, each SDP found in a JSON message
 * (./sdp's facts: ICE candidates with the devices' addresses, media, fingerprints, SDES keys),
 * each ICE candidate trickled on its own (RFC 8840: a JSON `candidate` member), and the names of JSON members that hold secrets (a room PIN, an API secret, a token), never
 * their values. SIP over WebSocket is the SIP analyzer's, XMPP over WebSocket the XMPP analyzer's.
 *
 * A flow is taken when its first payload is an opening handshake (a GET upgrading to websocket)
 * and read over its first 4096 payload packets. Messages compressed with the permessage-deflate
 * the server agreed to (RFC 7692, what browsers offer on every connection) are inflated and read
 * (./ws-deflate.ts); binary messages, and compressed ones that cannot be inflated, are counted
 * as not read.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {parseCandidate, parseSdp, type SdpCandidate, type SdpFacts} from '../sip/sdp.js'
import {WsConnection} from './ws-connection.js'
import {WS_TEXT} from './ws-frame.js'
import {webSocketRequestProtocols} from './ws-handshake.js'

const STREAM_BYTES = 256 * 1024
/** Longest message read (an SDP offer with many candidates is a few kilobytes). */
const MAX_MESSAGE = 64 * 1024
/** Session descriptions and secret names kept per connection. */
const MAX_SDPS = 16
const MAX_SECRETS = 16
const MAX_CANDIDATES = 32
/** A JSON message is walked this deep, and through this many values, at most. */
const MAX_DEPTH = 12
const MAX_NODES = 4000
const MAX_DESCRIBE_LINES = 24

/** Member names that hold a secret: a room PIN or password, an API secret, a token. */
const SECRET_NAME = /^(?:pin|password|passwd|pwd|passcode|secret|apisecret|api_secret|token|credential|credentials)$/i

export interface WsSdpFact {
  evidence: Evidence
  sentBy: 'client' | 'server'
  /** The JSON `type` beside the `sdp` member (offer, answer), when there is one. */
  type: string | null
  sdp: SdpFacts
}

export interface WsCandidateFact extends SdpCandidate {
  sentBy: 'client' | 'server'
  evidence: Evidence
}

export interface WsSecretFact {
  /** The JSON member's name (its value is never kept). */
  name: string
  sentBy: 'client' | 'server'
  evidence: Evidence
}

export interface WebSocketFacts {
  /** Sec-WebSocket-Protocol the client asked for, and the one the server chose. */
  requestedProtocols: string[]
  protocol: string | null
  messages: {toServer: number; toClient: number}
  /** 'permessage-deflate' when the server agreed to compress messages (RFC 7692), else null. */
  compression: 'permessage-deflate' | null
  /** Compressed messages inflated and read. */
  inflated: number
  /** Binary messages, and compressed ones that could not be inflated (counted, not read). */
  unread: number
  sdps: WsSdpFact[]
  /** ICE candidates trickled outside an SDP, each address, port and transport once. */
  candidates: WsCandidateFact[]
  secrets: WsSecretFact[]
  truncated: boolean
}

interface WsState {
  evidenceOf: EvidenceOf
  connection: WsConnection | undefined
  requested: string[] | undefined
  protocol: string | null
  toServer: number
  toClient: number
  inflated: number
  unread: number
  sdps: WsSdpFact[]
  candidates: WsCandidateFact[]
  secrets: WsSecretFact[]
  truncated: boolean
  compression: 'permessage-deflate' | null
}

export const webSocketAnalyzer: ProtocolAnalyzer<WsState, WebSocketFacts> = {
  name: 'websocket',
  // Session descriptions come in a call's first messages; a WebSocket that carries a tunnel or a
  // download goes on for millions of packets, none of which need copying: its first 4096 are read.
  packetBudget: 4096,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport !== 'tcp' || !packet.toServer || packet.bytes[packet.start] !== 0x47) return false
    const protocols = webSocketRequestProtocols(packet.data)
    return protocols !== undefined && !protocols.includes('sip') && !protocols.includes('xmpp')
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): WsState {
    return {evidenceOf, connection: new WsConnection(STREAM_BYTES, MAX_MESSAGE), requested: undefined, protocol: null, toServer: 0, toClient: 0, inflated: 0, unread: 0, sdps: [], candidates: [], secrets: [], truncated: false, compression: null}
  },

  feed(state: WsState, packet: PayloadPacket): boolean {
    const connection = state.connection
    if (!connection) return false
    state.requested ??= webSocketRequestProtocols(packet.data) ?? []
    connection.push(packet, (at, message) => {
      if (at.toServer) state.toServer++
      else state.toClient++
      if (message.opcode !== WS_TEXT || message.compressed) {
        state.unread++
        return
      }
      if (message.inflated) state.inflated++
      readJson(state, at, message.bytes, message.length)
    })
    state.protocol = connection.protocol
    if (connection.deflate) state.compression = 'permessage-deflate'
    if (connection.truncated) state.truncated = true
    return connection.open
  },

  finish(state: WsState): WebSocketFacts | undefined {
    state.connection?.close()
    state.connection = undefined
    if (state.toServer + state.toClient === 0) return undefined
    return {
      requestedProtocols: state.requested ?? [],
      protocol: state.protocol,
      messages: {toServer: state.toServer, toClient: state.toClient},
      compression: state.compression,
      inflated: state.inflated,
      unread: state.unread,
      sdps: state.sdps,
      candidates: state.candidates,
      secrets: state.secrets,
      truncated: state.truncated,
    }
  },

  describe(facts: WebSocketFacts): string[] {
    const lines = [`WebSocket in clear${facts.protocol ? ` (${facts.protocol})` : ''}: ${facts.messages.toServer} message${facts.messages.toServer === 1 ? '' : 's'} to the server, ${facts.messages.toClient} back${facts.inflated ? `, ${facts.inflated} compressed (permessage-deflate, inflated and read)` : ''}${facts.unread ? `, ${facts.unread} binary or compressed (not read)` : ''}`]
    for (const s of facts.sdps) {
      if (lines.length >= MAX_DESCRIBE_LINES) break
      const candidates = s.sdp.candidates.map((c) => `${c.type} ${c.transport} ${c.address.includes(':') ? `[${c.address}]` : c.address}:${c.port}`).join(', ')
      lines.push(`SDP ${s.type ?? ''}${s.type ? ' ' : ''}from the ${s.sentBy}: ${s.sdp.media.map((m) => `${m.type} ${m.proto}`).join(', ') || 'no media'}${candidates ? `; ICE candidates ${candidates}` : ''} (frame ${s.evidence.frame})`)
    }
    if (facts.candidates.length > 0 && lines.length < MAX_DESCRIBE_LINES) lines.push(`ICE candidates trickled: ${facts.candidates.map((c) => `${c.type} ${c.transport} ${c.address.includes(':') ? `[${c.address}]` : c.address}:${c.port} (${c.sentBy})`).join(', ')}`)
    for (const s of facts.secrets) if (lines.length < MAX_DESCRIBE_LINES) lines.push(`secret "${s.name}" sent in clear by the ${s.sentBy} (frame ${s.evidence.frame})`)
    return lines
  },
}

const UTF8 = new TextDecoder('utf-8', {fatal: false})

/** A text message that is JSON: its session descriptions and secret members. */
function readJson(state: WsState, packet: PayloadPacket, bytes: Uint8Array, length: number): void {
  let i = 0
  while (i < length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++
  if (i >= length || (bytes[i] !== 0x7b && bytes[i] !== 0x5b)) return // not a JSON object or array
  let value: unknown
  try {
    value = JSON.parse(UTF8.decode(bytes.subarray(0, length)))
  } catch {
    return
  }
  const sentBy = packet.toServer ? 'client' : 'server'
  let nodes = 0
  const walk = (v: unknown, depth: number): void => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH || v === null || typeof v !== 'object') return
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1)
      return
    }
    const record = v as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const x = record[key]
      if (typeof x === 'string' && x.startsWith('v=0') && state.sdps.length < MAX_SDPS) {
        const sdp = parseSdp(x)
        const type = typeof record['type'] === 'string' ? (record['type'] as string).slice(0, 32) : null
        if (sdp) state.sdps.push({evidence: state.evidenceOf(packet), sentBy, type, sdp})
      } else if (key === 'candidate' && typeof x === 'string' && x.startsWith('candidate:')) {
        const c = parseCandidate(x.slice(0, 512))
        if (c && state.candidates.length < MAX_CANDIDATES && !state.candidates.some((o) => o.address === c.address && o.port === c.port && o.transport === c.transport)) state.candidates.push({...c, sentBy, evidence: state.evidenceOf(packet)})
      } else if ((typeof x === 'string' || typeof x === 'number') && x !== '' && SECRET_NAME.test(key)) {
        const name = key.toLowerCase()
        if (state.secrets.length < MAX_SECRETS && !state.secrets.some((s) => s.name === name && s.sentBy === sentBy)) state.secrets.push({name, sentBy, evidence: state.evidenceOf(packet)})
      } else walk(x, depth + 1)
    }
  }
  walk(value, 0)
}
