/**
 * WireGuard (no RFC; the protocol is specified in J. A. Donenfeld, "WireGuard: Next Generation
 * Kernel Network Tunnel", §5.4, and the reference implementation's messages.h). Every message
 * starts with a one-byte type followed by three reserved zero bytes, and each type has a fixed
 * size (§5.4.2–§5.4.7):
 *
 *   1 handshake initiation  148 bytes  (sender index, ephemeral, static, timestamp, mac1, mac2)
 *   2 handshake response     92 bytes  (sender, receiver index, ephemeral, empty, mac1, mac2)
 *   3 cookie reply           64 bytes  (receiver index, nonce, encrypted cookie)
 *   4 transport data    16 + 16·n bytes (receiver index, counter, then the packet padded to 16
 *                                        bytes and sealed with a 16-byte tag: n ≥ 1)
 *
 * Nothing after the header is readable (keys are exchanged with Noise IK). What this reports is
 * that a WireGuard tunnel was set up on the flow: facts only once a handshake initiation or
 * response was read; a flow seen only mid-tunnel (transport data alone) is not claimed.
 *
 * Dispatch: any UDP flow whose first payload has one of these shapes (WireGuard has no fixed
 * port; 51820 is only the usual one). Steps aside after MAX_UNREADABLE packets of another shape
 * before a handshake, and at its packet budget.
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'

/** Message types and sizes (whitepaper §5.4.2, §5.4.3, §5.4.7, §5.4.6). */
export const WG = {initiation: 1, response: 2, cookieReply: 3, transport: 4} as const
const SIZES: Record<number, number> = {1: 148, 2: 92, 3: 64}
/** Transport data: 16-byte header (type, reserved, receiver, 64-bit counter) and at least the
 * 16-byte tag of an empty (keepalive) packet. */
const TRANSPORT_HEADER = 16
const TAG = 16
const MAX_UNREADABLE = 4

export interface WireGuardFacts {
  /** The first handshake initiation read (null when the capture starts at the response). */
  initiation: Evidence | null
  /** The first handshake message read (initiation or response). */
  evidence: Evidence
  initiations: number
  responses: number
  cookieReplies: number
  /** Transport data packets among those read (the analyzer stops at its packet budget). */
  transportPackets: number
}

/** The WireGuard message type of a UDP payload whose shape holds, or 0. */
export function wireGuardType(d: Uint8Array): number {
  if (d.length < 4 || d[1] !== 0 || d[2] !== 0 || d[3] !== 0) return 0
  const type = d[0]!
  const size = SIZES[type]
  if (size !== undefined) return d.length === size ? type : 0
  if (type === WG.transport && d.length >= TRANSPORT_HEADER + TAG && (d.length - TRANSPORT_HEADER) % 16 === 0) return type
  return 0
}

interface WireGuardState {
  evidenceOf: EvidenceOf
  unreadable: number
  initiation: Evidence | null
  evidence: Evidence | null
  counts: [number, number, number, number, number]
}

export const wireguardAnalyzer: ProtocolAnalyzer<WireGuardState, WireGuardFacts> = {
  name: 'wireguard',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    return flow.transport === 'udp' && wireGuardType(packet.data) !== 0
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): WireGuardState {
    return {evidenceOf, unreadable: 0, initiation: null, evidence: null, counts: [0, 0, 0, 0, 0]}
  },

  feed(s: WireGuardState, packet: PayloadPacket): boolean {
    const type = wireGuardType(packet.data)
    if (type === 0) {
      s.unreadable++
      return s.evidence !== null || s.unreadable < MAX_UNREADABLE
    }
    s.counts[type]!++
    if (type === WG.initiation || type === WG.response) {
      const evidence = s.evidenceOf(packet)
      if (!s.evidence) s.evidence = evidence
      if (type === WG.initiation && !s.initiation) s.initiation = evidence
    }
    return true
  },

  finish(s: WireGuardState): WireGuardFacts | undefined {
    if (!s.evidence) return undefined
    return {
      initiation: s.initiation,
      evidence: s.evidence,
      initiations: s.counts[WG.initiation],
      responses: s.counts[WG.response],
      cookieReplies: s.counts[WG.cookieReply],
      transportPackets: s.counts[WG.transport],
    }
  },

  describe(f: WireGuardFacts): string[] {
    const first = f.initiation ? `handshake initiation (frame ${f.initiation.frame})` : `handshake response (frame ${f.evidence.frame})`
    return [`WireGuard ${first}: ${f.initiations} initiation(s), ${f.responses} response(s), ${f.cookieReplies} cookie reply(ies), ${f.transportPackets} transport packet(s) read`]
  },
}
