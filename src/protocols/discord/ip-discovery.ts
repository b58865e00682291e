/**
 * Discord voice "IP discovery" (Discord's developer documentation, Voice Connections, "IP
 * Discovery"): before a call's media flows, the client asks the voice server which public address
 * and port its UDP socket has, and the server answers in clear. Every message is 74 bytes:
 *
 *   type     2 bytes  0x0001 request, 0x0002 response
 *   length   2 bytes  70 (what follows)
 *   SSRC     4 bytes  the client's media SSRC
 *   address 64 bytes  the client's public address as text, NUL-padded (zeros in a request)
 *   port     2 bytes  the client's public port, big-endian
 *
 * A response is the caller's public address read off the wire, as a STUN mapped address is.
 * Dispatch: a UDP flow whose first payload is such a request or response (the voice servers'
 * ports vary, 50000-65535). Steps aside after a few packets: the exchange opens the flow.
 */
import {ipv4Value} from '../../geo/ip.js'
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'

/** How the vantage and CA-META-005 name this source of a public address. */
export const DISCORD_IP_DISCOVERY = 'Discord IP discovery'

const MESSAGE_BYTES = 74
const REQUEST = 1
const RESPONSE = 2
/** Packets looked at: the request, its answer and a retry or two. */
const PACKETS_LOOKED_AT = 8

export interface IpDiscoveryFacts {
  /** The address and port the voice server says it saw the client come from. */
  address: string
  port: number
  /** Who sent the response: the flow's server, or (a flow oriented the other way) its client. */
  sentBy: 'server' | 'client'
  ssrc: number
  evidence: Evidence
  requests: number
}

interface State {
  evidenceOf: EvidenceOf
  packets: number
  requests: number
  facts: IpDiscoveryFacts | undefined
}

/** Whether b[start, end) is an IP discovery message of `type` (any when 0). */
function isMessage(b: Uint8Array, start: number, end: number, type: number): boolean {
  if (end - start !== MESSAGE_BYTES || b[start] !== 0 || b[start + 2] !== 0 || b[start + 3] !== MESSAGE_BYTES - 4) return false
  const t = b[start + 1]!
  return type === 0 ? t === REQUEST || t === RESPONSE : t === type
}

/** The NUL-padded address text of a response, if it is a dotted-quad IPv4 address (what Discord
 * sends); anything else is not taken. */
function addressText(b: Uint8Array, start: number): string | undefined {
  let text = ''
  for (let i = start + 8; i < start + 72 && b[i] !== 0; i++) {
    const c = b[i]!
    if ((c < 0x30 || c > 0x39) && c !== 0x2e) return undefined
    text += String.fromCharCode(c)
  }
  return ipv4Value(text) >= 0 ? text : undefined
}

export const discordIpDiscoveryAnalyzer: ProtocolAnalyzer<State, IpDiscoveryFacts> = {
  name: 'discord',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    return flow.transport === 'udp' && isMessage(packet.bytes, packet.start, packet.end, 0)
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): State {
    return {evidenceOf, packets: 0, requests: 0, facts: undefined}
  },

  feed(state: State, packet: PayloadPacket): boolean {
    state.packets++
    const {bytes, start, end} = packet
    if (isMessage(bytes, start, end, REQUEST)) state.requests++
    else if (state.facts === undefined && isMessage(bytes, start, end, RESPONSE)) {
      const address = addressText(bytes, start)
      if (address !== undefined) {
        state.facts = {
          address,
          port: (bytes[start + 72]! << 8) | bytes[start + 73]!,
          sentBy: packet.toServer ? 'client' : 'server',
          ssrc: ((bytes[start + 4]! << 24) | (bytes[start + 5]! << 16) | (bytes[start + 6]! << 8) | bytes[start + 7]!) >>> 0,
          evidence: state.evidenceOf(packet),
          requests: 0,
        }
      }
    }
    return state.packets < PACKETS_LOOKED_AT
  },

  finish(state: State): IpDiscoveryFacts | undefined {
    return state.facts && {...state.facts, requests: state.requests}
  },

  describe(facts: IpDiscoveryFacts): string[] {
    return [`Discord IP discovery: public address ${facts.address}:${facts.port} sent in clear (frame ${facts.evidence.frame})`]
  },
}
