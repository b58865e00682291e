import {baseEvidence, type EvidenceName, type FlowEvidence, type StunMapped} from '../apps/index.js'
import type {FlowRecord} from '../flows/flow-records.js'
import {type FlowFacts, factsOf} from './flow-facts.js'
import {cachedHostOnly, JITSI_ROOM} from '../protocols/http/meeting-links.js'
import {ZOOM_MAPPED_ADDRESS} from '../protocols/stun/attributes.js'
import {DISCORD_IP_DISCOVERY} from '../protocols/discord/ip-discovery.js'
import {WHATSAPP_CHAT} from '../protocols/whatsapp/chat-prologue.js'

/** Names per address learned outside the flow itself: passive DNS and pcapng NRB entries. */
export interface AddressNames {
  dns: Map<string, string[]>
  nrb: Map<string, string[]>
}

const MAX_NAMES_PER_FLOW = 64
/** TURN methods (RFC 8656 §17): their presence means a relay is in use. */
const TURN_METHODS = /allocate|refresh|create ?permission|channel ?bind|(send|data) indication/i

/**
 * The apps stage's input for one flow (src/apps/evidence.ts is the contract), filled from the
 * flow's protocol facts and from names other flows revealed about its server.
 */
export function flowEvidence(flow: FlowRecord, names: AddressNames): FlowEvidence {
  const e = baseEvidence(flow)
  const f = factsOf(flow)
  // Indexed loops and a module-level helper: this runs once per flow (100 k and more), and a
  // closure or an iterator per flow showed up in the garbage collector's time.
  const out = e.names
  const tls = f.tls
  if (tls) {
    if (tls.clientHello) addName(out, tls.clientHello.sni, 'sni', tls.clientHello.evidence.frame)
    const certificates = tls.certificates
    if (certificates) {
      for (let i = 0; i < certificates.length; i++) {
        const message = certificates[i]!
        if (message.sentBy !== 'server') continue
        const leaf = message.chain[0]
        if (!leaf) continue
        addName(out, leaf.subjectCN, 'cert', message.evidence.frame)
        const sans = leaf.sanDns
        if (sans) for (let j = 0; j < sans.length; j++) addName(out, sans[j], 'cert', message.evidence.frame)
      }
    }
  }
  if (f.quic?.clientHello) addName(out, f.quic.clientHello.sni, 'quic-sni', f.quic.clientHello.evidence.frame)
  if (f.quic?.chlo) addName(out, f.quic.chlo.sni, 'quic-sni', f.quic.chlo.evidence.frame)
  const dtls = f.dtls
  if (dtls) {
    if (dtls.clientHello) addName(out, dtls.clientHello.sni, 'dtls-sni', dtls.clientHello.evidence.frame)
    const certificates = dtls.certificates
    if (certificates) {
      for (let i = 0; i < certificates.length; i++) {
        const message = certificates[i]!
        const leaf = message.chain[0]
        if (leaf) addName(out, leaf.subjectCN, 'cert', message.evidence.frame)
      }
    }
  }
  const requests = f.http?.requests
  if (requests) {
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!
      // A name, not an authority: `Host: zoom.us:443` names zoom.us. A CONNECT names its
      // destination in the target even without a Host header (HTTP/1.0).
      const host = r.method === 'CONNECT' ? r.target : r.host
      if (host) addName(out, cachedHostOnly(host), 'http-host', r.evidence.frame)
    }
  }
  if (f.socks?.hostIsName) addName(out, f.socks.host, 'socks', f.socks.request.frame)
  const sip = f.sip?.kept
  if (sip) {
    for (let i = 0; i < sip.length; i++) {
      const m = sip[i]!
      const host = m.requestUri === undefined ? undefined : sipUriHost(m.requestUri)
      if (host && !out.some((n) => n.source === 'sip' && n.name === host)) addName(out, host, 'sip', m.evidence.frame)
    }
  }
  const messages = f.dns?.messages
  if (messages) {
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!
      if (message.response) continue
      const questions = message.questions
      for (let j = 0; j < questions.length; j++) addName(out, questions[j]!.name, 'dns-query', message.evidence.frame)
    }
  }
  const dnsNames = names.dns.get(flow.server.ip)
  if (dnsNames) for (let i = 0; i < dnsNames.length; i++) addName(out, dnsNames[i], 'dns', flow.firstFrame)
  // Most captures have no NRB names: no lookup per flow then.
  const nrbNames = names.nrb.size === 0 ? undefined : names.nrb.get(flow.server.ip)
  if (nrbNames) for (let i = 0; i < nrbNames.length; i++) addName(out, nrbNames[i], 'nrb', flow.firstFrame)

  if (flow.process) {
    e.processes = [flow.process.name, flow.process.effectiveName, flow.process.package]
      .filter((name): name is string => typeof name === 'string' && name.length > 0)
      .map((name) => ({name, frame: flow.firstFrame}))
  }

  const whatsapp = f.whatsapp
  if (whatsapp) {
    const routing = whatsapp.form === 'edge-routing' ? ' after an edge routing header' : ''
    e.payloads = [{id: WHATSAPP_CHAT, detail: `chat prologue WA ${whatsapp.version}${routing}`, frame: whatsapp.evidence.frame}]
  }

  // A request for a Jitsi Meet room (its web client's XMPP transport, or a meet.jit.si page):
  // Jitsi's own URL scheme, on any host (a self-hosted Jitsi has a name of its own). Not a room
  // in a Referer: that request went to another site.
  const jitsi = f.http?.requests.find((r) => r.meetingLink?.app === 'jitsi' && r.meetingLink.where === 'target')
  if (jitsi) (e.payloads ??= []).push({id: JITSI_ROOM, detail: `request for Jitsi Meet room ${jitsi.meetingLink!.id}`, frame: jitsi.evidence.frame})

  const stun = f.stun
  if (stun) {
    e.stunPresent = stun.messages + stun.classicMessages + stun.channelDataMessages > 0
    if (stun.software.length) e.stunSoftware = stun.software.map((s) => ({software: s.text, frame: s.first.frame}))
    if (stun.vendorAttributes.length) e.stunAttributes = stun.vendorAttributes.map((a) => Number.parseInt(a.type, 16)).filter(Number.isFinite)
    if (stun.rolesReversed) e.stunRolesReversed = true
    e.relay =
      stun.relayedAddresses.length > 0 ||
      stun.channelDataMessages > 0 ||
      stun.messageTypes.some((t) => TURN_METHODS.test(t.name))
  }
  e.dtls = f.dtls !== undefined
  e.tls = f.tls !== undefined && (f.tls.clientHello !== undefined || f.tls.serverHello !== undefined)
  if (f.sip) e.sip = true
  if (f.h323) e.h323 = f.h323.transport === 'udp' ? 'ras' : 'call'
  else if (f.h245) e.h323 = 'media-control'
  if (f.websocket && (f.websocket.sdps.length > 0 || f.websocket.candidates.length > 0)) e.webrtcSignalling = true
  // XMPP is chat and presence first: a call's signalling only when it carries Jingle.
  if (f.xmpp && !f.xmpp.starttls && f.xmpp.candidates.length > 0) e.xmpp = true
  const alpn = f.tls?.clientHello?.alpn ?? f.dtls?.clientHello?.alpn
  if (alpn && alpn.length > 0) e.alpn = alpn
  e.quic = f.quic !== undefined
  if (f.http && f.http.requests.length > 0) e.http = true
  e.rtpStreams = f.rtp?.streams.length ?? 0
  if (f.rtp && e.rtpStreams === 0 && f.rtp.rtcp) e.rtcpOnly = f.rtp.rtcp.datagrams
  if (f.zoom) {
    const sum = (kind: string) => f.zoom!.media.filter((m) => m.kind === kind).reduce((n, m) => n + m.toServer + m.toClient, 0)
    e.zoomMedia = {audio: sum('audio'), video: sum('video'), screenShare: sum('screen-share'), rtcp: sum('rtcp')}
  }
  // Set only when there is one: a property added to every flow's evidence grew each object.
  const vpn = vpnOf(flow, f)
  if (vpn) e.vpn = vpn
  e.isDns = f.dns !== undefined && f.dns.service === 'dns'
  e.isLanDiscovery = f.lan !== undefined || (f.dns !== undefined && f.dns.service !== 'dns')
  return e
}

