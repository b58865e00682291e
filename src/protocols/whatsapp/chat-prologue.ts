/**
 * WhatsApp's chat connection (the one that carries messages, presence and call signalling):
 * a TCP connection, to port 5222 or 443, whose first client bytes are a fixed prologue before
 * the Noise Pipes handshake (formerly FunXMPP's stream start). Two forms are in use:
 *
 *   plain:        "WA" (57 41), two version bytes, then the first frame
 *   edge routing: "ED" (45 44) 00 01, a 3-byte big-endian length, that many bytes of routing
 *                 information, then "WA" and two version bytes, then the first frame
 *
 * Every frame after the prologue is a 3-byte big-endian length and that many bytes. nDPI detects
 * WhatsApp from the same bytes (src/lib/protocols/whatsapp.c: `ED 00 01 00 00 04 08`,
 * `ED 00 01 00 00 02 08` and the old `WA 01 05`); the corpus shows `WA 01 05` (whatsapp_login_chat.pcap,
 * 2015), `ED 00 01 ... WA 02 01` (wa_voice.pcap) and `ED 00 01 ... WA 05 02` (whatsapp.pcap).
 *
 * How much is required, so that a stray "WA" is not WhatsApp: the prologue must open the
 * client's byte stream (the first payload of the flow, sent by its client); in the plain form the
 * first frame's header must follow (a non-zero length below 64 KiB: the handshake's first message
 * is a few hundred bytes), in the edge form the routing header (a length of 1 to 32 bytes) and
 * "WA" after it already make 9 fixed bytes. Steps aside as soon as that is decided.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'

/** The id the signature file names this recognition by (src/apps/signatures.json, kind `payload`). */
export const WHATSAPP_CHAT = 'whatsapp-chat'

/** Client stream bytes kept: the longest prologue (7 + 32 routing + 4) and a frame header. */
const STREAM_CAP = 64
/** Longest edge routing information taken (2 and 4 bytes seen). */
const MAX_ROUTING = 32
/** Client segments waited for before giving up (the corpus splits the prologue over three). */
const MAX_CLIENT_SEGMENTS = 6

export interface WhatsAppChatFacts {
  /** `edge-routing` when the "ED" routing header came first, else `plain`. */
  form: 'edge-routing' | 'plain'
  /** The two version bytes after "WA", as `major.minor` (e.g. `5.2`). */
  version: string
  /** Bytes of edge routing information (0 in the plain form). */
  routingBytes: number
  /** Length of the first frame after the prologue, when the capture holds its header. */
  firstFrameBytes: number | null
  /** The packet that completed the prologue. */
  evidence: Evidence
}

interface State {
  evidenceOf: EvidenceOf
  stream: TcpByteStream
  segments: number
  facts: WhatsAppChatFacts | undefined
  /** The edge form read up to "WA" and its version, waiting for the frame header. */
  enough: WhatsAppChatFacts | undefined
}

/** A stream that may still become a prologue: its first bytes agree with one of the forms. */
function mayStartPrologue(b: Uint8Array, start: number, end: number): boolean {
  const n = end - start
  if (n < 1) return false
  if (b[start] === 0x57) return n < 2 || b[start + 1] === 0x41
  if (b[start] !== 0x45) return false
  const edge = [0x45, 0x44, 0x00, 0x01]
  for (let i = 1; i < Math.min(n, 4); i++) if (b[start + i] !== edge[i]) return false
  return true
}

type Prologue = Omit<WhatsAppChatFacts, 'evidence'>
/** `enough`: more bytes wanted (the first frame's header), but what was read already counts
 * should the stream end here (the edge form). */
type Parse = {done: false; enough?: Prologue} | {done: true; facts: Prologue | undefined}

const MORE: Parse = {done: false}
const NOT_WHATSAPP: Parse = {done: true, facts: undefined}

/** Read the prologue from the start of the client's stream: decided (facts or not WhatsApp), or
 * more bytes needed. */
export function parsePrologue(b: Uint8Array): Parse {
  if (b.length < 2) return b.length === 0 || mayStartPrologue(b, 0, b.length) ? MORE : NOT_WHATSAPP
  let at = 0
  let form: WhatsAppChatFacts['form'] = 'plain'
  let routingBytes = 0
  if (b[0] === 0x45) {
    if (!mayStartPrologue(b, 0, Math.min(b.length, 4))) return NOT_WHATSAPP
    if (b.length < 7) return MORE
    routingBytes = (b[4]! << 16) | (b[5]! << 8) | b[6]!
    if (routingBytes < 1 || routingBytes > MAX_ROUTING) return NOT_WHATSAPP
    form = 'edge-routing'
    at = 7 + routingBytes
  } else if (b[0] !== 0x57) return NOT_WHATSAPP
  if (b.length < at + 4) {
    // "W", then "A", as far as the bytes go.
    if (b.length > at && b[at] !== 0x57) return NOT_WHATSAPP
    if (b.length > at + 1 && b[at + 1] !== 0x41) return NOT_WHATSAPP
    return MORE
  }
  if (b[at] !== 0x57 || b[at + 1] !== 0x41) return NOT_WHATSAPP
  const version = `${b[at + 2]}.${b[at + 3]}`
  const header = at + 4
  if (b.length < header + 3) return form === 'plain' ? MORE : {done: false, enough: {form, version, routingBytes, firstFrameBytes: null}}
  const frame = (b[header]! << 16) | (b[header + 1]! << 8) | b[header + 2]!
  if (frame === 0 || frame > 0xffff) return form === 'plain' ? NOT_WHATSAPP : {done: true, facts: {form, version, routingBytes, firstFrameBytes: null}}
  return {done: true, facts: {form, version, routingBytes, firstFrameBytes: frame}}
}

export const whatsappChatAnalyzer: ProtocolAnalyzer<State, WhatsAppChatFacts> = {
  name: 'whatsapp',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    // The prologue opens the client's stream: the flow's first payload, sent by its client.
    return flow.transport === 'tcp' && packet.toServer && mayStartPrologue(packet.bytes, packet.start, packet.end)
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): State {
    return {evidenceOf, stream: new TcpByteStream(STREAM_CAP, 4), segments: 0, facts: undefined, enough: undefined}
  },

  feed(state: State, packet: PayloadPacket): boolean {
    if (!packet.toServer) return true
    state.segments++
    state.stream.push(packet.seq, packet.data, packet.streamStart)
    const parsed = parsePrologue(state.stream.bytes)
    if (parsed.done) {
      if (parsed.facts) state.facts = {...parsed.facts, evidence: state.enough?.evidence ?? state.evidenceOf(packet)}
      return false
    }
    if (parsed.enough && !state.enough) state.enough = {...parsed.enough, evidence: state.evidenceOf(packet)}
    return state.segments < MAX_CLIENT_SEGMENTS && !state.stream.full
  },

  finish(state: State): WhatsAppChatFacts | undefined {
    return state.facts ?? state.enough
  },

  describe(facts: WhatsAppChatFacts): string[] {
    const routing = facts.form === 'edge-routing' ? ` after an edge routing header (${facts.routingBytes} bytes)` : ''
    return [`WhatsApp chat connection: prologue WA ${facts.version}${routing} (frame ${facts.evidence.frame})`]
  },
}
