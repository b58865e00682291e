/**
 * The role each flow played in the call, with the reason, so findings can judge control
 * connections as seriously as media (the 2020 Zoom finding was about meeting keys served from
 * abroad, over control connections). One role per flow, first rule that applies:
 *
 *   lan → dns → vpn → encrypted dns → relay → media → telemetry → control → web → other
 */
import {type FlowEvidence, carriesMedia, isSustainedTcp, isSustainedUdp} from './evidence.js'
import {type AppIdentification, attributionByFlow, remoteEndpoint} from './identify-apps.js'
import {encryptedDnsReason} from './encrypted-dns.js'
import {isGroupAddress, isPrivateAddress, normalizeName} from './match.js'
import {type RoleHintMatch, type Signatures, defaultSignatures} from './signatures.js'
import {flatText} from '../util/flat-text.js'
import {InternPool} from '../util/intern.js'
import {hostPort} from '../util/ip-text.js'

export type Role = 'media' | 'relay' | 'vpn' | 'control' | 'telemetry' | 'web' | 'dns' | 'lan' | 'other'

export interface RoleDescription {
  role: Role
  title: string
  description: string
}

/** The roles, in precedence order, with what each means (for docs and report legends). */
export const ROLE_DESCRIPTIONS: readonly RoleDescription[] = [
  {role: 'lan', title: 'LAN discovery', description: 'mDNS, LLMNR, NetBIOS name service, SSDP, DHCP and other multicast or broadcast traffic that stays on the local network but broadcasts names to everyone on it.'},
  {role: 'dns', title: 'DNS', description: 'Name lookups, in clear or encrypted (DNS over TLS, QUIC or HTTPS to a public resolver). Where the resolver is, and the names asked in clear, matter on their own.'},
  {role: 'vpn', title: 'VPN tunnel', description: 'A VPN tunnel: OpenVPN (its control channel read), IPsec (ESP or AH over IP, IKE on UDP 500, IKE or ESP in UDP 4500 for NAT traversal) or WireGuard (a handshake read). What the call did inside is hidden from this vantage point; the VPN server\'s country is where all of it surfaced.'},
  {role: 'relay', title: 'TURN relay', description: 'A TURN server relaying the call: allocations, permissions, ChannelData or Send/Data indications, media to a known relay host, or TURN over TLS (the turns port 5349, ALPN stun.turn, or a long connection to a relay host). The relay sees every media packet and both parties\' addresses.'},
  {role: 'media', title: 'Media', description: 'Audio, video or screen sharing: RTP/SRTP (and RTCP on a port of its own, which reports on it), Zoom\'s media encapsulation, DTLS-SRTP after STUN, sustained UDP both ways to a conferencing server, or STUN-established peer streams.'},
  {role: 'telemetry', title: 'Telemetry and logging', description: 'Diagnostics, analytics and crash reporting (log.zoom.us, *.events.data.microsoft.com, Google Analytics, Sentry...): metadata about the call leaves the device.'},
  {role: 'control', title: 'Signalling and control', description: 'TLS, QUIC or HTTP to an identified app\'s servers (meeting control, key distribution, presence, chat), STUN exchanges that set up the call, SIP and H.323 signalling, WebRTC signalling over a WebSocket, and XMPP carrying Jingle call set-up. Keys served from abroad travel here, not in the media.'},
  {role: 'web', title: 'Web and content', description: 'Other HTTPS, QUIC or HTTP: web pages, CDNs, sign-in, updates.'},
  {role: 'other', title: 'Other', description: 'Anything else (unrecognised UDP/TCP, ICMP, tunnels).'},
]

export interface FlowRole {
  flowId: number
  role: Role
  /** One line a report can print. Names in it come from the capture (untrusted text). */
  reason: string
  /** The app the flow is attributed to, or null. */
  app: string | null
}

const WEB_PORTS = new Set([80, 443, 8080, 8443])

/** Role reasons, one flat copy of each (see assignRoles). */
const roleReasons = new InternPool(16_384)

const NO_NAMES: readonly string[] = Object.freeze([])
const NO_HINTS: ReadonlyArray<{name: string; hint: RoleHintMatch | undefined}> = Object.freeze([])

/** Names that identify the server (not names merely asked in DNS). */
function serverNames(f: FlowEvidence): readonly string[] {
  // Most flows carry no name at all: nothing is allocated for them.
  if (f.names.length === 0) return NO_NAMES
  const out: string[] = []
  for (const n of f.names) {
    if (n.source === 'dns-query') continue
    const name = normalizeName(n.name)
    if (name && !out.includes(name)) out.push(name)
  }
  return out
}

