/**
 * The input of the apps stage: one FlowEvidence per flow, a small explicit summary of what the
 * flow table and the protocol analyzers learned. The apps stage does not read analyzer facts
 * itself (their shapes belong to src/protocols); whoever runs the pipeline fills these fields
 * from them, so this type is the stable contract. Every text field comes from a capture and is
 * untrusted: it is only compared, case-insensitively, never evaluated.
 */
import type {FlowRecord} from '../flows/flow-records.js'
import type {NameSource} from './signatures.js'

export type {NameSource} from './signatures.js'

export interface EvidenceName {
  /** As seen (any case, maybe with a trailing dot); normalised by the matcher. */
  name: string
  /**
   * - `sni`: TLS ClientHello server_name of this flow;
   * - `quic-sni`: server_name in this flow's (decrypted) QUIC Initial;
   * - `dtls-sni`: server_name in this flow's DTLS ClientHello;
   * - `http-host`: Host header of a cleartext HTTP request on this flow;
   * - `socks`: the destination host name this flow asked a SOCKS proxy to connect to (the
   *   flow's server is the proxy: what it carried went on to that name);
   * - `sip`: the host of a SIP request's Request-URI on this flow (the domain the call or
   *   registration was for: `zoomcrc.com`, `acme.webex.com`);
   * - `cert`: subject CN or DNS SAN of the certificate the server of this flow presented
   *   (TLS 1.2 or DTLS; may be a non-DNS name such as `hangouts`);
   * - `dns`: a DNS answer seen in the capture resolved this name to this flow's server address;
   * - `dns-query`: this flow is a DNS/mDNS/LLMNR flow that asked for the name (no connection
   *   to it needs to exist);
   * - `nrb`: a pcapng Name Resolution Block gives this name for the server address.
   */
  source: NameSource
  /** 1-based frame number (Wireshark's frame.number) where the name was seen. */
  frame: number
}

export interface FlowEvidence {
  /** The flow's id in the flows JSON. */
  flowId: number
  /** 'tcp', 'udp', 'icmp', ... as in FlowRecord.proto. */
  proto: string
  client: {ip: string; port: number}
  server: {ip: string; port: number}
  packets: {toServer: number; toClient: number}
  bytes: {toServer: number; toClient: number}
  durationSeconds: number
  /** Frame of the flow's first packet: cited for port and range evidence. */
  firstFrame: number
  /** Names that identify this flow's server (or, for DNS flows, the names asked). */
  names: EvidenceName[]
  /** Any STUN/TURN message (RFC 3489/5389/8489, TURN ChannelData) on the flow. */
  stunPresent: boolean
  /** Processes the capturing host names for the flow (macOS captures): the process and the
   * effective process it acted for, with the flow's first frame. Untrusted text. */
  processes?: Array<{name: string; frame: number}>
  /** An app's own wire format recognised on the flow by a protocol analyzer: `id` as the
   * signature file names it (kind `payload`, e.g. `whatsapp-chat`), `detail` what was read
   * (`prologue WA 5.2 after an edge routing header`), `frame` where. */
  payloads?: Array<{id: string; detail: string; frame: number}>
  /** SOFTWARE attribute values, with the frame of the message that carried each. */
  stunSoftware?: Array<{software: string; frame: number}>
  /** STUN attribute types seen (e.g. 0x8008 MS-VERSION), for vendor extensions. */
  stunAttributes?: number[]
  /** STUN's message classes show the flow's server is the STUN client (it sent the requests, the
   * flow's client answered): the flow table took the server for the client because it spoke
   * first in the capture. The far end (remoteEndpoint) is then the flow's client. */
  stunRolesReversed?: boolean
  /** TURN in use: Allocate/Refresh/CreatePermission/ChannelBind, Send/Data indications,
   * ChannelData, or an XOR-RELAYED-ADDRESS. */
  relay?: boolean
  /** DTLS records (handshake or application data) on the flow. */
  dtls: boolean
  /** TLS handshake on the flow. */
  tls: boolean
  /** SIP messages (RFC 3261) in clear on the flow; absent when none. */
  sip?: true
  /** H.323 in clear on the flow: call signalling (Q.931/H.225.0), RAS with a gatekeeper, or the
   * call's H.245 media control; absent when none. */
  h323?: 'call' | 'ras' | 'media-control'
  /** A ws:// WebSocket that carried WebRTC session descriptions or ICE candidates in clear; absent when none. */
  webrtcSignalling?: true
  /** XMPP (Jabber) in clear on the flow carrying Jingle call set-up (ICE candidates); absent when none. */
  xmpp?: true
  /** ALPN protocols the flow's TLS or DTLS ClientHello offered; absent when none. */
  alpn?: readonly string[]
  /** QUIC long-header packets on the flow. */
  quic: boolean
  /** Cleartext HTTP request or response on the flow. */
  http?: boolean
  /** RTP streams (distinct SSRCs) seen, encrypted (SRTP) or not; RTCP alone does not count. */
  rtpStreams: number
  /** RTCP datagrams on a flow with no RTP stream (RTCP on its own port, RFC 3550 §11): the
   * reports of an RTP session whose media is on another flow. Absent otherwise. */
  rtcpOnly?: number
  /** Zoom's own media encapsulation (UDP 8801 SFU): packets per media type; absent if none. */
  zoomMedia?: {audio: number; video: number; screenShare: number; rtcp: number}
  /** DNS on this flow (port 53 or a parsed DNS message; DoT/DoH excluded). */
  isDns: boolean
  /** Local discovery: mDNS, LLMNR, NBNS/NetBIOS datagram, SSDP, DHCP/DHCPv6, WS-Discovery. */
  isLanDiscovery: boolean
  /**
   * A VPN tunnel recognised on the flow by its protocol (OpenVPN, IKE or ESP-in-UDP, WireGuard):
   * `label` names it for the role reason (e.g. `OpenVPN (tls-auth)`); `server` is the tunnel's
   * server end when the analyzer knows it is the flow's client (else the flow's server). ESP and
   * AH straight over IP need nothing here: `proto` says `esp`/`ah`.
   */
  vpn?: {label: string; frame: number; server?: {ip: string; port: number}}
  /** The far end, once `remoteEndpoint` has worked it out (it is asked several times per flow). */
  remote?: {ip: string; port: number} | undefined
}