function addName(names: EvidenceName[], name: string | undefined | null, source: EvidenceName['source'], frame: number): void {
  if (name && names.length < MAX_NAMES_PER_FLOW) names.push({name, source, frame})
}

/** The VPN tunnel the analyzers recognised on the flow, if any. */
function vpnOf(flow: FlowRecord, f: FlowFacts): FlowEvidence['vpn'] {
  if (f.openvpn) {
    const o = f.openvpn
    // 'none': no tls-auth/tls-crypt wrap, the control channel's TLS records are in clear.
    const label = `OpenVPN${o.transport === 'tcp' ? ' over TCP' : ''} (${o.controlWrap === 'none' ? 'no HMAC' : o.controlWrap})`
    return o.rolesReversed ? {label, frame: o.evidence.frame, server: flow.client} : {label, frame: o.evidence.frame}
  }
  if (f.ipsec) {
    const i = f.ipsec
    const ike = i.ikeVersion ? `IKEv${i.ikeVersion}` : ''
    const label = i.natTraversal ? `IPsec NAT-T (${[ike, i.espPackets ? 'ESP in UDP' : ''].filter(Boolean).join(', ')})` : `IPsec ${ike}`
    return {label, frame: i.evidence.frame}
  }
  if (f.wireguard) {
    const w = f.wireguard
    if (w.transportOnly) return {label: 'WireGuard (transport data only)', frame: w.evidence.frame}
    return {label: `WireGuard (${w.initiations + w.responses} handshake message${w.initiations + w.responses === 1 ? '' : 's'})`, frame: w.evidence.frame}
  }
  return undefined
}

