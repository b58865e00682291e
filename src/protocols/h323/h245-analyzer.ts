/**
 * H.245 in clear (ITU-T H.245 over TCP, on the connection an H.323 call's signalling named in its
 * h245Address): the call's media control. Each direction is reassembled and cut into TPKT
 * packets (./tpkt.ts), each one MultimediaSystemControlMessage (./h245-message.ts). Kept per
 * flow: every message counted by name; from each openLogicalChannelAck, where the acknowledging
 * side receives the channel's media (RTP) and reports (RTCP); and the userInput indications that
 * carried keys the caller pressed (how many, never the keys).
 *
 * A flow is taken when its first payload is a TPKT packet holding a terminalCapabilitySet or a
 * masterSlaveDetermination request: H.245's capability exchange and master/slave determination
 * open every session (H.323 §8.1.3 asks for the capability set first), and the port is whatever
 * the endpoints chose. A direction whose bytes stop being H.245 in TPKT is let go.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {type H245Address, readH245} from './h245-message.js'
import {readTpktStream, tpktLength} from './tpkt.js'
import {MAX_PRESSES_KEPT} from '../rtp/telephone-events.js'

/** Channel acknowledgements kept per flow (a call opens a few: audio, video, data, each way). */
const MAX_CHANNELS = 16
const MAX_COUNTED = 1_000_000
const TCP_HELD = 64 * 1024
const OPENING = new Set(['terminalCapabilitySet', 'masterSlaveDetermination'])

export interface H245ChannelFact {
  evidence: Evidence
  /** The flow endpoint that acknowledged the channel: where its media is to be sent. */
  sentBy: 'client' | 'server'
  sessionId: number | null
  /** Where the acknowledging side receives the channel's RTP, and its RTCP. */
  mediaChannel: H245Address | null
  mediaControlChannel: H245Address | null
}

export interface H245Facts {
  /** Messages read (all of them). */
  messages: number
  /** Messages by name, in order of first sight. */
  counts: Array<{name: string; count: number}>
  /** openLogicalChannelAck media addresses (the first MAX_CHANNELS). */
  channels: H245ChannelFact[]
  /** userInput indications that carried keys (alphanumeric, signal): how many, in which forms,
   * the first; present when there were any. The keys are never kept. */
  keys?: {keyPresses: number; forms: string[]; first: Evidence; presses: Evidence[]}
  /** More channels than were kept, or a direction cut. */
  truncated: boolean
}

interface H245State {
  evidenceOf: EvidenceOf
  messages: number
  counts: Map<string, number>
  channels: H245ChannelFact[]
  keyPresses: number
  keyForms: string[]
  firstKey: Evidence | undefined
  /** Where each key indication went (the first MAX_PRESSES_KEPT). */
  keyPlaces: Evidence[]
  truncated: boolean
  streams: [TcpByteStream | undefined, TcpByteStream | undefined]
}

export const h245Analyzer: ProtocolAnalyzer<H245State, H245Facts> = {
  name: 'h245',
  // Every message of the call is counted (to its endSessionCommand, however long the call).
  packetBudget: Number.POSITIVE_INFINITY,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport !== 'tcp') return false
    const {bytes, start, end} = packet
    const length = tpktLength(bytes, start, end)
    if (length < 0) return false
    const message = readH245(bytes, start + 4, Math.min(end, start + length))
    return message?.kind === 'request' && OPENING.has(message.name)
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): H245State {
    return {evidenceOf, messages: 0, counts: new Map(), channels: [], keyPresses: 0, keyForms: [], firstKey: undefined, keyPlaces: [], truncated: false, streams: [new TcpByteStream(TCP_HELD), new TcpByteStream(TCP_HELD)]}
  },

  feed(state: H245State, packet: PayloadPacket): boolean {
    const i = packet.toServer ? 0 : 1
    const stream = state.streams[i]
    if (stream) {
      const outcome = readTpktStream(stream, packet, (bytes, start, end) => record(state, packet, bytes, start, end))
      if (outcome === 'full') state.truncated = true
      if (outcome !== 'open') state.streams[i] = undefined
    }
    return (state.streams[0] !== undefined || state.streams[1] !== undefined) && state.messages < MAX_COUNTED
  },

  finish(state: H245State): H245Facts | undefined {
    state.streams = [undefined, undefined]
    if (state.messages === 0) return undefined
    return {
      messages: state.messages,
      counts: [...state.counts].map(([name, count]) => ({name, count})),
      channels: state.channels,
      ...(state.firstKey ? {keys: {keyPresses: state.keyPresses, forms: state.keyForms, first: state.firstKey, presses: state.keyPlaces}} : {}),
      truncated: state.truncated,
    }
  },

  describe(facts: H245Facts): string[] {
    const lines = [`H.245 media control: ${facts.messages} message${facts.messages === 1 ? '' : 's'} (${facts.counts.map((c) => `${c.name} ×${c.count}`).join(', ')})`]
    for (const c of facts.channels) {
      const at = (a: H245Address | null) => (a ? (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`) : 'no address')
      lines.push(`H.245 channel acknowledged by the ${c.sentBy}${c.sessionId !== null ? ` (session ${c.sessionId})` : ''}: media to ${at(c.mediaChannel)}, RTCP to ${at(c.mediaControlChannel)} (frame ${c.evidence.frame})`)
    }
    if (facts.keys) lines.push(`H.245 userInput: ${facts.keys.keyPresses} DTMF key indication${facts.keys.keyPresses === 1 ? '' : 's'} readable in clear (${facts.keys.forms.join(', ')}, from frame ${facts.keys.first.frame})`)
    return lines
  },
}

/** One TPKT packet's H.245 message: counted and its facts kept; false when it is not H.245. */
function record(state: H245State, packet: PayloadPacket, bytes: Uint8Array, start: number, end: number): boolean {
  const message = readH245(bytes, start, end)
  if (!message) return false
  state.messages++
  if (state.counts.has(message.name) || state.counts.size < 64) state.counts.set(message.name, (state.counts.get(message.name) ?? 0) + 1)
  if (message.keys) {
    state.keyPresses++
    const evidence = state.evidenceOf(packet)
    state.firstKey ??= evidence
    if (state.keyPlaces.length < MAX_PRESSES_KEPT) state.keyPlaces.push(evidence)
    if (!state.keyForms.includes(message.keys)) state.keyForms.push(message.keys)
  }
  if (message.ack) {
    if (state.channels.length < MAX_CHANNELS) state.channels.push({evidence: state.evidenceOf(packet), sentBy: packet.toServer ? 'client' : 'server', ...message.ack})
    else state.truncated = true
  }
  return true
}
