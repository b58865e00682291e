/**
 * Zoom media encapsulation, so a report can say which kinds of media of a call went through
 * which Zoom server. Layout as publicly described by Michel et al., "Enabling Passive Measurement
 * of Zoom Performance in Production Networks" (IMC 2022), and by nDPI's Zoom dissector notes;
 * this is our own implementation of that description:
 *
 *  - SFU encapsulation (client ↔ Zoom server, UDP 8801-8810), 8 bytes: type (1/2 connection
 *    set-up, 3/4 keep-alive, 5 media), 16-bit sequence number, 4 unknown bytes, direction byte
 *    (0 to Zoom, 4 from Zoom). Type 5 is followed by the media encapsulation.
 *  - Media encapsulation (after the SFU header, or first in peer-to-peer packets): inner type
 *    (15 audio, 16 video, 13 screen share via server, 30 screen share P2P, 33-35 RTCP), then a
 *    header whose length depends on the type, then the RTP packet (audio at +19, video at +24
 *    (or +20 without the 4-byte frame info flagged by 0x02 at +20), screen share +27 (SFU) or
 *    +20 (P2P)) or the RTCP packet (+16).
 *  - P2P set-up: a first packet 0x1F 0x02 0x01, 24 header bytes, then length-prefixed (32-bit)
 *    strings: an IP address and a UUID, then 4 zero bytes.
 *
 * Not every Zoom build follows this layout (zoom.pcap's 2019 flows carry probe packets with other
 * inner types): inner types we do not know are counted as such, and RTP is only reported where a
 * valid RTP version-2 header sits at the documented offset. Nothing is claimed for a flow on port
 * 8801 that does not carry these headers (plain RTP there is the RTP analyzer's business).
 */
import type {Evidence, EvidenceOf, FlowInfo, PayloadPacket, ProtocolAnalyzer} from '../analyzer.js'
import {payloadTypeName} from '../rtp/payload-types.js'
import {isRtcpHeader} from '../rtp/rtcp.js'
import {newRtpHeader, readRtpHeader, type RtpHeader} from '../rtp/rtp-header.js'
import {captureText} from '../stun/message.js'

export type ZoomMediaKind = 'audio' | 'video' | 'screen-share' | 'rtcp' | 'unknown'

const SFU_HEADER_LENGTH = 8
const SFU_TYPE_MEDIA = 5
/** Packets inspected before deciding that a flow does not carry Zoom's encapsulation. */
const DECIDE_WITHIN = 8
const MAX_SSRCS = 16
const MAX_INNER_TYPES = 24

export function isZoomPort(port: number): boolean {
  return port >= 8801 && port <= 8810
}

export function mediaKind(innerType: number): ZoomMediaKind {
  switch (innerType) {
    case 15:
      return 'audio'
    case 16:
      return 'video'
    case 13:
    case 30:
      return 'screen-share'
    case 33:
    case 34:
    case 35:
      return 'rtcp'
    default:
      return 'unknown'
  }
}

/**
 * Offsets (from the start of the media encapsulation) where the RTP header may sit for an inner
 * type, most likely first; empty for types without RTP.
 */
export function rtpOffsets(innerType: number, b: Uint8Array, inner: number): readonly number[] {
  switch (innerType) {
    case 15:
      return AT_19
    case 16:
      return inner + 20 < b.length && b[inner + 20] === 0x02 ? AT_24_20 : AT_20_24
    case 13:
      return AT_27
    case 30:
      return AT_20
    default:
      return NONE
  }
}

/** The offset lists, shared: rtpOffsets runs for every media packet. */
const AT_19: readonly number[] = Object.freeze([19])
const AT_24_20: readonly number[] = Object.freeze([24, 20])
const AT_20_24: readonly number[] = Object.freeze([20, 24])
const AT_27: readonly number[] = Object.freeze([27])
const AT_20: readonly number[] = Object.freeze([20])
const NONE: readonly number[] = Object.freeze([])