function mediaReason(f: FlowEvidence): string {
  const z = f.zoomMedia
  if (z && z.audio + z.video + z.screenShare > 0) {
    const kinds = [z.audio > 0 ? 'audio' : '', z.video > 0 ? 'video' : '', z.screenShare > 0 ? 'screen share' : ''].filter(Boolean).join(', ')
    return `Zoom media (${kinds})`
  }
  if (f.rtpStreams > 0) return `RTP/SRTP, ${f.rtpStreams} stream${f.rtpStreams === 1 ? '' : 's'}`
  return 'DTLS-SRTP after STUN (WebRTC media)'
}

/** ESP and AH (IP protocols 50 and 51, RFC 4303 and RFC 4302) by the flow's protocol; OpenVPN,
 * IKE/NAT-T and WireGuard from the analyzers' facts (FlowEvidence.vpn). */
function vpnReason(f: FlowEvidence): string | undefined {
  if (f.proto === 'esp' || f.proto === 'ah') return `IPsec ${f.proto.toUpperCase()} to ${remoteEndpoint(f).ip}`
  if (f.vpn) return `${f.vpn.label} to ${endpointText(f.vpn.server ?? remoteEndpoint(f))}`
  return undefined
}

function endpointText(e: {ip: string; port: number}): string {
  return e.port ? hostPort(e.ip, e.port) : e.ip
}

/** The first hint of a role (a function, not a closure made per flow: this runs for every flow). */
function hintOfRole(hints: ReadonlyArray<{name: string; hint: RoleHintMatch | undefined}>, role: string): {name: string; hint: RoleHintMatch | undefined} | undefined {
  for (let i = 0; i < hints.length; i++) if (hints[i]!.hint!.role === role) return hints[i]
  return undefined
}

function appLabel(app: string | null, sig: Signatures): string {
  return app ? sig.app(app)?.displayName ?? app : 'unidentified'
}

/** IANA sip-tls. */
const SIPS_PORT = 5061

/** IANA's turns/stuns port 5349 (RFC 8656 §3.1, RFC 7350) and the 5350 some servers also
 * listen on. */
const TURNS_PORTS = new Set([5349, 5350])

/**
 * TURN over TLS (or DTLS): the whole call relayed inside an encrypted connection, where UDP is
 * blocked. Told by the ALPN "stun.turn" (RFC 7443 §5; browsers do not send it), by the turns port
 * 5349, or by a relay host's name on a TLS connection sustained both ways (Teams' *.tr.teams...,
 * Google's turn*: over 443 a relayed call is one long TLS connection, a page load is not).
 */
function turnOverTlsReason(f: FlowEvidence, relayName: string | undefined, relayPattern: string | undefined): string | undefined {
  if (!f.tls && !f.dtls) return undefined
  const proto = f.tls ? 'TLS' : 'DTLS'
  if (f.alpn?.includes('stun.turn')) return `${proto} with ALPN "stun.turn" (RFC 7443): TURN over ${proto}, the call relayed inside`
  if (TURNS_PORTS.has(f.server.port)) return `${proto} to port ${f.server.port} (turns, RFC 8656 §3.1): TURN over ${proto}, the call relayed inside`
  if (relayName && f.tls && isSustainedTcp(f) && turnLikeName(relayName)) return `TLS to relay host ${relayName} (${relayPattern}), sustained both ways (${f.packets.toServer}/${f.packets.toClient} packets): TURN over TLS, the call relayed inside`
  return undefined
}

/**
 * The relay hint `turn*.**` also fits turnitin.com or turnkey.example, harmless where the flow
 * carries STUN or media but not for a long TLS connection alone: there the name's first label
 * must read as a TURN server's (turn, turns, turn3, turn-eu1); the hint's other patterns
 * (*.turns.goog, *.tr.teams.microsoft.com) name relays outright.
 */
function turnLikeName(name: string): boolean {
  const first = name.slice(0, name.indexOf('.') >>> 0)
  return !first.startsWith('turn') || /^turns?(?:\d+|-[a-z0-9-]+)?$/.test(first)
}

/** UDP ports of LAN announcements that the LAN analyzer does not read: what a host tells every
 * other host on its network, sent to the subnet's broadcast address as often as to 255.255.255.255. */
const LAN_ANNOUNCEMENT_PORTS: ReadonlyMap<number, string> = new Map([
  [138, 'NetBIOS datagram service (browser announcements)'],
  [3702, 'WS-Discovery'],
  [17500, 'Dropbox LAN sync discovery'],
  [57621, 'Spotify Connect discovery'],
])