/** The flow-table part of the evidence, every protocol fact false/empty: fill those from the
 * analyzers' facts. */
export function baseEvidence(record: FlowRecord): FlowEvidence {
  return {
    flowId: record.id,
    proto: record.proto,
    // Shared with the record, not copied (100 k flows): nothing in the apps stage writes them.
    client: record.client,
    server: record.server,
    packets: record.packets,
    bytes: record.bytes,
    durationSeconds: record.durationSeconds,
    firstFrame: record.firstFrame,
    names: [],
    stunPresent: false,
    dtls: false,
    tls: false,
    quic: false,
    rtpStreams: 0,
    isDns: false,
    isLanDiscovery: false,
    remote: undefined,
  }
}

/** Media protocols on the flow: RTP, Zoom media, or DTLS together with STUN (DTLS-SRTP). */
export function carriesMedia(f: FlowEvidence): boolean {
  const zoom = f.zoomMedia
  const zoomPackets = zoom ? zoom.audio + zoom.video + zoom.screenShare : 0
  return f.rtpStreams > 0 || zoomPackets > 0 || (f.dtls && f.stunPresent && f.proto === 'udp')
}

/** Protocol-level signs of a call on the flow: media, RTCP, STUN/TURN, or DTLS over UDP. */
export function carriesCallProtocols(f: FlowEvidence): boolean {
  return carriesMedia(f) || f.rtcpOnly !== undefined || f.stunPresent || f.relay === true || (f.dtls && f.proto === 'udp') || (f.zoomMedia !== undefined && f.zoomMedia.rtcp > 0)
}

/** Many TCP packets both ways over a while: with a relay host's name or a TURN port, a call
 * relayed over TURN over TLS (RFC 8656 §3.1) rather than a page load. Same thresholds as UDP. */
export function isSustainedTcp(f: FlowEvidence): boolean {
  return (
    f.proto === 'tcp' &&
    f.packets.toServer >= SUSTAINED_UDP.minEachWay &&
    f.packets.toClient >= SUSTAINED_UDP.minEachWay &&
    f.packets.toServer + f.packets.toClient >= SUSTAINED_UDP.minTotal &&
    f.durationSeconds >= SUSTAINED_UDP.minSeconds
  )
}

/** Thresholds for "sustained UDP": enough packets both ways over enough time to be a stream. */
export const SUSTAINED_UDP = {minEachWay: 10, minTotal: 50, minSeconds: 1} as const

/** Many UDP packets both ways over a while, and not DNS/QUIC/LAN discovery. */
export function isSustainedUdp(f: FlowEvidence): boolean {
  return (
    f.proto === 'udp' &&
    !f.quic &&
    !f.isDns &&
    !f.isLanDiscovery &&
    f.packets.toServer >= SUSTAINED_UDP.minEachWay &&
    f.packets.toClient >= SUSTAINED_UDP.minEachWay &&
    f.packets.toServer + f.packets.toClient >= SUSTAINED_UDP.minTotal &&
    f.durationSeconds >= SUSTAINED_UDP.minSeconds
  )
}
