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
import type {EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {TcpByteStream} from '../tcp-byte-stream.js'
import {readH245} from './h245-message.js'
import {describeH245, type H245Facts, H245Tally} from './h245-tally.js'
import {readTpktStream, tpktLength} from './tpkt.js'

const MAX_COUNTED = 1_000_000
const TCP_HELD = 64 * 1024
const OPENING = new Set(['terminalCapabilitySet', 'masterSlaveDetermination'])

export type {H245ChannelFact, H245Facts} from './h245-tally.js'

interface H245State {
  evidenceOf: EvidenceOf
  tally: H245Tally
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
    return {evidenceOf, tally: new H245Tally(), streams: [new TcpByteStream(TCP_HELD), new TcpByteStream(TCP_HELD)]}
  },

  feed(state: H245State, packet: PayloadPacket): boolean {
    const i = packet.toServer ? 0 : 1
    const stream = state.streams[i]
    if (stream) {
      const outcome = readTpktStream(stream, packet, (bytes, start, end) => record(state, packet, bytes, start, end))
      if (outcome === 'full') state.tally.truncated = true
      if (outcome !== 'open') state.streams[i] = undefined
    }
    return (state.streams[0] !== undefined || state.streams[1] !== undefined) && state.tally.messages < MAX_COUNTED
  },

  finish(state: H245State): H245Facts | undefined {
    state.streams = [undefined, undefined]
    return state.tally.facts()
  },

  describe(facts: H245Facts): string[] {
    return describeH245(facts)
  },
}

/** One TPKT packet's H.245 message, tallied; false when it is not H.245. */
function record(state: H245State, packet: PayloadPacket, bytes: Uint8Array, start: number, end: number): boolean {
  const message = readH245(bytes, start, end)
  if (!message) return false
  state.tally.add(message, packet.toServer ? 'client' : 'server', () => state.evidenceOf(packet))
  return true
}