/** The role of one flow. `app` is its attribution (null when none). */
export function roleOfFlow(f: FlowEvidence, app: string | null, sig: Signatures = defaultSignatures()): {role: Role; reason: string} {
  if (f.isLanDiscovery) return {role: 'lan', reason: 'LAN discovery protocol (mDNS/LLMNR/NetBIOS/SSDP/DHCP)'}
  if (isGroupAddress(f.server.ip)) return {role: 'lan', reason: `multicast/broadcast destination ${f.server.ip}`}
  // Announcements to a subnet's broadcast address (192.168.1.255) cannot be told from unicast
  // without the netmask; their well-known ports between local addresses can.
  const lanPort = f.proto === 'udp' ? LAN_ANNOUNCEMENT_PORTS.get(f.server.port) : undefined
  if (lanPort && isPrivateAddress(f.server.ip) && isPrivateAddress(f.client.ip)) return {role: 'lan', reason: `${lanPort} (UDP ${f.server.port}) between local addresses`}
  if (f.isDns) return {role: 'dns', reason: dnsReasons.get(f.server.ip, f.server.port)}

  const vpn = vpnReason(f)
  if (vpn) return {role: 'vpn', reason: vpn}

  const names = serverNames(f)
  // Encrypted DNS is DNS all the same: the resolver reads every name asked (see encrypted-dns.ts).
  const encryptedDns = encryptedDnsReason(f, names)
  if (encryptedDns) return {role: 'dns', reason: encryptedDns}
  const hints = names.length === 0 ? NO_HINTS : names.map((n) => ({name: n, hint: sig.roleHintOf(n)})).filter((h) => h.hint !== undefined)
  const streamish = carriesMedia(f) || f.stunPresent || isSustainedUdp(f)
  const conferencing = app !== null && sig.app(app)?.conferencing === true

  if (f.relay) {
    const generic = (f.stunSoftware ?? []).find((s) => sig.isGenericStunSoftware(s.software))
    const via = generic ? ` (server SOFTWARE "${generic.software.slice(0, 64)}")` : ''
    return {role: 'relay', reason: `TURN allocation/relayed data${via}${carriesMedia(f) ? ', carrying media' : ''}`}
  }
  const relayHint = hintOfRole(hints, 'relay')
  if (relayHint && streamish) return {role: 'relay', reason: `media/STUN to relay host ${relayHint.name} (${relayHint.hint!.pattern})`}
  const turnOverTls = turnOverTlsReason(f, relayHint?.name, relayHint?.hint!.pattern)
  if (turnOverTls) return {role: 'relay', reason: turnOverTls}

  if (carriesMedia(f)) return {role: 'media', reason: mediaReason(f)}
  // RTCP on a port of its own reports on the call's media (senders, loss, SDES names): part of
  // the media session, wherever the RTP itself went.
  if (f.rtcpOnly !== undefined) return {role: 'media', reason: `RTCP only (${f.rtcpOnly} datagram${f.rtcpOnly === 1 ? '' : 's'}): the reports of an RTP session whose media is on another flow`}
  if (f.stunPresent && isSustainedUdp(f)) return {role: 'media', reason: `sustained UDP both ways after STUN (${f.packets.toServer}/${f.packets.toClient} packets)`}
  if (conferencing && isSustainedUdp(f)) {
    return {role: 'media', reason: `sustained UDP both ways to ${appLabel(app, sig)} server (${f.packets.toServer}/${f.packets.toClient} packets)`}
  }

  const telemetry = hintOfRole(hints, 'telemetry')
  if (telemetry) return {role: 'telemetry', reason: `telemetry/logging host ${telemetry.name} (${telemetry.hint!.pattern})`}

  if (f.stunPresent) return {role: 'control', reason: 'STUN only: NAT discovery / ICE connectivity checks (exposes the caller\'s addresses)'}
  if (f.sip) return {role: 'control', reason: 'SIP signalling (RFC 3261) in clear: registration and call set-up'}
  if (f.h323 === 'call') return {role: 'control', reason: 'H.323 call signalling (Q.931/H.225.0) in clear: call set-up'}
  if (f.h323 === 'ras') return {role: 'control', reason: 'H.323 RAS in clear: registration with a gatekeeper and admission of calls'}
  if (f.h323 === 'media-control') return {role: 'control', reason: 'H.245 in clear: the media control of an H.323 call (capabilities, channels and where their media goes)'}
  if (f.webrtcSignalling) return {role: 'control', reason: 'WebRTC signalling over an unencrypted WebSocket (ws://): session descriptions in clear'}
  if (f.xmpp) return {role: 'control', reason: 'XMPP (Jabber) in clear carrying Jingle call set-up'}
  // SIP over TLS (RFC 3261 §26.2: sips:, TCP 5061): the same signalling, encrypted.
  if (f.tls && f.server.port === SIPS_PORT) return {role: 'control', reason: 'TLS to port 5061: SIP over TLS (sips:, RFC 3261 §26.2), call signalling'}
  const web = f.tls || f.quic || f.http === true || WEB_PORTS.has(f.server.port)
  if (conferencing) {
    const label = appLabel(app, sig)
    // The app's own protocol read on the flow (WhatsApp's chat connection): say so.
    const payload = f.payloads?.[0]
    if (payload) return {role: 'control', reason: `${label} ${payload.detail}, ${f.proto.toUpperCase()} to ${endpointText(remoteEndpoint(f))}`}
    const name = names[0] ? ` ${names[0]}` : ` ${f.server.ip}`
    if (f.tls || f.quic || f.http === true) {
      const proto = f.quic ? 'QUIC' : f.tls ? 'TLS' : 'HTTP'
      return {role: 'control', reason: `${proto} to ${label} server${name}`}
    }
    if (f.proto === 'tcp') return {role: 'control', reason: `TCP to ${label} server${name}:${f.server.port}`}
    if (f.proto === 'udp') return {role: 'media', reason: `UDP to ${label} server${name}:${f.server.port} (${f.packets.toServer}/${f.packets.toClient} packets, too few to call sustained)`}
  }
  const hinted = hints.length === 0 ? undefined : hints.find((h) => h.hint!.role === 'control' || h.hint!.role === 'web')
  if (hinted) return {role: hinted.hint!.role as Role, reason: `${hinted.name} (${hinted.hint!.pattern})`}
  if (web) {
    const proto = f.quic ? 'QUIC' : f.tls ? 'TLS' : f.http ? 'HTTP' : `${f.proto.toUpperCase()} port ${f.server.port}`
    return {role: 'web', reason: `${proto}${names[0] ? ` to ${names[0]}` : ''} (web/content)`}
  }
  return {role: 'other', reason: otherReasons.get(f.proto, f.server.port)}
}

