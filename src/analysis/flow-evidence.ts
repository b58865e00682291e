import {baseEvidence, type EvidenceName, type FlowEvidence, type StunMapped} from '../apps/index.js'
import type {FlowRecord} from '../flows/flow-records.js'
import {type FlowFacts, factsOf} from './flow-facts.js'

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
  const add = (name: string | undefined | null, source: EvidenceName['source'], frame: number) => {
    if (name && e.names.length < MAX_NAMES_PER_FLOW) e.names.push({name, source, frame})
  }
  if (f.tls?.clientHello) add(f.tls.clientHello.sni, 'sni', f.tls.clientHello.evidence.frame)
  for (const message of f.tls?.certificates ?? []) {
    if (message.sentBy !== 'server') continue
    const leaf = message.chain[0]
    if (!leaf) continue
    add(leaf.subjectCN, 'cert', message.evidence.frame)
    for (const san of leaf.sanDns ?? []) add(san, 'cert', message.evidence.frame)
  }
  if (f.quic?.clientHello) add(f.quic.clientHello.sni, 'quic-sni', f.quic.clientHello.evidence.frame)
  if (f.quic?.chlo) add(f.quic.chlo.sni, 'quic-sni', f.quic.chlo.evidence.frame)
  if (f.dtls?.clientHello) add(f.dtls.clientHello.sni, 'dtls-sni', f.dtls.clientHello.evidence.frame)
  for (const message of f.dtls?.certificates ?? []) {
    const leaf = message.chain[0]
    if (leaf) add(leaf.subjectCN, 'cert', message.evidence.frame)
  }
  for (const request of f.http?.requests ?? []) add(request.host, 'http-host', request.evidence.frame)
  if (f.socks?.hostIsName) add(f.socks.host, 'socks', f.socks.request.frame)
  for (const message of f.dns?.messages ?? []) {
    if (message.response) continue
    for (const q of message.questions) add(q.name, 'dns-query', message.evidence.frame)
  }
  for (const name of names.dns.get(flow.server.ip) ?? []) add(name, 'dns', flow.firstFrame)
  for (const name of names.nrb.get(flow.server.ip) ?? []) add(name, 'nrb', flow.firstFrame)

  if (flow.process) {
    e.processes = [flow.process.name, flow.process.effectiveName]
      .filter((name): name is string => typeof name === 'string' && name.length > 0)
      .map((name) => ({name, frame: flow.firstFrame}))
  }

  const stun = f.stun
  if (stun) {
    e.stunPresent = stun.messages + stun.classicMessages + stun.channelDataMessages > 0
    if (stun.software.length) e.stunSoftware = stun.software.map((s) => ({software: s.text, frame: s.first.frame}))
    if (stun.vendorAttributes.length) e.stunAttributes = stun.vendorAttributes.map((a) => Number.parseInt(a.type, 16)).filter(Number.isFinite)
    e.relay =
      stun.relayedAddresses.length > 0 ||
      stun.channelDataMessages > 0 ||
      stun.messageTypes.some((t) => TURN_METHODS.test(t.name))
  }
  e.dtls = f.dtls !== undefined
  e.tls = f.tls !== undefined && (f.tls.clientHello !== undefined || f.tls.serverHello !== undefined)
  e.quic = f.quic !== undefined
  if (f.http && f.http.requests.length > 0) e.http = true
  e.rtpStreams = f.rtp?.streams.length ?? 0
  if (f.zoom) {
    const sum = (kind: string) => f.zoom!.media.filter((m) => m.kind === kind).reduce((n, m) => n + m.toServer + m.toClient, 0)
    e.zoomMedia = {audio: sum('audio'), video: sum('video'), screenShare: sum('screen-share'), rtcp: sum('rtcp')}
  }
  e.vpn = vpnOf(flow, f)
  e.isDns = f.dns !== undefined && f.dns.service === 'dns'
  e.isLanDiscovery = f.lan !== undefined || (f.dns !== undefined && f.dns.service !== 'dns')
  return e
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

/** XOR-MAPPED-ADDRESS values (the caller's public address as servers saw it), for the vantage.
 * MAPPED-ADDRESS is left out: Microsoft's TURN puts the relayed address there. */
export function stunMappedAddresses(flows: readonly FlowRecord[]): StunMapped[] {
  const out: StunMapped[] = []
  for (const flow of flows) {
    const stun = factsOf(flow).stun
    if (!stun) continue
    for (const a of stun.mappedAddresses) {
      // Messages nested in TURN Data indications or ChannelData are a peer's, not ours.
      if (a.attribute !== 'XOR-MAPPED-ADDRESS' || a.via !== undefined) continue
      // The response travels to whoever did not send it.
      const receivedBy = a.sentBy === 'server' ? flow.client.ip : flow.server.ip
      out.push({ip: a.ip, port: a.port, frame: a.first.frame, receivedBy})
    }
  }
  return out
}
