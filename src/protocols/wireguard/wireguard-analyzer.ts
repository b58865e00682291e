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
 * that a WireGuard tunnel was on the flow, in one of two ways:
 *
 * - a handshake initiation or response was read (the tunnel was set up in the capture); or
 * - no handshake was read but the flow carried a run of TRANSPORT_CONFIRM transport data messages
 *   (§5.4.6) that hold together as a tunnel does: per direction one receiver index (the peer's
 *   sender index, §5.4.2) and a 64-bit counter that only grows (the nonce of §5.4.6: each is used
 *   once; small reordering is allowed, a repeat is not), the two directions on different indexes.
 *   This catches captures started mid-tunnel, on any port (Mullvad on UDP 5060). One message of
 *   another shape, or one message breaking these rules, and the flow is never claimed this way.
 *
 * Dispatch: any UDP flow whose first payload starts with a message type 1–4 and the three
 * reserved zero bytes (§5.4; any size, so that a peer with a non-standard handshake still has its
 * transport data judged). WireGuard has no fixed port; 51820 is only the usual one. Steps aside
 * after MAX_UNREADABLE packets of another shape while nothing is claimed, and at its packet budget.
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
/** Transport data messages, with no handshake read, before a flow is claimed as a tunnel. */
export const TRANSPORT_CONFIRM = 4
/** How far a counter may run ahead of the highest one seen in its direction: the size of the
 * reference implementation's replay window (§5.4.6 sliding window; 8192 in the Linux module). */
const MAX_COUNTER_STEP = 8192n
/** How far behind the highest counter a message may arrive (reordering on the path). */
const MAX_REORDER = 32n

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
  /** Present (true) only when no handshake was read: the flow was claimed on its transport data
   * (§5.4.6) alone, and `evidence` is the first transport data message of that run. */
  transportOnly?: true
  /** With `transportOnly`: the receiver index (§5.4.6, read little-endian, written as Wireshark's
   * wg.receiver_index, e.g. 0x79497615) of the messages each way, null for a silent direction. */
  receiverIndexes?: {toServer: string | null; toClient: string | null}
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

/** Transport data header fields (§5.4.6): receiver index at 4, little-endian 64-bit counter at 8. */
function transportFields(d: Uint8Array): {receiver: number; counter: bigint} {
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength)
  return {receiver: view.getUint32(4, true), counter: view.getBigUint64(8, true)}
}

/** One direction of a transport-only run: its receiver index and the counters seen. */
interface TransportDirection {
  receiver: number
  highest: bigint
  /** Counters seen within MAX_REORDER of `highest` (a repeat is a replay, never WireGuard). */
  recent: bigint[]
}

interface TransportRun {
  first: Evidence | null
  messages: number
  /** [toClient, toServer], indexed by packet.toServer. */
  dirs: [TransportDirection | null, TransportDirection | null]
  /** A message broke the rules: the flow is never claimed on transport data alone. */
  broken: boolean
  confirmed: boolean
}

interface WireGuardState {
  evidenceOf: EvidenceOf
  unreadable: number
  initiation: Evidence | null
  evidence: Evidence | null
  counts: [number, number, number, number, number]
  run: TransportRun
}

/** Follows a transport data message (already of the right shape) in the run; breaks the run when
 * it does not hold together as §5.4.6 says a tunnel's messages do. */
function followTransport(s: WireGuardState, packet: PayloadPacket): void {
  const run = s.run
  if (run.broken || run.confirmed) return
  const {receiver, counter} = transportFields(packet.data)
  const i = packet.toServer ? 1 : 0
  const dir = run.dirs[i]
  if (!dir) {
    // Each peer picks its own random index (§5.4.2): both directions on one is not WireGuard.
    if (run.dirs[1 - i]?.receiver === receiver) run.broken = true
    else run.dirs[i] = {receiver, highest: counter, recent: [counter]}
  } else if (receiver !== dir.receiver || dir.recent.includes(counter)) {
    run.broken = true
  } else if (counter > dir.highest) {
    if (counter - dir.highest > MAX_COUNTER_STEP) run.broken = true
    else {
      dir.highest = counter
      dir.recent = dir.recent.filter((c) => dir.highest - c <= MAX_REORDER)
      dir.recent.push(counter)
    }
  } else if (dir.highest - counter > MAX_REORDER) {
    run.broken = true
  } else {
    dir.recent.push(counter)
  }
  if (run.broken) return
  if (!run.first) run.first = s.evidenceOf(packet)
  if (++run.messages >= TRANSPORT_CONFIRM) run.confirmed = true
}

const hexIndex = (d: TransportDirection | null) => (d ? `0x${d.receiver.toString(16).padStart(8, '0')}` : null)

export const wireguardAnalyzer: ProtocolAnalyzer<WireGuardState, WireGuardFacts> = {
  name: 'wireguard',

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    // The common header of every message (§5.4): type 1–4, three reserved zero bytes.
    const d = packet.data
    return flow.transport === 'udp' && d.length >= 4 && d[0]! >= WG.initiation && d[0]! <= WG.transport && d[1] === 0 && d[2] === 0 && d[3] === 0
  },

  start(_flow: FlowInfo, evidenceOf: EvidenceOf): WireGuardState {
    const run: TransportRun = {first: null, messages: 0, dirs: [null, null], broken: false, confirmed: false}
    return {evidenceOf, unreadable: 0, initiation: null, evidence: null, counts: [0, 0, 0, 0, 0], run}
  },

  feed(s: WireGuardState, packet: PayloadPacket): boolean {
    const type = wireGuardType(packet.data)
    if (type === 0) {
      s.unreadable++
      if (!s.run.confirmed) s.run.broken = s.run.broken || s.run.messages > 0
      return s.evidence !== null || s.run.confirmed || s.unreadable < MAX_UNREADABLE
    }
    s.counts[type]!++
    if (type === WG.transport) followTransport(s, packet)
    // Evidence is made only for the first handshake message (and the first initiation).
    if ((type === WG.initiation || type === WG.response) && (!s.evidence || (type === WG.initiation && !s.initiation))) {
      const evidence = s.evidenceOf(packet)
      if (!s.evidence) s.evidence = evidence
      if (type === WG.initiation && !s.initiation) s.initiation = evidence
    }
    return true
  },

  finish(s: WireGuardState): WireGuardFacts | undefined {
    if (!s.evidence) {
      if (!s.run.confirmed || !s.run.first) return undefined
      return {
        initiation: null,
        evidence: s.run.first,
        initiations: s.counts[WG.initiation],
        responses: s.counts[WG.response],
        cookieReplies: s.counts[WG.cookieReply],
        transportPackets: s.counts[WG.transport],
        transportOnly: true,
        receiverIndexes: {toServer: hexIndex(s.run.dirs[1]), toClient: hexIndex(s.run.dirs[0])},
      }
    }
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
    if (f.transportOnly) {
      const idx = f.receiverIndexes
      return [`WireGuard transport data only, no handshake read (from frame ${f.evidence.frame}): ${f.transportPackets} transport packet(s) read, receiver index ${idx?.toServer ?? 'none'} to server, ${idx?.toClient ?? 'none'} to client`]
    }
    const first = f.initiation ? `handshake initiation (frame ${f.initiation.frame})` : `handshake response (frame ${f.evidence.frame})`
    return [`WireGuard ${first}: ${f.initiations} initiation(s), ${f.responses} response(s), ${f.cookieReplies} cookie reply(ies), ${f.transportPackets} transport packet(s) read`]
  },
}