/**
 * Reason texts by two values, made once per distinct pair: most flows of a large capture are
 * DNS to a few resolvers or unrecognised traffic to a few thousand ports, and building (then
 * interning) the same text for each was a good part of role assignment. Bounded: emptied when
 * it holds `max` texts.
 */
class ReasonMemo<K extends string> {
  private byFirst = new Map<K, Map<number, string>>()
  private size = 0

  constructor(
    private readonly make: (first: K, second: number) => string,
    private readonly max = 65_536,
  ) {}

  get(first: K, second: number): string {
    let bySecond = this.byFirst.get(first)
    const known = bySecond?.get(second)
    if (known !== undefined) return known
    if (this.size >= this.max) {
      this.byFirst = new Map()
      this.size = 0
      bySecond = undefined
    }
    if (!bySecond) this.byFirst.set(first, (bySecond = new Map()))
    const text = roleReasons.intern(flatText(this.make(first, second)))
    bySecond.set(second, text)
    this.size++
    return text
  }
}

const dnsReasons = new ReasonMemo<string>((ip, port) => `DNS to ${hostPort(ip, port)}`)
const otherReasons = new ReasonMemo<string>((proto, port) => `${proto}${port ? ` port ${port}` : ''}: no recognised protocol or app`)

/** One role per flow (in flow-id order). */
export function assignRoles(flows: readonly FlowEvidence[], identification: AppIdentification, signatures: Signatures = defaultSignatures()): FlowRole[] {
  const attribution = attributionByFlow(identification)
  // Callers pass the flows in id order already: then they are not copied and sorted again.
  let sorted = true
  for (let i = 1; sorted && i < flows.length; i++) sorted = flows[i - 1]!.flowId < flows[i]!.flowId
  return (sorted ? flows : [...flows].sort((a, b) => a.flowId - b.flowId))
    .map((f) => {
      const app = attribution.get(f.flowId)?.app ?? null
      const {role, reason} = roleOfFlow(f, app, signatures)
      // Thousands of flows share a reason ("TLS to Zoom server zoom.us"): one flat copy each.
      return {flowId: f.flowId, role, reason: roleReasons.intern(flatText(reason)), app}
    })
}