export interface ZoomSsrcFact {
  ssrc: string
  sentBy: 'client' | 'server'
  packets: number
  payloadTypes: Array<{pt: number; name: string}>
}

export interface ZoomMediaFact {
  kind: ZoomMediaKind
  innerType: number
  toServer: number
  toClient: number
  /** Packets where an RTP (or, for RTCP types, RTCP) header was found at the documented offset. */
  withRtp: number
  ssrcs: ZoomSsrcFact[]
  first: Evidence
}

export interface ZoomFacts {
  encapsulation: 'sfu' | 'p2p'
  zoomPackets: number
  otherPackets: number
  outerTypes: Array<{type: number; meaning: string; toServer: number; toClient: number}>
  directionBytes: Array<{value: number; meaning: string; toServer: number; toClient: number}>
  media: ZoomMediaFact[]
  /** P2P set-up: the IP address string the peer announced (may be a LAN address). */
  p2pAnnouncedAddress?: {text: string; first: Evidence}
  first: Evidence
  truncated: boolean
}

interface MediaState {
  innerType: number
  toServer: number
  toClient: number
  withRtp: number
  ssrcs: Map<number, {ssrc: number; toServer: boolean; packets: number; pts: number[]}>
  first: Evidence
}

interface ZoomState {
  evidenceOf: EvidenceOf
  mode: 'sfu' | 'p2p'
  packets: number
  zoom: number
  accepted: boolean
  handshake: boolean
  first?: Evidence
  outer: Map<number, [number, number]>
  direction: Map<number, [number, number]>
  media: Map<number, MediaState>
  announced?: {text: string; first: Evidence}
  truncated: boolean
}

/** RTP header scratch shared by all flows: it holds one packet's header while that packet is
 * looked at (feed is never re-entered). */
const scratchHeader: RtpHeader = newRtpHeader()

const OUTER_MEANING: Record<number, string> = {1: 'connection set-up', 2: 'connection set-up reply', 3: 'keep-alive', 4: 'keep-alive reply', 5: 'media'}
const DIRECTION_MEANING: Record<number, string> = {0: 'to Zoom', 4: 'from Zoom'}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}

/**
 * The P2P set-up packet: 0x1F 0x02 0x01, 24 header bytes, 32-bit length + IP address string,
 * 32-bit length + UUID, 4 zero bytes, and nothing else. Returns the address string's bounds.
 */
export function p2pSetup(b: Uint8Array): [number, number] | undefined {
  const n = b.length
  if (n <= 36 || b[0] !== 0x1f || b[1] !== 0x02 || b[2] !== 0x01) return undefined
  if (u32(b, n - 4) !== 0) return undefined
  const ipLength = u32(b, 24)
  if (ipLength > n || 28 + ipLength + 4 > n) return undefined
  const uuidLength = u32(b, 28 + ipLength)
  if (24 + 4 + ipLength + 4 + uuidLength + 4 !== n) return undefined
  return [28, 28 + ipLength]
}

/** SFU outer header shape: a known type and room for the header (and an inner type for 5). */
function sfuShaped(b: Uint8Array): boolean {
  const type = b[0]!
  return type >= 1 && type <= 5 && b.length >= SFU_HEADER_LENGTH + (type === SFU_TYPE_MEDIA ? 1 : 0)
}