/** Binding success responses: RFC 8489's name, and RFC 3489 §11.1's (a classic message). */
const BINDING_RESPONSES = new Set(['Binding Success Response', 'Binding Response'])

/**
 * The caller's public address as servers saw it, for the vantage:
 *  - XOR-MAPPED-ADDRESS (RFC 8489 §14.2, and [MS-TURN]'s 0x8020) of Binding and Allocate success
 *    responses (RFC 8656 §7.3);
 *  - MAPPED-ADDRESS (RFC 3489 §11.2.1, RFC 8489 §14.1) of Binding success responses only: an
 *    [MS-TURN] Allocate response's MAPPED-ADDRESS is the relayed address ([MS-TURN] §2.2.2.1,
 *    already labelled relayed when parsed), and other messages do not carry the reflexive one;
 *  - Zoom's STUN-like 0x0103 from Zoom's servers, marked inferred (src/protocols/stun/attributes.ts);
 *  - the answer of Discord's voice IP discovery (not STUN, the same fact).
 * Messages relayed inside TURN Data indications or ChannelData are a peer's, never ours.
 */
export function stunMappedAddresses(flows: readonly FlowRecord[]): StunMapped[] {
  const out: StunMapped[] = []
  for (let i = 0; i < flows.length; i++) {
    const flow = flows[i]!
    const discovered = factsOf(flow).discord
    // Discord's IP discovery answer is the same fact as a mapped address: the voice server says
    // where the client's socket came from (src/protocols/discord/ip-discovery.ts).
    if (discovered) out.push({ip: discovered.address, port: discovered.port, frame: discovered.evidence.frame, receivedBy: discovered.sentBy === 'server' ? flow.client.ip : flow.server.ip, attribute: DISCORD_IP_DISCOVERY})
    const stun = factsOf(flow).stun
    if (!stun) continue
    for (const a of stun.mappedAddresses) {
      if (a.via !== undefined) continue
      const inferred = a.attribute === ZOOM_MAPPED_ADDRESS ? "Zoom's STUN-like attribute 0x0103" : undefined
      if (a.attribute === 'MAPPED-ADDRESS' ? !BINDING_RESPONSES.has(a.message) : a.attribute !== 'XOR-MAPPED-ADDRESS' && inferred === undefined) continue
      // The response travels to whoever did not send it.
      const receivedBy = a.sentBy === 'server' ? flow.client.ip : flow.server.ip
      out.push(inferred !== undefined ? {ip: a.ip, port: a.port, frame: a.first.frame, receivedBy, attribute: a.attribute, inferred} : {ip: a.ip, port: a.port, frame: a.first.frame, receivedBy, attribute: a.attribute})
    }
  }
  return out
}

/**
 * The host of a SIP or SIPS URI (RFC 3261 §19.1.1: `sip:user:password@host:port;params?headers`),
 * when it is a name: an address literal names no domain.
 */
export function sipUriHost(uri: string): string | undefined {
  const m = /^sips?:(?:[^@;?]*@)?(\[[^\]]*\]|[^:;?>]+)/i.exec(uri)
  const host = m?.[1]?.toLowerCase()
  if (!host || host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host) || !/[a-z]/.test(host)) return undefined
  return host
}