export const zoomAnalyzer: ProtocolAnalyzer<ZoomState, ZoomFacts> = {
  name: 'zoom',
  // media packets are counted per type for the whole flow.
  packetBudget: Number.POSITIVE_INFINITY,

  probe(flow: FlowInfo, packet: PayloadPacket): boolean {
    if (flow.transport !== 'udp') return false
    if (isZoomPort(flow.server.port) || isZoomPort(flow.client.port)) return true
    return p2pSetup(packet.data) !== undefined
  },

  start(flow: FlowInfo, evidenceOf: EvidenceOf): ZoomState {
    const sfu = isZoomPort(flow.server.port) || isZoomPort(flow.client.port)
    return {
      evidenceOf,
      mode: sfu ? 'sfu' : 'p2p',
      packets: 0,
      zoom: 0,
      accepted: false,
      handshake: false,
      outer: new Map(),
      direction: new Map(),
      media: new Map(),
      truncated: false,
    }
  },

  feed(state: ZoomState, packet: PayloadPacket): boolean {
    state.packets++
    const b = packet.data
    if (state.mode === 'p2p') feedP2p(state, packet, b)
    else feedSfu(state, packet, b)
    if (!state.accepted) {
      // nDPI's set-up patterns (01 00 02/03 from the client, 02 00 02/03 from the server), or
      // most packets SFU-shaped, make the flow Zoom's.
      if (state.handshake || (state.zoom >= 4 && state.zoom * 5 >= state.packets * 4)) state.accepted = true
      else if (state.packets >= DECIDE_WITHIN) {
        state.outer.clear()
        state.direction.clear()
        state.media.clear()
        return false
      }
    }
    return true
  },

  finish(state: ZoomState): ZoomFacts | undefined {
    const facts = factsOf(state)
    // The state stays referenced to the end of the run: keep nothing of it past this point.
    state.outer.clear()
    state.direction.clear()
    state.media.clear()
    return facts
  },

  describe(facts: ZoomFacts): string[] {
    return describeZoom(facts)
  },
}

function factsOf(state: ZoomState): ZoomFacts | undefined {
  if (!state.accepted || !state.first) return undefined
  const pairs = (m: Map<number, [number, number]>, meaning: Record<number, string>) =>
    [...m.entries()].sort((a, b) => a[0] - b[0]).map(([value, [toServer, toClient]]) => ({value, meaning: meaning[value] ?? 'unknown', toServer, toClient}))
  return {
    encapsulation: state.mode,
    zoomPackets: state.zoom,
    otherPackets: state.packets - state.zoom,
    outerTypes: pairs(state.outer, OUTER_MEANING).map(({value, ...rest}) => ({type: value, ...rest})),
    directionBytes: pairs(state.direction, DIRECTION_MEANING),
    media: [...state.media.values()]
      .sort((a, b) => a.innerType - b.innerType)
      .map((m) => ({
        kind: mediaKind(m.innerType),
        innerType: m.innerType,
        toServer: m.toServer,
        toClient: m.toClient,
        withRtp: m.withRtp,
        ssrcs: [...m.ssrcs.values()].map((s) => ({
          ssrc: `0x${s.ssrc.toString(16).padStart(8, '0')}`,
          sentBy: s.toServer ? ('client' as const) : ('server' as const),
          packets: s.packets,
          payloadTypes: s.pts.map((pt) => ({pt, name: payloadTypeName(pt)})),
        })),
        first: m.first,
      })),
    ...(state.announced ? {p2pAnnouncedAddress: state.announced} : {}),
    first: state.first,
    truncated: state.truncated,
  }
}

function bump(map: Map<number, [number, number]>, key: number, toServer: boolean, state: ZoomState): void {
  let c = map.get(key)
  if (!c) {
    if (map.size >= MAX_INNER_TYPES) {
      state.truncated = true
      return
    }
    map.set(key, (c = [0, 0]))
  }
  c[toServer ? 0 : 1]++
}

function feedSfu(state: ZoomState, packet: PayloadPacket, b: Uint8Array): void {
  if (!sfuShaped(b)) return
  state.zoom++
  state.first ??= state.evidenceOf(packet)
  const type = b[0]!
  if ((type === 1 || type === 2) && b[1] === 0 && (b[2] === 2 || b[2] === 3)) state.handshake = true
  bump(state.outer, type, packet.toServer, state)
  if (type !== SFU_TYPE_MEDIA) return
  bump(state.direction, b[7]!, packet.toServer, state)
  media(state, packet, b, SFU_HEADER_LENGTH)
}

function feedP2p(state: ZoomState, packet: PayloadPacket, b: Uint8Array): void {
  const setup = p2pSetup(b)
  if (setup) {
    state.zoom++
    state.handshake = true
    state.first ??= state.evidenceOf(packet)
    state.announced ??= {text: captureText(b, setup[0], setup[1], 64), first: state.evidenceOf(packet)}
    return
  }
  if (mediaKind(b[0]!) === 'unknown' || b.length < 16) return
  state.zoom++
  state.first ??= state.evidenceOf(packet)
  media(state, packet, b, 0)
}

/** One media encapsulation at b[inner]: count it by inner type and read its RTP/RTCP header. */
function media(state: ZoomState, packet: PayloadPacket, b: Uint8Array, inner: number): void {
  const innerType = b[inner]!
  let m = state.media.get(innerType)
  if (!m) {
    if (state.media.size >= MAX_INNER_TYPES) {
      state.truncated = true
      return
    }
    m = {innerType, toServer: 0, toClient: 0, withRtp: 0, ssrcs: new Map(), first: state.evidenceOf(packet)}
    state.media.set(innerType, m)
  }
  if (packet.toServer) m.toServer++
  else m.toClient++
  const kind = mediaKind(innerType)
  if (kind === 'rtcp') {
    if (isRtcpHeader(b, inner + 16, b.length)) m.withRtp++
    return
  }
  for (const offset of rtpOffsets(innerType, b, inner)) {
    const h = scratchHeader
    if (!readRtpHeader(b, inner + offset, b.length, h)) continue
    m.withRtp++
    const key = h.ssrc * 2 + (packet.toServer ? 0 : 1)
    let s = m.ssrcs.get(key)
    if (!s) {
      if (m.ssrcs.size >= MAX_SSRCS) {
        state.truncated = true
        return
      }
      m.ssrcs.set(key, (s = {ssrc: h.ssrc, toServer: packet.toServer, packets: 0, pts: []}))
    }
    s.packets++
    if (s.pts.length < 4 && !s.pts.includes(h.payloadType)) s.pts.push(h.payloadType)
    return
  }
}

const KIND_LABEL: Record<ZoomMediaKind, string> = {audio: 'audio', video: 'video', 'screen-share': 'screen share', rtcp: 'RTCP', unknown: 'unknown'}

function describeZoom(f: ZoomFacts): string[] {
  const total = (kind: ZoomMediaKind) => f.media.filter((m) => m.kind === kind).reduce((n, m) => n + m.toServer + m.toClient, 0)
  const lines: string[] = []
  const how = f.encapsulation === 'sfu' ? 'via Zoom server (SFU encapsulation)' : 'peer-to-peer'
  const known = (['video', 'audio', 'screen-share'] as const).map((k) => `${KIND_LABEL[k]} ${total(k)}${k === 'video' ? ' pkts' : ''}`)
  const rtcp = total('rtcp')
  if (total('video') + total('audio') + total('screen-share') + rtcp > 0) {
    lines.push(`Zoom media ${how}: ${known.join(', ')}${rtcp ? `, RTCP ${rtcp}` : ''}`)
    for (const m of f.media) {
      if (m.kind === 'unknown' || m.ssrcs.length === 0) continue
      lines.push(`Zoom ${KIND_LABEL[m.kind]} (inner type ${m.innerType}) SSRCs ${m.ssrcs.map((s) => `${s.ssrc} from the ${s.sentBy}`).join(', ')} (from frame ${m.first.frame})`)
    }
  } else {
    const outer = f.outerTypes.map((t) => `type ${t.type} ×${t.toServer + t.toClient}`).join(', ')
    lines.push(`Zoom ${how}: ${f.zoomPackets} packets (${outer}); no audio, video or screen-share media types seen`)
  }
  const unknown = f.media.filter((m) => m.kind === 'unknown')
  if (unknown.length > 0) lines.push(`Zoom media encapsulation with undocumented inner types: ${unknown.map((m) => `0x${m.innerType.toString(16).padStart(2, '0')} ×${m.toServer + m.toClient}`).join(', ')}`)
  if (f.p2pAnnouncedAddress) lines.push(`Zoom P2P set-up announces address "${f.p2pAnnouncedAddress.text}" (frame ${f.p2pAnnouncedAddress.first.frame})`)
  return lines
}
